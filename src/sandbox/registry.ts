// Process-level registry of what a crash or a signal must not leave behind: live child process groups
// and live trial worktrees. Exit handlers are installed while anything is registered and removed when
// the registry empties. Cleanup here is synchronous (it runs from 'exit' and signal handlers).
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync, readlinkSync, rmSync } from 'node:fs';
import { sep } from 'node:path';

export interface LiveWorktree {
  /** main repository root (where `git worktree` commands run) */
  root: string;
  /** the worktree checkout */
  path: string;
  /** the temp directory that holds it (removed entirely) */
  tmpDir: string;
}

const groups = new Set<number>();
const worktrees = new Map<string, LiveWorktree>();
const tempDirs = new Set<string>();
let installed = false;

const SIGNALS: NodeJS.Signals[] = ['SIGINT', 'SIGTERM', 'SIGHUP'];

function onSignal(sig: NodeJS.Signals): void {
  cleanupAllSync();
  // If nobody else handles this signal, behave as if we had not been here: die of it.
  if (process.listenerCount(sig) <= 1) {
    uninstall();
    process.kill(process.pid, sig);
  }
}

const onExit = (): void => cleanupAllSync();

function install(): void {
  if (installed) return;
  installed = true;
  process.on('exit', onExit);
  for (const s of SIGNALS) process.on(s, onSignal);
}

function uninstall(): void {
  if (!installed) return;
  installed = false;
  process.off('exit', onExit);
  for (const s of SIGNALS) process.off(s, onSignal);
}

function maybeUninstall(): void {
  if (groups.size === 0 && worktrees.size === 0 && tempDirs.size === 0) uninstall();
}

export function registerGroup(pgid: number): void {
  groups.add(pgid);
  install();
}

export function unregisterGroup(pgid: number): void {
  groups.delete(pgid);
  maybeUninstall();
}

export function registerWorktree(w: LiveWorktree): void {
  worktrees.set(w.path, w);
  install();
}

export function unregisterWorktree(path: string): void {
  worktrees.delete(path);
  maybeUninstall();
}

/** A temp directory (run files) removed on exit or signal if still registered. */
export function registerTempDir(path: string): void {
  tempDirs.add(path);
  install();
}

export function unregisterTempDir(path: string): void {
  tempDirs.delete(path);
  maybeUninstall();
}

export function liveWorktrees(): LiveWorktree[] {
  return [...worktrees.values()];
}

export function liveGroups(): number[] {
  return [...groups];
}

/** SIGKILL a process group; false when it no longer exists. */
export function killGroup(pgid: number, sig: NodeJS.Signals = 'SIGKILL'): boolean {
  try {
    process.kill(-pgid, sig);
    return true;
  } catch {
    return false;
  }
}

/** Removes one worktree synchronously: git worktree remove --force, rm -rf, prune. Never throws. */
export function removeWorktreeSync(w: LiveWorktree): void {
  const git = (args: string[]): void => {
    try {
      execFileSync('git', args, { cwd: w.root, stdio: 'ignore', timeout: 30_000 });
    } catch {
      /* best effort: the rm and prune below finish the job */
    }
  };
  git(['worktree', 'remove', '--force', '--force', w.path]);
  try {
    rmSync(w.tmpDir, { recursive: true, force: true });
  } catch {
    /* ignore */
  }
  git(['worktree', 'prune']);
}

/** Kills every registered process group, removes every live worktree and temp directory. */
export function cleanupAllSync(): void {
  for (const g of groups) killGroup(g);
  groups.clear();
  for (const w of worktrees.values()) removeWorktreeSync(w);
  worktrees.clear();
  for (const d of tempDirs) {
    try {
      rmSync(d, { recursive: true, force: true });
    } catch {
      /* ignore */
    }
  }
  tempDirs.clear();
}

/**
 * Processes whose working directory is inside `dir` (Linux /proc; [] elsewhere). Used to find the
 * workload processes a hard-killed run left running in its worktrees.
 */
export function processesUnder(dir: string): number[] {
  let entries: string[];
  try {
    entries = readdirSync('/proc');
  } catch {
    return [];
  }
  const out: number[] = [];
  for (const e of entries) {
    if (!/^\d+$/.test(e)) continue;
    const pid = Number(e);
    if (pid === process.pid) continue;
    try {
      const cwd = readlinkSync(`/proc/${e}/cwd`);
      if (cwd === dir || cwd.startsWith(dir + sep)) out.push(pid);
    } catch {
      /* gone, or not ours to read */
    }
  }
  return out;
}

/** SIGKILLs the processes working inside `dir` and their process groups. */
export function killProcessesUnder(dir: string): number[] {
  const pids = processesUnder(dir);
  for (const pid of pids) {
    let pgid = pid;
    try {
      const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
      pgid = Number(stat.slice(stat.lastIndexOf(')') + 2).split(' ')[2]);
    } catch {
      /* use the pid */
    }
    // Only whole groups led by a workload (our runner's groups); never the caller's own group.
    if (pgid > 1 && pgid !== process.pid && pgid === pid) killGroup(pgid);
    try {
      process.kill(pid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  }
  return pids;
}
