import { execFileSync, spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError, UserError } from '../core/index.js';
import { git, hashTree, makeRepo, processAlive, toyRepo, waitFor, worktreeList, write, type ToyRepo } from '../../test/support/sandbox-fixtures.js';
import { inspectRepo, parsePorcelainZ } from './repo.js';
import { liveWorktrees, processesUnder } from './registry.js';
import { cleanupStale, createTrialWorktree, WORKTREE_PREFIX } from './worktree.js';

const repos: ToyRepo[] = [];
const track = (r: ToyRepo): ToyRepo => { repos.push(r); return r; };
afterEach(() => { for (const r of repos.splice(0)) r.cleanup(); });

async function userError(p: Promise<unknown>): Promise<string> {
  const e = await p.then(() => null, (x: unknown) => x);
  expect(e).toBeInstanceOf(UserError);
  return (e as Error).message;
}

describe('preconditions', () => {
  it('not a directory', async () => {
    expect(await userError(createTrialWorktree('/nonexistent/sysight-x'))).toBe('/nonexistent/sysight-x is not a directory');
  });

  it('not a git repository', async () => {
    const d = mkdtempSync(join(tmpdir(), 'sysight-nogit-'));
    try {
      const before = hashTree(d);
      expect(await userError(createTrialWorktree(d))).toBe(`${d} is not a git repository: Sysight sandboxes patches in git worktrees; run git init && git commit first`);
      expect(hashTree(d)).toEqual(before);
    } finally {
      rmSync(d, { recursive: true, force: true });
    }
  });

  it('a repository without commits', async () => {
    const r = track(makeRepo({ 'a.py': 'x\n' }, {}, false));
    expect(await userError(createTrialWorktree(r.dir))).toMatch(/has no commits yet: .*commit first$/);
  });

  it('uncommitted changes to tracked files are refused, listed, and left alone', async () => {
    const r = track(toyRepo());
    write(r.dir, 'train.py', 'print(1)\n');
    rmSync(join(r.dir, 'README.md'));
    const before = hashTree(r.dir);
    const msg = await userError(createTrialWorktree(r.dir));
    expect(msg).toBe(`${r.dir} has uncommitted changes to tracked files (README.md, train.py): Sysight measures patches against the last commit; commit or stash them first`);
    expect(hashTree(r.dir)).toEqual(before);
    expect(worktreeList(r.dir)).toHaveLength(1);
  });

  it('staged changes count as uncommitted; untracked and .sysight/ files do not', async () => {
    const r = track(toyRepo({ '.sysight/runs/x/run.json': '{}' }));
    const info = await inspectRepo(r.dir);
    expect(info.changed).toEqual([]);
    expect(info.untracked).toEqual(['notes.txt']);
    write(r.dir, 'README.md', 'staged\n');
    git(r.dir, 'add', 'README.md');
    expect((await inspectRepo(r.dir)).changed).toEqual([{ path: 'README.md', deleted: false }]);
  });

  it('parsePorcelainZ handles renames', () => {
    expect(parsePorcelainZ('R  new.py\0old.py\0 M a.py\0?? b.txt\0')).toEqual([
      { xy: 'R ', path: 'new.py', from: 'old.py' }, { xy: ' M', path: 'a.py' }, { xy: '??', path: 'b.txt' },
    ]);
  });
});

