// `sysight optimize` with the optimize stage pointed at a scripted LLM: a finding no codemod covers gets
// an LLM patch, which the sandbox then measures like any other (CPU-only Python workload).
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { conversationOf } from '../../src/agent/testing/fake-llm.js';
import type { RunRecord } from '../../src/core/run.js';
import { python, sysight } from '../support/cli.js';
import { answerSleepyPatch, sleepyRun, useSleepyRepo, writeConfig } from '../support/sleepy-run.js';

const fixture = useSleepyRepo();

describe.skipIf(!python)('sysight optimize with an LLM patch planner', () => {
  it('measures the LLM patch in the sandbox', async () => {
    const repo = fixture.repo();
    const server = await fixture.llm('anthropic', (r) => answerSleepyPatch(conversationOf(r.body)));
    writeConfig(repo, `optimize:\n  provider: anthropic\n  model: claude-sonnet-4-0\n  base_url: ${server.baseUrl}\n  max_retries: 0\n  stream: true\n`);
    const dir = sleepyRun(repo);
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
