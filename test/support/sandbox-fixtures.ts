// Fixtures for sandbox tests: throw-away git repos with a tiny Python "training" workload that honours
// the SYSIGHT_* variables itself, tree hashing, and patch plans made with the diff package.
import { execFileSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, readlinkSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, relative } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import type { PatchPlan } from '../../src/core/index.js';

export const PYTHON = existsSync('/usr/bin/python3') ? '/usr/bin/python3' : 'python3';

/** A toy training loop: sleeps SLEEP per step, a deterministic "loss", nanoGPT-style log lines. */
export const TOY_TRAIN = `import os, sys, time
steps = int(os.environ.get('SYSIGHT_MAX_STEPS') or 12)
seed = int(os.environ.get('SYSIGHT_SEED') or 0)
K = int(os.environ.get('SYSIGHT_LOSS_STEPS') or 0)
tf = os.environ.get('SYSIGHT_TIMING_FILE')
lf = os.environ.get('SYSIGHT_LOSS_FILE')
SLEEP = 0.004
DECAY = 0.9
loss = 2.0 + (seed % 7) * 0.01
timing = open(tf, 'w') if tf else None
losses = open(lf, 'w') if lf else None
for i in range(steps):
    t0 = time.perf_counter()
    time.sleep(SLEEP)
    loss = loss * DECAY + 0.01
    dt = (time.perf_counter() - t0) * 1000
    if timing:
        timing.write(f"{i} {time.time_ns()}\\n"); timing.flush()
    if losses and i < K:
        losses.write(f"{loss!r}\\n"); losses.flush()
    print(f"iter {i}: loss {loss:.6f}, time {dt:.2f} ms", flush=True)
`;

export function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

export interface ToyRepo {
  dir: string;
  cleanup(): void;
}

/** A git repo in a temp dir with `files` committed; `extra` written afterwards (untracked/ignored). */
export function makeRepo(files: Record<string, string>, extra: Record<string, string> = {}, commit = true): ToyRepo {
  const dir = mkdtempSync(join(tmpdir(), 'sysight-test-repo-'));
  git(dir, 'init', '-q', '-b', 'main');
  git(dir, 'config', 'user.email', 't@example.com');
  git(dir, 'config', 'user.name', 'T');
  git(dir, 'config', 'commit.gpgsign', 'false');
  for (const [p, t] of Object.entries(files)) write(dir, p, t);
  if (commit) {
    git(dir, 'add', '-A');
    git(dir, 'commit', '-q', '-m', 'init');
  }
  for (const [p, t] of Object.entries(extra)) write(dir, p, t);
  return { dir, cleanup: () => rmSync(dir, { recursive: true, force: true }) };
}

export function toyRepo(extra: Record<string, string> = {}): ToyRepo {
  return makeRepo({ 'train.py': TOY_TRAIN, '.gitignore': 'data/\n*.log\n', 'README.md': 'toy\n' }, {
    'data/cache.bin': 'ignored data\n',
    'notes.txt': 'untracked note\n',
    ...extra,
  });
}

export function write(dir: string, p: string, t: string): void {
  mkdirSync(dirname(join(dir, p)), { recursive: true });
  writeFileSync(join(dir, p), t);
}

export function sha(t: string | Buffer): string {
  return createHash('sha256').update(t).digest('hex');
}

/** relative path -> sha256 (or "link:<target>") of every entry outside .git, ignored and untracked included. */
export function hashTree(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string): void => {
    for (const name of readdirSync(d).sort()) {
      const p = join(d, name);
      const rel = relative(dir, p);
      if (rel === '.git') continue;
      const st = lstatSync(p);
      if (st.isSymbolicLink()) out[rel] = `link:${readlinkSync(p)}`;
      else if (st.isDirectory()) { out[`${rel}/`] = `dir:${st.mode}`; walk(p); }
      else out[rel] = `${sha(readFileSync(p))}:${st.mode}:${st.mtimeMs}`;
    }
  };
  walk(dir);
  return out;
}

/** Worktree paths git knows for the repo (the main one included). */
export function worktreeList(repo: string): string[] {
  return git(repo, 'worktree', 'list', '--porcelain').split('\n').filter((l) => l.startsWith('worktree ')).map((l) => l.slice(9));
}

/** A PatchPlan replacing `from` with `to` in `file` (as committed in `repo`). */
export function replacePlan(repo: string, file: string, from: string, to: string, id = 'p1'): PatchPlan {
  const before = readFileSync(join(repo, file), 'utf8');
  if (!before.includes(from)) throw new Error(`fixture: ${from} not in ${file}`);
  const after = before.replace(from, to);
  return {
    id,
    findingId: `f-${id}`,
    category: 'C1' as PatchPlan['category'],
    pattern: 'test-pattern',
    file,
    baseHash: sha(before),
    diff: createTwoFilesPatch(`a/${file}`, `b/${file}`, before, after, '', '', { context: 3 }),
    linesChanged: 1,
    rationale: 'test',
    source: 'codemod',
  };
}

export function processAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
  } catch {
    return false;
  }
  // A zombie still answers kill(0); treat it as gone.
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    return !/\) Z /.test(stat);
  } catch {
    return false;
  }
}

export async function waitFor(cond: () => boolean, ms = 10_000): Promise<boolean> {
  const end = Date.now() + ms;
  while (Date.now() < end) {
    if (cond()) return true;
    await new Promise((r) => setTimeout(r, 25));
  }
  return cond();
}
