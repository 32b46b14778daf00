import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError, UserError } from '../core/index.js';
import {
  PYTHON, TOY_TRAIN, hashTree, processAlive, replacePlan, toyRepo, waitFor, worktreeList, write, git, type ToyRepo,
} from '../../test/support/sandbox-fixtures.js';
import { liveWorktrees } from './registry.js';
import { remeasureStack, runTrial, withPython, type TrialOptions } from './trial.js';

// Pairs before the first look: the measurement then adds pairs until the confidence sequence decides, so
// a load spike on the busy 2-core machine (the suite runs files in parallel) costs pairs, not the verdict.
const ACCEPT_RUNS = 3;

const repos: ToyRepo[] = [];
afterEach(() => {
  for (const r of repos.splice(0)) r.cleanup();
});

function setup(extra: Record<string, string> = {}): { dir: string; seen: Set<string>; opts: (o?: Partial<TrialOptions>) => TrialOptions } {
  const r = toyRepo(extra);
  repos.push(r);
  const seen = new Set<string>();
  const opts = (o: Partial<TrialOptions> = {}): TrialOptions => ({
    repo: r.dir,
    patches: [],
    command: ['python3', 'train.py'],
    python: PYTHON,
    runs: 5,
    warmup: 2,
    onProgress: () => { for (const w of liveWorktrees()) seen.add(w.tmpDir); },
    ...o,
  });
  return { dir: r.dir, seen, opts };
}

function expectClean(dir: string, seen: Set<string>, before: Record<string, string>): void {
  expect(hashTree(dir)).toEqual(before);
  expect(worktreeList(dir)).toHaveLength(1);
  expect(seen.size).toBeGreaterThan(0);
  for (const t of seen) expect(existsSync(t)).toBe(false);
  expect(liveWorktrees()).toEqual([]);
}

