// `sysight analyze` with the analyze stage pointed at a scripted LLM on a local OpenAI-speaking server
// (streaming, tool calls), then replayed from the recorded transcripts with the server stopped.
import { mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationOf, startFakeLlm, type FakeLlm } from '../../src/agent/testing/fake-llm.js';
import type { LocalizedFindingSet } from '../../src/core/findings.js';
import { ensureBuilt, filesUnder, sysight, sysightSync } from '../support/cli.js';

const KEY = 'sk-e2e-do-not-leak-0123456789abcdef';
let tmp = '';
let repo = '';
let profile = '';
let server: FakeLlm | null = null;

const config = (body: string) => writeFileSync(join(repo, '.sysight', 'config.yaml'), body);

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'sysight-llm-e2e-'));
  profile = join(tmp, 'sync.sqlite');
  const g = sysightSync(['generate', '--preset', 'sync-bound', '--iterations', '3', '--out', profile]);
  if (g.code !== 0) throw new Error(`generate failed: ${g.stderr}`);
  repo = join(tmp, 'repo');
  mkdirSync(join(repo, '.sysight'), { recursive: true });
  writeFileSync(join(repo, 'train.py'), 'import torch\n\n\ndef train(model, data):\n    for x in data:\n        loss = model(x)\n        torch.cuda.synchronize()\n        print(loss.item())\n');
});
afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe('sysight analyze with an LLM', () => {
  let live: LocalizedFindingSet;

  it('reviews, adds a verified finding, discards an unsupported one, and never leaks the key', async () => {
    server = await startFakeLlm('openai', (r) => {
      const c = conversationOf(r.body);
      if (c.task.startsWith('Review')) {
        if (c.turn === 0) return { answer: { content: 'Checking the profile.', toolCalls: [{ id: 'q1', name: 'profile_sync', arguments: {} }] } };
        const ids = [...new Set([...c.task.matchAll(/"id": "(C\d\|[^"]+)"/g)].map((m) => m[1]!))];
        const verdicts = ids.map((id, i) => ({ id, verdict: i === ids.length - 1 && ids.length > 1 ? 'rejected' : 'confirmed', reason: c.toolResults[0]?.includes('cudaStreamSynchronize') ? 'the sync query shows the stall' : 'no data' }));
        return { answer: { content: JSON.stringify({ verdicts }) } };
      }
      return {
        answer: {
          content: JSON.stringify({
            findings: [
              { category: 'C3', title: 'explicit synchronize each step', file: 'train.py', function: 'train', line: 7, query: 'sync', args: {}, metric: 'totalNs', reason: 'torch.cuda.synchronize() in the loop' },
              { category: 'C7', title: 'made up', file: 'train.py', function: 'evaluate', line: 3, query: 'summary', metric: 'x', reason: 'no such function' },
            ],
          }),
        },
      };
    });
    config(`analyze:\n  provider: openai_compatible\n  model: gpt-4o-mini\n  base_url: ${server.baseUrl}\n  api_key: $SYSIGHT_E2E_KEY\n  stream: true\n  max_retries: 0\n  record: .sysight/transcripts\n`);
    const r = await sysight(['analyze', profile, '--repo', repo, '--json'], { SYSIGHT_E2E_KEY: KEY });
    expect(r.stderr).not.toContain(KEY);
    expect(r.code, r.stderr).toBe(0);
    live = JSON.parse(r.stdout) as LocalizedFindingSet;
    // the scripted model called a tool, and streamed
    expect(server.requests.length).toBeGreaterThanOrEqual(3);
    expect(server.requests.every((q) => q.body.stream === true)).toBe(true);
    expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${KEY}`);
    const llmFinding = live.findings.find((f) => f.localizedBy === 'llm');
    expect(llmFinding).toMatchObject({ category: 'C3', file: 'train.py', function: 'train', line: 7, pattern: 'llm.C3' });
    expect(llmFinding!.evidence[0]).toMatchObject({ kind: 'profile', query: 'sync' });
    const reviewed = [...live.findings, ...live.unconfirmed].filter((f) => f.review);
    expect(reviewed.length).toBeGreaterThan(0);
    expect(reviewed.every((f) => f.review!.reason === 'the sync query shows the stall')).toBe(true);
    expect(live.notes.some((n) => /^LLM finding discarded: train\.py:evaluate:3: no function evaluate in train\.py$/.test(n))).toBe(true);
    expect(live.notes.some((n) => /^LLM \(openai_compatible gpt-4o-mini\): \d+ input \+ \d+ output tokens, \$\d+\.\d{4}$/.test(n))).toBe(true);
    // nothing written under .sysight holds the key
    const written = filesUnder(join(repo, '.sysight'));
    expect(written.some((f) => f.includes('transcripts'))).toBe(true);
    for (const f of written) expect(readFileSync(f, 'utf8'), f).not.toContain(KEY);
  });

  it('replays the same run offline from the transcripts', async () => {
    expect(live).toBeDefined();
    await server!.close();
    server = null;
    config('analyze:\n  provider: replay\n  path: .sysight/transcripts\n');
    const r = await sysight(['analyze', profile, '--repo', repo, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const again = JSON.parse(r.stdout) as LocalizedFindingSet;
    expect(again.findings).toEqual(live.findings);
    expect(again.unconfirmed).toEqual(live.unconfirmed);
  });

  it('refuses a literal key in the config with one line, exit 2', async () => {
    config('analyze:\n  provider: anthropic\n  model: claude-sonnet-4-0\n  api_key: sk-ant-literal-key-1234567890\n');
    const r = await sysight(['analyze', profile, '--repo', repo]);
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(/analyze\.api_key: a literal key is not allowed/);
    expect(r.stderr).not.toContain('literal-key-1234567890');
  });
});
