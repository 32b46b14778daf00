// LLM mode of the analyze benchmark: where the analyze stage's answers come from.
//   --llm replay:<dir>   offline, from transcripts recorded earlier (<dir>/<case>/analyze-*.jsonl)
//   --llm record:<dir>   from a live endpoint, recording every exchange to <dir>/<case>/
//   --llm live           from a live endpoint, recording nothing
// The live endpoint is given by SYSIGHT_BENCH_LLM_PROVIDER (openai_compatible | anthropic, default
// openai_compatible), SYSIGHT_BENCH_LLM_MODEL, SYSIGHT_BENCH_LLM_BASE_URL, SYSIGHT_BENCH_LLM_API_KEY; or, with
// --scripted, by the scripted reviewer (scripted-reviewer.ts) on a local server (recording only: it is no model).
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { loadAgentConfig, type StageConfig } from '../../src/agent/config.js';
import { createProvider, OpenAiCompatibleProvider, RecordingProvider, ReplayProvider } from '../../src/agent/providers/index.js';
import { startFakeLlm, type FakeLlm } from '../../src/agent/testing/fake-llm.js';
import type { LlmProvider } from '../../src/agent/types.js';
import { SCRIPTED_MODEL, scriptedReviewer } from './scripted-reviewer.js';

export type LlmMode = { kind: 'replay' | 'record'; dir: string; scripted: boolean } | { kind: 'live'; scripted: false };

/** What the transcripts were recorded from; written next to them as source.json. */
export interface TranscriptSource {
  scripted: boolean;
  provider: string;
  model: string;
  /** host of the endpoint (never a key) */
  endpoint: string;
  recordedAt: string;
  note: string;
}

export function parseLlmMode(args: string[], root: string): LlmMode | null {
  const i = args.findIndex((a) => a === '--llm' || a.startsWith('--llm='));
  if (i < 0) return null;
  const v = args[i]!.includes('=') ? args[i]!.slice(6) : args[i + 1];
  const scripted = args.includes('--scripted');
  if (!v) throw new Error('--llm needs a value: replay:<dir>, record:<dir> or live');
  if (v === 'live') {
    if (scripted) throw new Error('--scripted records transcripts (it is not a model to benchmark live): use --llm record:<dir> --scripted');
    return { kind: 'live', scripted: false };
  }
  const m = /^(replay|record):(.+)$/.exec(v);
  if (!m) throw new Error(`--llm ${v}: expected replay:<dir>, record:<dir> or live`);
  const dir = isAbsolute(m[2]!) ? m[2]! : resolve(root, m[2]!);
  if (m[1] === 'replay' && scripted) throw new Error('--scripted applies to record:, not replay:');
  return { kind: m[1] as 'replay' | 'record', dir, scripted };
}

/** The analyze stage settings every mode shares (turns, budget…), so recorded requests replay by hash. */
function baseConfig(repo: string): StageConfig {
  return loadAgentConfig(repo, {}).analyze;
}

/** The live endpoint from SYSIGHT_BENCH_LLM_* (falling back to SYSIGHT_LLM_*). */
export function endpointConfig(repo: string, env: NodeJS.ProcessEnv = process.env): StageConfig {
  const get = (k: string) => env[`SYSIGHT_BENCH_LLM_${k}`] ?? env[`SYSIGHT_LLM_${k}`];
  const model = get('MODEL');
  if (!model) throw new Error('no endpoint: set SYSIGHT_BENCH_LLM_MODEL (and SYSIGHT_BENCH_LLM_BASE_URL / _API_KEY / _PROVIDER), or record from the scripted reviewer with --scripted');
  const e: NodeJS.ProcessEnv = { SYSIGHT_LLM_PROVIDER: get('PROVIDER') ?? 'openai_compatible', SYSIGHT_LLM_MODEL: model, SYSIGHT_LLM_STAGES: 'analyze' };
  if (get('BASE_URL')) e.SYSIGHT_LLM_BASE_URL = get('BASE_URL');
  if (get('API_KEY')) e.SYSIGHT_LLM_API_KEY = get('API_KEY');
  return { ...loadAgentConfig(repo, e).analyze, ...pick(baseConfig(repo)) };
}

function pick(c: StageConfig) {
  return { maxTurns: c.maxTurns, contextTokens: c.contextTokens, maxTokens: c.maxTokens, temperature: c.temperature, stream: c.stream };
}

export interface LlmSetup {
  /** per case: the stage config and provider */
  forCase(name: string, repo: string): { config: StageConfig; provider: LlmProvider };
  source: TranscriptSource;
  close(): Promise<void>;
}

function hostOf(url: string | undefined): string {
  if (!url) return 'provider default';
  try {
    return new URL(url).host;
  } catch {
    return 'unknown';
  }
}

export async function setupLlm(mode: LlmMode): Promise<LlmSetup> {
  if (mode.kind === 'replay') {
    const file = join(mode.dir, 'source.json');
    if (!existsSync(file)) throw new Error(`${mode.dir}: no transcripts (source.json missing); record them with --llm record:${mode.dir}`);
    const source = JSON.parse(readFileSync(file, 'utf8')) as TranscriptSource;
    return {
      source,
      forCase: (name, repo) => {
        const dir = join(mode.dir, name);
        return { config: { ...baseConfig(repo), provider: 'replay', path: dir, model: source.model }, provider: new ReplayProvider(dir, 'analyze', source.model) };
      },
      close: async () => undefined,
    };
  }
  let server: FakeLlm | null = null;
  let make: (repo: string) => { config: StageConfig; provider: LlmProvider };
  let source: TranscriptSource;
  const now = new Date().toISOString();
  if (mode.scripted) {
    server = await startFakeLlm('openai', scriptedReviewer);
    const url = server.baseUrl;
    make = (repo) => ({
      config: { ...baseConfig(repo), provider: 'openai_compatible', model: SCRIPTED_MODEL, baseUrl: url },
      provider: new OpenAiCompatibleProvider({ model: SCRIPTED_MODEL, baseUrl: url, apiKey: 'none', maxRetries: 0 }),
    });
    source = { scripted: true, provider: 'openai_compatible (local scripted server)', model: SCRIPTED_MODEL, endpoint: '127.0.0.1', recordedAt: now,
      note: 'Recorded from bench/analyze/scripted-reviewer.ts, a fixed procedure speaking the OpenAI wire format, not a language model. It decides from the prompt and its tool results only (never truth.json).' };
  } else {
    const probe = endpointConfig(process.cwd());
    make = (repo) => {
      const config = endpointConfig(repo);
      return { config, provider: createProvider(config)! };
    };
    source = { scripted: false, provider: probe.provider, model: probe.model, endpoint: hostOf(probe.baseUrl), recordedAt: now, note: `Recorded from ${probe.provider} ${probe.model}.` };
  }
  if (mode.kind === 'record') {
    mkdirSync(mode.dir, { recursive: true });
    writeFileSync(join(mode.dir, 'source.json'), JSON.stringify(source, null, 2) + '\n');
  }
  return {
    source,
    forCase: (name, repo) => {
      const { config, provider } = make(repo);
      if (mode.kind !== 'record') return { config, provider };
      const dir = join(mode.dir, name);
      rmSync(dir, { recursive: true, force: true });
      return { config, provider: new RecordingProvider(provider, dir, 'analyze') };
    },
    close: async () => {
      await server?.close();
    },
  };
}