describe('createTrialWorktree', () => {
  it('checks out HEAD detached in a temp dir, copies untracked files, not ignored ones, and disposes cleanly', async () => {
    const r = track(toyRepo());
    const before = hashTree(r.dir);
    const wt = await createTrialWorktree(r.dir);
    expect(wt.path.startsWith(join(realpathSync(tmpdir()), WORKTREE_PREFIX))).toBe(true);
    expect(readFileSync(join(wt.path, 'train.py'), 'utf8')).toBe(readFileSync(join(r.dir, 'train.py'), 'utf8'));
    expect(existsSync(join(wt.path, 'notes.txt'))).toBe(true);
    expect(existsSync(join(wt.path, 'data/cache.bin'))).toBe(false);
    expect(git(wt.path, 'rev-parse', 'HEAD').trim()).toBe(git(r.dir, 'rev-parse', 'HEAD').trim());
    expect(git(wt.path, 'rev-parse', '--abbrev-ref', 'HEAD').trim()).toBe('HEAD'); // detached
    expect(worktreeList(r.dir)).toHaveLength(2);
    expect(liveWorktrees().map((w) => w.path)).toContain(wt.path);
    await wt.dispose();
    await wt.dispose(); // idempotent
    expect(existsSync(wt.path)).toBe(false);
    expect(existsSync(join(wt.path, '..'))).toBe(false);
    expect(worktreeList(r.dir)).toHaveLength(1);
    expect(liveWorktrees()).toEqual([]);
    expect(hashTree(r.dir)).toEqual(before);
  });

  it('baseRef checks out another commit; a bad ref is a UserError', async () => {
    const r = track(toyRepo());
    write(r.dir, 'README.md', 'second\n');
    git(r.dir, 'commit', '-qam', 'second');
    const wt = await createTrialWorktree(r.dir, { baseRef: 'HEAD~1' });
    try {
      expect(readFileSync(join(wt.path, 'README.md'), 'utf8')).toBe('toy\n');
    } finally {
      await wt.dispose();
    }
    expect(await userError(createTrialWorktree(r.dir, { baseRef: 'no-such-ref' }))).toBe(`${r.dir}: no-such-ref is not a commit`);
  });

  it('carry copies named ignored paths', async () => {
    const r = track(toyRepo());
    const wt = await createTrialWorktree(r.dir, { carry: ['data'] });
    try {
      expect(readFileSync(join(wt.path, 'data/cache.bin'), 'utf8')).toBe('ignored data\n');
      expect(wt.notes).toContain('carried data');
    } finally {
      await wt.dispose();
    }
    expect(await userError(createTrialWorktree(r.dir, { carry: ['nope'] }))).toMatch(/cannot carry nope/);
    expect(worktreeList(r.dir)).toHaveLength(1);
  });

  it("dirty: 'snapshot' measures the working copy without touching it", async () => {
    const r = track(toyRepo());
    write(r.dir, 'train.py', 'print("edited")\n');
    rmSync(join(r.dir, 'README.md'));
    const before = hashTree(r.dir);
    const wt = await createTrialWorktree(r.dir, { dirty: 'snapshot' });
    try {
      expect(readFileSync(join(wt.path, 'train.py'), 'utf8')).toBe('print("edited")\n');
      expect(existsSync(join(wt.path, 'README.md'))).toBe(false);
    } finally {
      await wt.dispose();
    }
    expect(hashTree(r.dir)).toEqual(before);
  });

  it('a workload in a subdirectory maps to the same subdirectory; changes elsewhere do not block it', async () => {
    const r = track(makeRepo({ 'examples/toy/train.py': 'print(1)\n', 'src/main.ts': 'x\n' }));
    write(r.dir, 'src/main.ts', 'edited elsewhere\n');
    const wt = await createTrialWorktree(join(r.dir, 'examples/toy'));
    try {
      expect(wt.repoPath).toBe(join(wt.path, 'examples/toy'));
      expect(readFileSync(join(wt.repoPath, 'train.py'), 'utf8')).toBe('print(1)\n');
    } finally {
      await wt.dispose();
    }
  });

  it('an untracked directory inside a repo (no tracked files) is refused', async () => {
    const r = track(toyRepo({ 'scratch/x.py': 'x\n' }));
    expect(await userError(createTrialWorktree(join(r.dir, 'scratch')))).toMatch(/has no files tracked by git/);
  });

  it('abort after creation removes the worktree; an aborted signal creates nothing', async () => {
    const r = track(toyRepo());
    const ac = new AbortController();
    const wt = await createTrialWorktree(r.dir, { signal: ac.signal });
    ac.abort();
    await wt.dispose(); // joins the removal the abort started
    expect(existsSync(wt.path)).toBe(false);
    expect(worktreeList(r.dir)).toHaveLength(1);
    await expect(createTrialWorktree(r.dir, { signal: ac.signal })).rejects.toBeInstanceOf(CancelledError);
    expect(worktreeList(r.dir)).toHaveLength(1);
  });

  it('cleanupStale removes worktrees whose owner died, and keeps live ones', async () => {
    const r = track(toyRepo());
    const live = await createTrialWorktree(r.dir);
    // A crashed run: a worktree registered by a process that is gone.
    const dead = spawnSync('true').pid!;
    const tmpDir = mkdtempSync(join(realpathSync(tmpdir()), WORKTREE_PREFIX));
    writeFileSync(join(tmpDir, 'owner.json'), JSON.stringify({ pid: dead, root: realpathSync(r.dir), createdAt: '' }));
    execFileSync('git', ['worktree', 'add', '--detach', join(tmpDir, 'wt'), 'HEAD'], { cwd: r.dir, stdio: 'ignore' });
    // ... with its workload still running there in its own process group.
    const orphan = spawn('sh', ['-c', 'sleep 300'], { cwd: join(tmpDir, 'wt'), detached: true, stdio: 'ignore' });
    orphan.unref();
    await waitFor(() => processesUnder(tmpDir).length > 0);
    // And a git record whose directory vanished.
    const gone = mkdtempSync(join(realpathSync(tmpdir()), 'sysight-gone-'));
    execFileSync('git', ['worktree', 'add', '--detach', join(gone, 'wt'), 'HEAD'], { cwd: r.dir, stdio: 'ignore' });
    rmSync(gone, { recursive: true });
    expect(worktreeList(r.dir)).toHaveLength(4);
    const removed = await cleanupStale(r.dir);
    expect(removed).toEqual([join(tmpDir, 'wt')]);
    expect(existsSync(tmpDir)).toBe(false);
    expect(await waitFor(() => !processAlive(orphan.pid!))).toBe(true);
    expect(worktreeList(r.dir)).toEqual([realpathSync(r.dir), live.path]);
    await live.dispose();
  });
});
