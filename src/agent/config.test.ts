import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { UserError } from '../core/errors.js';
import { scrubSecrets } from '../core/secrets.js';
import { makeRepo, removeRepo } from '../source/testing.js';
import { describeStage, loadAgentConfig } from './config.js';
import { createProvider } from './providers/index.js';

let repo = '';
afterEach(() => repo && removeRepo(repo));
function withConfig(yaml: string): string {
  repo = makeRepo({ 'train.py': 'x = 1\n' });
  mkdirSync(join(repo, '.sysight'), { recursive: true });
  writeFileSync(join(repo, '.sysight', 'config.yaml'), yaml);
  return repo;
}
const err = (f: () => unknown): string => {
  try {
    f();
  } catch (e) {
    expect(e).toBeInstanceOf(UserError);
    return (e as Error).message;
  }
  throw new Error('expected a UserError');
};

describe('loadAgentConfig', () => {
  it('defaults every stage to provider none without a file', () => {
    repo = makeRepo({ 'a.py': '' });
    const c = loadAgentConfig(repo, {});
    expect([c.analyze.provider, c.optimize.provider, c.learn.provider]).toEqual(['none', 'none', 'none']);
    expect(createProvider(c.analyze)).toBeNull();
  });

  it('resolves $ENV_VAR keys and reads every setting', () => {
    withConfig('analyze:\n  provider: anthropic\n  model: claude-sonnet-4-0\n  api_key: $MY_KEY\n  temperature: 0.2\n  max_tokens: 500\n  timeout_s: 30\n  max_turns: 4\n  stream: true\noptimize:\n  provider: openai_compatible\n  model: qwen\n  base_url: http://127.0.0.1:8000/v1\n');
    const c = loadAgentConfig(repo, { MY_KEY: 'sk-ant-verysecretvalue123456' });
    expect(c.analyze).toMatchObject({ provider: 'anthropic', model: 'claude-sonnet-4-0', apiKey: 'sk-ant-verysecretvalue123456', apiKeyEnv: 'MY_KEY', temperature: 0.2, maxTokens: 500, timeoutS: 30, maxTurns: 4, stream: true });
    expect(c.optimize).toMatchObject({ provider: 'openai_compatible', baseUrl: 'http://127.0.0.1:8000/v1' });
    expect(c.optimize.apiKey).toBeUndefined();
    expect(describeStage(c.analyze)).toBe('anthropic claude-sonnet-4-0 (key from $MY_KEY)');
    expect(describeStage(c.analyze)).not.toContain('verysecret');
    expect(createProvider(c.analyze)?.name).toBe('anthropic');
  });

  it('refuses a literal key, pointing at $ENV_VAR', () => {
    withConfig('analyze:\n  provider: openai_compatible\n  model: gpt-4o\n  api_key: sk-live-abcdefghijklmnop\n');
    const m = err(() => loadAgentConfig(repo, {}));
    expect(m).toMatch(/analyze\.api_key: a literal key is not allowed.*api_key: "\$MY_KEY_VAR"/);
    expect(m).not.toContain('abcdefghijklmnop');
  });

  it('says which variable is unset', () => {
    withConfig('analyze: {provider: openai_compatible, model: gpt-4o, api_key: "${OPENAI_API_KEY}"}\n');
    expect(err(() => loadAgentConfig(repo, {}))).toMatch(/analyze\.api_key: environment variable OPENAI_API_KEY is not set$/);
  });

  it.each([
    ['analyze: {provider: gemini}', /analyze\.provider must be one of openai_compatible, anthropic, replay, none/],
    ['analyze: {provider: anthropic, api_key: $K}', /analyze\.model must be a non-empty string/],
    ['analyze: {provider: none, temprature: 1}', /analyze\.temprature: unknown setting/],
    ['analyze: {provider: openai_compatible, model: m, base_url: ftp://x}', /base_url must be an http\(s\) URL/],
    ['analyze: {provider: openai_compatible, model: m, api_key: $K, temperature: 9}', /temperature must be a number between 0 and 2/],
    ['analyse: {provider: none}', /unknown section analyse/],
    ['analyze: [1, 2]', /analyze: expected a mapping/],
    ['analyze: {provider: openai_compatible, model: m}', /api_key is required/],
    ['analyze: {: :', /invalid YAML/],
  ])('rejects %s with one clear line', (yaml, re) => {
    withConfig(yaml + '\n');
    const m = err(() => loadAgentConfig(repo, { K: 'x' }));
    expect(m).toMatch(re);
    expect(m.includes('\n')).toBe(false);
  });

  it('takes SYSIGHT_LLM_* overrides for the benchmark', () => {
    repo = makeRepo({ 'a.py': '' });
    const c = loadAgentConfig(repo, { SYSIGHT_LLM_PROVIDER: 'openai_compatible', SYSIGHT_LLM_MODEL: 'deepseek-chat', SYSIGHT_LLM_BASE_URL: 'https://api.deepseek.com', SYSIGHT_LLM_API_KEY: 'sk-abcdefabcdefabcdef12', SYSIGHT_LLM_STAGES: 'analyze', SYSIGHT_LLM_RECORD: 'tx' });
    expect(c.analyze).toMatchObject({ provider: 'openai_compatible', model: 'deepseek-chat', baseUrl: 'https://api.deepseek.com', apiKey: 'sk-abcdefabcdefabcdef12', record: join(repo, 'tx') });
    expect(c.optimize.provider).toBe('none');
    const r = loadAgentConfig(repo, { SYSIGHT_LLM_REPLAY: '/tmp/tx' });
    expect(r.learn).toMatchObject({ provider: 'replay', path: '/tmp/tx' });
  });

  it('registers resolved keys with the one redaction helper', () => {
    withConfig('analyze: {provider: openai_compatible, model: m, api_key: $K}\n');
    const key = 'plain-looking-token-value-42';
    loadAgentConfig(repo, { K: key });
    expect(scrubSecrets(`request failed with ${key} in it`)).toBe('request failed with [redacted] in it');
    expect(scrubSecrets('{"api_key": "abc123456"}')).toBe('{"api_key": "[redacted]"}');
    expect(scrubSecrets('Authorization: Bearer abcdefghijkl')).toBe('Authorization: Bearer [redacted]');
  });
});
