// Trial worktrees: a detached checkout of the user's last commit in os.tmpdir()/sysight-wt-XXXX/wt,
// removed (git worktree remove --force + rm + prune) on dispose, on abort, and by the process-level
// registry on exit and SIGINT/SIGTERM/SIGHUP. `cleanupStale` removes what a crashed run left.
//
// Uncommitted changes (documented choice): by default a repo whose tracked files under the workload
// directory have uncommitted changes is refused with a message listing them, because patches are
// planned against the user's files and measured against the commit; `dirty: 'snapshot'` instead copies
// the modified files into the worktree (the user's tree is only read). Untracked, not ignored files
// under the workload directory are always copied (a workload often needs a script or data file not yet
// committed); ignored files (datasets, venvs) are not, unless named in `carry`.
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readFileSync, readlinkSync, rmSync, symlinkSync, copyFileSync, writeFileSync, readdirSync, realpathSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, dirname, join } from 'node:path';
import { CancelledError, UserError } from '../core/index.js';
import { dirtyMessage, gitAt, inspectRepo, type RepoInfo } from './repo.js';
import { killProcessesUnder, liveWorktrees, registerWorktree, removeWorktreeSync, unregisterWorktree, type LiveWorktree } from './registry.js';
import { safeTarget } from './apply.js';

export const WORKTREE_PREFIX = 'sysight-wt-';

export interface WorktreeOptions {
  baseRef?: string;
  signal?: AbortSignal;
  /** what to do with uncommitted changes to tracked files; default 'refuse' */
  dirty?: 'refuse' | 'snapshot';
  /** repo-relative paths (ignored data, e.g. a prepared dataset) copied into the worktree */
  carry?: string[];
  /** reuse a previous inspection (one per trial, shared by baseline and candidate) */
  info?: RepoInfo;
}

export interface TrialWorktree {
  /** the worktree checkout (the repository root inside it) */
  path: string;
  /** the user's workload directory inside the worktree: path + the repo prefix */
  repoPath: string;
  commit: string;
  /** what was copied in, for the record */
  notes: string[];
  dispose(): Promise<void>;
}

interface Owner { pid: number; root: string; createdAt: string }

function copyEntry(src: string, dst: string): void {
  mkdirSync(dirname(dst), { recursive: true });
  const st = lstatSync(src);
  rmSync(dst, { force: true, recursive: true });
  if (st.isSymbolicLink()) symlinkSync(readlinkSync(src), dst);
  else if (st.isDirectory()) cpSync(src, dst, { recursive: true, verbatimSymlinks: true });
  else copyFileSync(src, dst);
}

/** Copies what the worktree needs from the user's tree (read-only on the user's side). */
function populate(info: RepoInfo, wt: string, opts: WorktreeOptions): string[] {
  const notes: string[] = [];
  if (opts.dirty === 'snapshot' && info.changed.length > 0) {
    for (const c of info.changed) {
      const dst = safeTarget(wt, c.path);
      if (c.deleted || !existsSync(join(info.root, c.path))) rmSync(dst, { force: true });
      else copyEntry(join(info.root, c.path), dst);
    }
    notes.push(`snapshot of ${info.changed.length} uncommitted change(s) copied into the sandbox`);
  }
  for (const u of info.untracked) copyEntry(join(info.root, u), safeTarget(wt, u));
  if (info.untracked.length > 0) notes.push(`${info.untracked.length} untracked file(s) copied into the sandbox`);
  for (const c of opts.carry ?? []) {
    const rel = info.prefix ? `${info.prefix}/${c}` : c;
    const src = join(info.root, rel);
    if (!existsSync(src)) throw new UserError(`cannot carry ${c} into the sandbox: it does not exist in ${info.dir}`);
    copyEntry(src, safeTarget(wt, rel));
    notes.push(`carried ${c}`);
  }
  return notes;
}

