// The toy workload the LLM end-to-end tests optimize: a committed repo whose training step sleeps 30 ms, and a
// run directory holding the one finding about that sleep, as `sysight analyze` would have left it.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { startFakeLlm, type conversationOf, type Dialect, type FakeLlm, type Reply, type Script } from '../../src/agent/testing/fake-llm.js';
import { RunDir } from '../../src/pipeline/rundir.js';
import { ensureBuilt } from './cli.js';
import { makeRepo, type ToyRepo } from './sandbox-fixtures.js';

/** train.py: a CPU-only loop whose `slow_step` sleeps 30 ms on line 5. */
export const SLEEPY_TRAIN = 'import time\n\n\ndef slow_step(i):\n    time.sleep(0.03)\n    return i\n\n\nfor i in range(8):\n    slow_step(i)\n    print(f"step {i}: loss 1.0")\n';

/** The patch a scripted model answers for SLEEPY_TRAIN. */
export const SLEEPY_FIX = '--- a/train.py\n+++ b/train.py\n@@ -4,3 +4,3 @@\n def slow_step(i):\n-    time.sleep(0.03)\n+    time.sleep(0)\n     return i\n';

export interface SleepyFixture {
  /** the committed repo (after beforeAll) */
  repo(): string;
  /** starts the scripted model, closed after the file's tests */
  llm(dialect: Dialect, script: Script): Promise<FakeLlm>;
}

/** Registers the file's beforeAll (dist/ built, the repo made) and afterAll (model stopped, repo removed). */
export function useSleepyRepo(): SleepyFixture {
  let toy: ToyRepo | undefined;
  let server: FakeLlm | undefined;
  beforeAll(() => {
    ensureBuilt();
    toy = makeRepo({ 'train.py': SLEEPY_TRAIN });
  });
  afterAll(async () => {
    await server?.close();
    toy?.cleanup();
  });
  return {
    repo: () => {
      if (!toy) throw new Error('the sleepy repo is made in beforeAll');
      return toy.dir;
    },
    llm: async (dialect, script) => (server = await startFakeLlm(dialect, script)),
  };
}

/** The optimize stage's two turns: read train.py, then answer SLEEPY_FIX. */
export function answerSleepyPatch(c: ReturnType<typeof conversationOf>): Reply {
  if (c.turn === 0) return { answer: { toolCalls: [{ id: 'r1', name: 'read_file', arguments: { path: 'train.py', start: 1, end: 12 } }] } };
  return { answer: { content: JSON.stringify({ diff: SLEEPY_FIX, rationale: 'the sleep serves no purpose' }) } };
}

/** Writes `.sysight/config.yaml` in `repo`. */
export function writeConfig(repo: string, yaml: string): void {
  mkdirSync(join(repo, '.sysight'), { recursive: true });
  writeFileSync(join(repo, '.sysight', 'config.yaml'), yaml);
}

/** A finished run in `repo` whose round 1 found the sleep in `slow_step`. */
export function sleepyRun(repo: string): RunDir {
  const dir = RunDir.create(repo, { repo, status: 'done', command: null, python: null, rounds: [] });
  dir.writeFindings(1, {
    schemaVersion: 1, profile: 'p', repo, iterationMs: 30, iterations: 8, gpu: false, notes: [], unconfirmed: [],
    findings: [{
      id: 'C7|train.py|slow_step|C7.sleep', category: 'C7', pattern: 'C7.sleep', title: 'sleep in the step', file: 'train.py', function: 'slow_step', line: 5,
      severity: 'high', impact: { msPerIter: 30, pctOfIter: 95 }, confidence: 0.8, localizedBy: 'catalogue',
      evidence: [{ kind: 'source', file: 'train.py', line: 5, text: '    time.sleep(0.03)', why: 'sleeps every step' }],
    }],
  });
  return dir;
}