describe('runTrial', () => {
  it('accepts a real speed-up with equal numerics and leaves the user tree untouched', async () => {
    const { dir, seen, opts } = setup();
    const before = hashTree(dir);
    const plan = replacePlan(dir, 'train.py', 'SLEEP = 0.004', 'SLEEP = 0.001');
    const r = await runTrial(opts({ patches: [plan], runs: ACCEPT_RUNS }));
    expect(r.verdict, r.reason).toBe('accepted');
    expect(r.smokeOk).toBe(true);
    expect(r.numericsOk).toBe(true);
    expect(r.measurement!.source).toBe('shim');
    expect(r.measurement!.baselineMs.length).toBeGreaterThanOrEqual(ACCEPT_RUNS);
    expect(r.measurement!.stopped).toBe('decided');
    expect(r.measurement!.speedupInterval.low).toBeGreaterThan(0.01);
    expect(r.reason).toMatch(/^speed-up \+\d+\.\d% \[\+\d+\.\d%, \+\d+\.\d%\], numerics equal over 10 steps, peak RSS \d+ MiB \u2192 \d+ MiB$/);
    expect(r.patchId).toBe('p1');
    expectClean(dir, seen, before);
  });

  it.each([
    ['a patch that changes the loss, naming the step', 'SLEEP = 0.004\nDECAY = 0.9', 'SLEEP = 0.001\nDECAY = 0.91',
      /^numerics changed: loss at step \d+ differs by \d\.\de-?\d+$/, { numericsOk: false }],
    ['a slow-down as not above the minimum', 'SLEEP = 0.004', 'SLEEP = 0.006',
      /^speed-up \u2212\d+\.\d% \[.*\] below the 1% minimum$/, {}],
    ['a candidate whose smoke test fails, with the last stderr line', 'loss = loss * DECAY + 0.01', 'loss = loss * DECAY + undefined_name',
      /^smoke test failed: exit 1: NameError: name 'undefined_name' is not defined$/, { smokeOk: false }],
  ])('rejects %s', async (_what, from, to, reason, fields) => {
    const { dir, seen, opts } = setup();
    const before = hashTree(dir);
    const r = await runTrial(opts({ patches: [replacePlan(dir, 'train.py', from, to)] }));
    expect(r.verdict).toBe('rejected');
    expect(r).toMatchObject(fields);
    expect(r.reason).toMatch(reason);
    expectClean(dir, seen, before);
  });

  it('refuses a stale patch without running anything', async () => {
    const { dir, seen, opts } = setup();
    const plan = replacePlan(dir, 'train.py', 'SLEEP = 0.004', 'SLEEP = 0.001');
    write(dir, 'README.md', 'changed\n'); // unrelated tracked edit, then commit a change to train.py
    git(dir, 'commit', '-qam', 'readme');
    write(dir, 'train.py', `# header\n${readFileSync(`${dir}/train.py`, 'utf8')}`);
    git(dir, 'commit', '-qam', 'train changed');
    const before = hashTree(dir);
    const r = await runTrial(opts({ patches: [plan] }));
    expect(r.verdict).toBe('error');
    expect(r.reason).toBe('stale patch: train.py changed since the patch was made');
    expectClean(dir, seen, before);
  });

  it('a workload that fails at baseline is a UserError and changes nothing', async () => {
    const { dir, seen, opts } = setup();
    const before = hashTree(dir);
    const err = await runTrial(opts({ command: ['python3', 'missing.py'] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/^the workload fails without any patch: exit 2: .*missing\.py.*No such file/);
    expectClean(dir, seen, before);
  });

  it('a dirty repo is refused (or snapshotted on request) and stays byte-identical', async () => {
    const { dir, opts } = setup();
    write(dir, 'train.py', TOY_TRAIN.replace('SLEEP = 0.004', 'SLEEP = 0.003'));
    const before = hashTree(dir);
    const plan = replacePlan(dir, 'train.py', 'SLEEP = 0.003', 'SLEEP = 0.001');
    const err = await runTrial(opts({ patches: [plan] })).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toBe(`${dir} has uncommitted changes to tracked files (train.py): Sysight measures patches against the last commit; commit or stash them first`);
    expect(hashTree(dir)).toEqual(before);
    expect(worktreeList(dir)).toHaveLength(1);
    // The snapshot mode measures the working copy, where the patch's anchor is.
    const r = await runTrial(opts({ patches: [plan], dirty: 'snapshot', runs: ACCEPT_RUNS }));
    expect(r.verdict, r.reason).toBe('accepted');
    expect(hashTree(dir)).toEqual(before);
    expect(worktreeList(dir)).toHaveLength(1);
  });

  it('a directory that is not a git repository is refused before anything runs', async () => {
    const d = mkdtempSync(join(tmpdir(), 'sysight-nogit-'));
    try {
      write(d, 'train.py', TOY_TRAIN);
      const before = hashTree(d);
      const err = await runTrial({ repo: d, patches: [], command: ['python3', 'train.py'] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as Error).message).toMatch(/is not a git repository: Sysight sandboxes patches in git worktrees; run git init && git commit first$/);
      expect(hashTree(d)).toEqual(before);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('a run past its timeout is rejected and its process group is gone', async () => {
    const { dir, seen, opts } = setup();
    const before = hashTree(dir);
    // The candidate starts a grandchild that sleeps, writes its pid, then hangs.
    const plan = replacePlan(dir, 'train.py', 'for i in range(steps):',
      "import subprocess\np = subprocess.Popen(['sleep', '300'])\nopen(os.environ['PID_FILE'], 'w').write(str(p.pid))\ntime.sleep(300)\nfor i in range(steps):");
    const pidFile = `${dir}.pid`;
    const r = await runTrial(opts({ patches: [plan], timeoutMs: 1500, env: { PID_FILE: pidFile } }));
    expect(r.verdict).toBe('rejected');
    expect(r.reason).toMatch(/^smoke test failed: timed out after \d+ s/);
    const pid = Number(readFileSync(pidFile, 'utf8'));
    expect(await waitFor(() => !processAlive(pid), 5000)).toBe(true);
    rmSync(pidFile, { force: true });
    expectClean(dir, seen, before);
  });

  it('abort mid-measurement throws CancelledError and removes both worktrees', async () => {
    const { dir, seen, opts } = setup();
    const before = hashTree(dir);
    const ac = new AbortController();
    const plan = replacePlan(dir, 'train.py', 'SLEEP = 0.004', 'SLEEP = 0.001');
    const p = runTrial(opts({
      patches: [plan], signal: ac.signal,
      onProgress: (e) => {
        for (const w of liveWorktrees()) seen.add(w.tmpDir);
        if (e.message.startsWith('measuring: candidate run 2')) ac.abort();
      },
    }));
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expectClean(dir, seen, before);
  });

  it('re-measures a stack of accepted patches against the baseline', async () => {
    const { dir, seen, opts } = setup();
    const before = hashTree(dir);
    const p1 = replacePlan(dir, 'train.py', 'SLEEP = 0.004', 'SLEEP = 0.002', 'p1');
    // Hunks whose context does not overlap stack; overlapping ones must be re-planned on top.
    const p2 = replacePlan(dir, 'train.py', 'for i in range(steps):', 'for i in range(0, steps):', 'p2');
    const { patches: _unused, ...base } = opts({ runs: ACCEPT_RUNS });
    const r = await remeasureStack(base, [p1, p2]);
    expect(r.patchId).toBe('p1+p2');
    expect(r.verdict, r.reason).toBe('accepted');
    expect(r.measurement!.speedup).toBeGreaterThan(0.2);
    await expect(remeasureStack(base, [])).rejects.toBeInstanceOf(UserError);
    expectClean(dir, seen, before);
  });

  it('withPython swaps the interpreter', () => {
    expect(withPython(['python', 'x.py', '--a'], '/opt/py')).toEqual(['/opt/py', 'x.py', '--a']);
    expect(withPython(['python3.11', 'x.py'], '/opt/py')).toEqual(['/opt/py', 'x.py']);
    expect(withPython(['train.py'], '/opt/py')).toEqual(['/opt/py', 'train.py']);
    expect(withPython(['torchrun', 'x.py'], '/opt/py')).toEqual(['torchrun', 'x.py']);
    expect(withPython(['python', 'x.py'])).toEqual(['python', 'x.py']);
  });
});