export async function createTrialWorktree(repo: string, opts: WorktreeOptions = {}): Promise<TrialWorktree> {
  const { signal } = opts;
  if (signal?.aborted) throw new CancelledError();
  const info = opts.info ?? (await inspectRepo(repo, { ...(opts.baseRef ? { baseRef: opts.baseRef } : {}), ...(signal ? { signal } : {}) }));
  if (info.changed.length > 0 && (opts.dirty ?? 'refuse') === 'refuse') throw new UserError(dirtyMessage(repo, info.changed));
  if (signal?.aborted) throw new CancelledError();

  const tmpDir = mkdtempSync(join(realpathSync(tmpdir()), WORKTREE_PREFIX));
  const path = join(tmpDir, 'wt');
  const live: LiveWorktree = { root: info.root, path, tmpDir };
  const owner: Owner = { pid: process.pid, root: info.root, createdAt: new Date().toISOString() };
  writeFileSync(join(tmpDir, 'owner.json'), JSON.stringify(owner));
  registerWorktree(live);

  let disposing: Promise<void> | null = null;
  const dispose = (): Promise<void> => {
    disposing ??= (async () => {
      signal?.removeEventListener('abort', onAbort);
      const git = gitAt(info.root); // never the aborted signal: removal must run after an abort
      try {
        await git.raw(['worktree', 'remove', '--force', '--force', path]);
      } catch {
        /* already gone or locked: rm and prune below */
      }
      rmSync(tmpDir, { recursive: true, force: true });
      try {
        await git.raw(['worktree', 'prune']);
      } catch {
        /* ignore */
      }
      unregisterWorktree(path);
    })();
    return disposing;
  };
  const onAbort = (): void => void dispose();
  signal?.addEventListener('abort', onAbort, { once: true });

  try {
    await gitAt(info.root, signal).raw(['-c', 'core.hooksPath=/dev/null', 'worktree', 'add', '--detach', path, info.commit]);
    if (signal?.aborted) throw new CancelledError();
    const notes = populate(info, path, opts);
    const repoPath = info.prefix ? join(path, info.prefix) : path;
    return { path, repoPath, commit: info.commit, notes, dispose };
  } catch (e) {
    await dispose();
    if (signal?.aborted) throw new CancelledError();
    if (e instanceof UserError) throw e;
    const msg = (e instanceof Error ? e.message : String(e)).split('\n').map((l) => l.trim()).find((l) => l) ?? 'unknown error';
    throw new UserError(`could not create a sandbox worktree of ${repo}: ${msg}`);
  }
}

function pidAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readOwner(tmpDir: string): Owner | null {
  try {
    return JSON.parse(readFileSync(join(tmpDir, 'owner.json'), 'utf8')) as Owner;
  } catch {
    return null;
  }
}

/**
 * Removes trial worktrees of `repo` left by a crashed run (their owning process is gone), killing any
 * workload still running inside them (Linux), and prunes
 * git's records of worktrees whose directory no longer exists. Returns the removed paths.
 */
export async function cleanupStale(repo: string): Promise<string[]> {
  const info = await inspectRepo(repo).catch(() => null);
  if (!info) return [];
  const git = gitAt(info.root);
  const mine = new Set(liveWorktrees().map((w) => w.path));
  const removed: string[] = [];
  const list = await git.raw(['worktree', 'list', '--porcelain']);
  const paths = list.split('\n').filter((l) => l.startsWith('worktree ')).map((l) => l.slice('worktree '.length));
  const candidates = new Set<string>();
  for (const p of paths) if (basename(dirname(p)).startsWith(WORKTREE_PREFIX)) candidates.add(dirname(p));
  // Directories whose git record was already pruned but whose files remain.
  const tmp = realpathSync(tmpdir());
  for (const name of readdirSync(tmp)) {
    if (name.startsWith(WORKTREE_PREFIX)) candidates.add(join(tmp, name));
  }
  for (const tmpDir of candidates) {
    const owner = readOwner(tmpDir);
    const path = join(tmpDir, 'wt');
    if (mine.has(path)) continue;
    if (owner && owner.root !== info.root) continue;
    if (owner && owner.pid !== process.pid && pidAlive(owner.pid)) continue;
    if (!owner && !paths.includes(path)) continue; // not ours to judge
    killProcessesUnder(tmpDir); // workloads a hard-killed run left behind
    removeWorktreeSync({ root: info.root, path, tmpDir });
    removed.push(path);
  }
  await git.raw(['worktree', 'prune']);
  return removed;
}
