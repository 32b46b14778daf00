// The real CLI parses the command lines the extension builds (src/protocol/cli.ts), and `--findings` limits
// `sysight optimize` to the findings it names: only those are tried (no LLM, patterns no codemod covers, so each
// trial is a quick "skipped" record — what is pinned is which findings reached the optimizer).
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Finding } from '../../src/core/findings.js';
import type { RunRecord } from '../../src/core/run.js';
import { RunDir } from '../../src/pipeline/rundir.js';
import { agentLoopArgs, optimizeArgs } from '../../src/protocol/cli.js';
import { ensureBuilt, sysight as runSysight } from '../support/cli.js';
import { makeRepo, type ToyRepo } from '../support/sandbox-fixtures.js';

const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'import torch']).status === 0);
let toy: ToyRepo;
let repo = '';

const sysight = (args: string[]) => runSysight(args, { SYSIGHT_HOME: 'off' });

function finding(id: string, line: number): Finding {
  return {
    id, category: 'C7', pattern: `C7.test-${id}`, title: `finding ${id}`, file: 'train.py', function: '<module>', line,
    severity: 'high', impact: { msPerIter: 10, pctOfIter: 30 }, confidence: 0.8, localizedBy: 'catalogue',
    evidence: [{ kind: 'source', file: 'train.py', line, text: 'x', why: 'test' }],
  };
}

beforeAll(() => {
  ensureBuilt();
  toy = makeRepo({ 'train.py': 'total = 0\nfor i in range(3):\n    total += i\nprint(total)\n', '.gitignore': '.sysight/\n' });
  repo = toy.dir;
});
afterAll(() => toy.cleanup());

describe.skipIf(!python)('the CLI parses what the extension builds', () => {
  const run = () => {
    const dir = RunDir.create(repo, { repo, status: 'done', command: [python!, 'train.py'], python: python!, rounds: [] });
    dir.writeFindings(1, {
      schemaVersion: 1, profile: 'p', repo, iterationMs: 30, iterations: 3, gpu: false, notes: [],
      findings: [finding('a', 1), finding('b', 2), finding('c', 3)], unconfirmed: [finding('u', 4)],
    });
    return dir;
  };

  it('optimize --findings tries only the findings it names (with the run\'s own workload command)', async () => {
    const dir = run();
    const args = optimizeArgs({ runId: dir.id, repo, python: python!, runs: 2, findingIds: ['c', 'a'] });
    const r = await sysight([...args, '--json']);
    expect(r.code, r.stderr).toBe(0);
    const last = (JSON.parse(r.stdout) as RunRecord).rounds.at(-1)!;
    expect(last.trials.map((t) => t.findingId).sort()).toEqual(['a', 'c']);
    expect(last.findings).toBe(2);
    // without --findings every finding is tried
    const all = await sysight([...optimizeArgs({ runId: dir.id, repo, python: python!, runs: 2 }), '--json']);
    expect(all.code, all.stderr).toBe(0);
    expect((JSON.parse(all.stdout) as RunRecord).rounds.at(-1)!.trials.map((t) => t.findingId).sort()).toEqual(['a', 'b', 'c']);
  }, 120_000);

  it('names a finding the run lacks, or an unconfirmed one, in one line (exit 2, nothing tried)', async () => {
    const dir = run();
    const missing = await sysight(optimizeArgs({ runId: dir.id, repo, python: python!, runs: 2, findingIds: ['a', 'zzz'] }));
    expect(missing.code).toBe(2);
    expect(missing.stderr.trim()).toBe(`sysight: error: run ${dir.id} has no finding zzz (its findings: a, b, c)`);
    const unconfirmed = await sysight(optimizeArgs({ runId: dir.id, repo, python: python!, runs: 2, findingIds: ['u'] }));
    expect(unconfirmed.code).toBe(2);
    expect(unconfirmed.stderr).toMatch(/finding u of run .* is unconfirmed by the profile/);
    const empty = await sysight(['optimize', dir.id, '--repo', repo, '--findings', ' , ']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/--findings needs at least one finding id/);
  }, 60_000);

  it('agent-loop accepts every option the extension passes', async () => {
    // a profile that does not exist: the options all parsed (an unknown one would fail first, with its own message)
    const args = agentLoopArgs({ repo, profile: join(repo, 'missing.json'), python: python!, runs: 2, rounds: 1, minGain: 0.01 });
    const r = await sysight([...args, '--findings', 'a']);
    expect(r.code).toBe(2);
    expect(r.stderr.trim()).toBe(`sysight: error: no such file: ${join(repo, 'missing.json')}`);
  }, 60_000);
});
