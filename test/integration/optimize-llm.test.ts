// `sysight optimize` with the optimize stage pointed at a scripted LLM: a finding no codemod covers gets
// an LLM patch, which the sandbox then measures like any other (CPU-only Python workload).
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { conversationOf, startFakeLlm, type FakeLlm } from '../../src/agent/testing/fake-llm.js';
import type { RunRecord } from '../../src/core/run.js';
import { RunDir } from '../../src/pipeline/rundir.js';
import { sysight , gitIn } from '../support/cli.js';

const root = resolve(__dirname, '../..');
const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'print(1)']).status === 0);
let tmp = '';
let repo = '';
let server: FakeLlm | null = null;


const git = (...a: string[]) => gitIn(repo, ...a);

beforeAll(() => {
  if (!existsSync(join(root, 'dist/cli.js'))) {
    const b = spawnSync(process.execPath, ['esbuild.config.mjs'], { cwd: root, encoding: 'utf8' });
    if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
  }
  tmp = mkdtempSync(join(tmpdir(), 'sysight-llm-opt-'));
  repo = join(tmp, 'repo');
  mkdirSync(repo);
  writeFileSync(join(repo, 'train.py'), 'import time\n\n\ndef slow_step(i):\n    time.sleep(0.03)\n    return i\n\n\nfor i in range(8):\n    slow_step(i)\n    print(f"step {i}: loss 1.0")\n');
  git('init', '-q');
  git('add', '.');
  git('commit', '-qm', 'init');
});
afterAll(async () => {
  await server?.close();
  rmSync(tmp, { recursive: true, force: true });
});

describe.skipIf(!python)('sysight optimize with an LLM patch planner', () => {
  it('measures the LLM patch in the sandbox', async () => {
    server = await startFakeLlm('anthropic', (r) => {
      const c = conversationOf(r.body);
      if (c.turn === 0) return { answer: { toolCalls: [{ id: 'r1', name: 'read_file', arguments: { path: 'train.py', start: 1, end: 12 } }] } };
      const diff = '--- a/train.py\n+++ b/train.py\n@@ -4,3 +4,3 @@\n def slow_step(i):\n-    time.sleep(0.03)\n+    time.sleep(0)\n     return i\n';
      return { answer: { content: JSON.stringify({ diff, rationale: 'the sleep serves no purpose' }) } };
    });
    mkdirSync(join(repo, '.sysight'), { recursive: true });
    writeFileSync(join(repo, '.sysight', 'config.yaml'), `optimize:\n  provider: anthropic\n  model: claude-sonnet-4-0\n  base_url: ${server.baseUrl}\n  max_retries: 0\n  stream: true\n`);
    const dir = RunDir.create(repo, { repo, status: 'done', command: null, python: null, rounds: [] });
    dir.writeFindings(1, {
      schemaVersion: 1, profile: 'p', repo, iterationMs: 30, iterations: 8, gpu: false, notes: [], unconfirmed: [],
      findings: [{
        id: 'C7|train.py|slow_step|C7.sleep', category: 'C7', pattern: 'C7.sleep', title: 'sleep in the step', file: 'train.py', function: 'slow_step', line: 5,
        severity: 'high', impact: { msPerIter: 30, pctOfIter: 95 }, confidence: 0.8, localizedBy: 'catalogue',
        evidence: [{ kind: 'source', file: 'train.py', line: 5, text: '    time.sleep(0.03)', why: 'sleeps every step' }],
      }],
    });
    const r = await sysight(['optimize', dir.id, '--repo', repo, '--command', `${python} train.py`, '--python', python!, '--runs', '3', '--json']);
    expect(r.code, r.stderr).toBe(0);
    const run = JSON.parse(r.stdout) as RunRecord;
    const trial = run.rounds.at(-1)!.trials[0]!;
    expect(trial.patchId).toMatch(/^llm-[0-9a-f]{8}$/);
    // measured like any patch: ~240 ms of sleeps per run removed (the verdict itself is the sandbox's business)
    expect(trial.smokeOk, trial.reason).toBe(true);
    expect(trial.measurement!.speedup).toBeGreaterThan(1.5);
    expect(server.requests.length).toBe(2);
    const patch = readFileSync(join(dir.path, 'patches', `${trial.patchId}.diff`), 'utf8');
    expect(patch).toContain('+    time.sleep(0)');
    // the user's tree is untouched
    expect(readFileSync(join(repo, 'train.py'), 'utf8')).toContain('time.sleep(0.03)');
  });
});
