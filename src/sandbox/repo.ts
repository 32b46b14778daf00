// Preconditions on the user's repository, checked before any worktree exists. Everything here only
// reads: `git --no-optional-locks status` keeps even the index file untouched.
import { existsSync, realpathSync, statSync } from 'node:fs';
import { relative, sep } from 'node:path';
import { simpleGit, type SimpleGit } from 'simple-git';
import { CancelledError, UserError, isCancelled } from '../core/index.js';
import { SYSIGHT_DIR } from '../core/run.js';

export interface RepoInfo {
  /** the directory the user named (realpath) */
  dir: string;
  /** top level of the git repository that contains it (realpath) */
  root: string;
  /** dir relative to root, '' when dir is the root; always '/'-separated */
  prefix: string;
  /** commit the trial starts from */
  commit: string;
  /** tracked files under dir with uncommitted changes (modified, staged, deleted, renamed), root-relative */
  changed: Array<{ path: string; deleted: boolean }>;
  /** untracked, not ignored files under dir (minus .sysight/), root-relative */
  untracked: string[];
}

export function gitAt(dir: string, signal?: AbortSignal): SimpleGit {
  return simpleGit({
    baseDir: dir,
    ...(signal ? { abort: signal } : {}),
    unsafe: { allowUnsafeHooksPath: true },
  });
}

function rethrow(e: unknown, signal?: AbortSignal): never {
  if (signal?.aborted || isCancelled(e)) throw new CancelledError();
  throw e;
}

/** Parses `git status --porcelain=v1 -z` output. */
export function parsePorcelainZ(out: string): Array<{ xy: string; path: string; from?: string }> {
  const parts = out.split('\0');
  const entries: Array<{ xy: string; path: string; from?: string }> = [];
  for (let i = 0; i < parts.length; i++) {
    const p = parts[i]!;
    if (p.length < 4) continue;
    const xy = p.slice(0, 2);
    const path = p.slice(3);
    if (xy[0] === 'R' || xy[0] === 'C') entries.push({ xy, path, from: parts[++i] ?? '' });
    else entries.push({ xy, path });
  }
  return entries;
}

const OURS = `${SYSIGHT_DIR}/`;

export async function inspectRepo(repo: string, opts: { baseRef?: string; signal?: AbortSignal } = {}): Promise<RepoInfo> {
  const { signal } = opts;
  if (!existsSync(repo) || !statSync(repo).isDirectory()) throw new UserError(`${repo} is not a directory`);
  const dir = realpathSync(repo);
  const notGit = `${repo} is not a git repository: Sysight sandboxes patches in git worktrees; run git init && git commit first`;
  let root: string;
  try {
    root = realpathSync((await gitAt(dir, signal).raw(['rev-parse', '--show-toplevel'])).trim());
  } catch (e) {
    if (signal?.aborted) throw new CancelledError();
    if (e instanceof Error && /ENOENT|spawn git/.test(e.message)) throw new UserError('git is not installed: Sysight sandboxes patches in git worktrees');
    throw new UserError(notGit);
  }
  if (!root) throw new UserError(notGit);
  const git = gitAt(root, signal);
  const ref = opts.baseRef ?? 'HEAD';
  let commit: string;
  try {
    commit = (await git.raw(['rev-parse', '--verify', '--quiet', `${ref}^{commit}`])).trim();
  } catch (e) {
    if (signal?.aborted) rethrow(e, signal);
    commit = '';
  }
  if (!commit) {
    throw new UserError(ref === 'HEAD'
      ? `${repo} has no commits yet: Sysight sandboxes patches in git worktrees of the last commit; commit first`
      : `${repo}: ${ref} is not a commit`);
  }
  const prefix = relative(root, dir).split(sep).join('/');
  const spec = prefix === '' ? '.' : prefix;
  let tracked: string;
  let status: string;
  try {
    tracked = await git.raw(['ls-files', '-z', '--', spec]);
    status = await git.raw(['--no-optional-locks', 'status', '--porcelain=v1', '-z', '--untracked-files=all', '--', spec]);
  } catch (e) {
    rethrow(e, signal);
  }
  if (tracked.length === 0) {
    throw new UserError(`${repo} has no files tracked by git: Sysight sandboxes patches in git worktrees; git add and commit the workload first`);
  }
  const under = (p: string): string => (prefix === '' ? p : p.slice(prefix.length + 1));
  const isOurs = (p: string): boolean => under(p).startsWith(OURS);
  const changed: RepoInfo['changed'] = [];
  const untracked: string[] = [];
  for (const e of parsePorcelainZ(status)) {
    if (isOurs(e.path)) continue;
    if (e.xy === '??') untracked.push(e.path);
    else if (e.xy !== '!!') {
      changed.push({ path: e.path, deleted: e.xy.includes('D') && !e.xy.includes('A') });
      if (e.from !== undefined && e.from !== '') changed.push({ path: e.from, deleted: true });
    }
  }
  return { dir, root, prefix, commit, changed, untracked };
}

/** The refusal message for uncommitted changes, listing (some of) them. */
export function dirtyMessage(repo: string, changed: RepoInfo['changed']): string {
  const names = [...new Set(changed.map((c) => c.path))];
  const shown = names.slice(0, 5).join(', ');
  const more = names.length > 5 ? ` and ${names.length - 5} more` : '';
  return `${repo} has uncommitted changes to tracked files (${shown}${more}): Sysight measures patches against the last commit; commit or stash them first`;
}
