// The stack of accepted patches, kept as commits made in throwaway worktrees (detached, unreferenced):
// the user's branches, index and working tree are never touched.
import { simpleGit } from 'simple-git';
import { sha256Hex } from '../core/hash.js';
import type { PatchPlan } from '../core/run.js';
import { countChangedLines, unifiedDiff } from '../optimize/plan.js';
import { applyPatchPlans, createTrialWorktree, inspectRepo } from '../sandbox/index.js';

const IDENTITY = ['-c', 'user.name=Sysight', '-c', 'user.email=sysight@localhost', '-c', 'commit.gpgsign=false'];

export async function resolveHead(repo: string): Promise<string> {
  return (await simpleGit(repo).revparse(['HEAD'])).trim();
}

/** A new commit = `ref` + the patch; returns its id. */
export async function commitPatch(repo: string, ref: string, plan: PatchPlan, signal?: AbortSignal): Promise<string> {
  return commitPatches(repo, ref, [plan], `sysight: ${plan.id} (${plan.pattern} in ${plan.file})`, signal);
}

/** A new commit = `ref` + the patches, applied in order (one unit: an accepted stack); returns its id. */
export async function commitPatches(repo: string, ref: string, plans: readonly PatchPlan[], message: string, signal?: AbortSignal): Promise<string> {
  const wt = await createTrialWorktree(repo, { baseRef: ref, ...(signal ? { signal } : {}) });
  try {
    applyPatchPlans(wt.repoPath, plans);
    // only the patched files: the sandbox may have copied the user's untracked files into the worktree
    const git = simpleGit(wt.repoPath);
    await git.raw(['add', '--', ...new Set(plans.map((p) => p.file))]);
    await git.raw([...IDENTITY, 'commit', '-q', '--no-verify', '-m', message]);
    return (await git.revparse(['HEAD'])).trim();
  } finally {
    await wt.dispose();
  }
}

/** Runs `fn` on a directory holding the tree at `ref` (the repo itself when ref is its clean HEAD). */
export async function readAt<T>(repo: string, ref: string, fn: (dir: string) => T | Promise<T>): Promise<T> {
  const info = await inspectRepo(repo);
  if (ref === info.commit && info.changed.length === 0) return fn(info.dir);
  // the worktree is made at info.commit: inspect again at `ref` (a stacked commit is not HEAD)
  const at = ref === info.commit ? info : await inspectRepo(repo, { baseRef: ref });
  const wt = await createTrialWorktree(repo, { baseRef: ref, info: at });
  try {
    return await fn(wt.repoPath);
  } finally {
    await wt.dispose();
  }
}

/** One patch per changed file between two commits, paths relative to the repo directory. */
export async function combinedPatches(repo: string, from: string, to: string): Promise<PatchPlan[]> {
  const info = await inspectRepo(repo);
  const git = simpleGit(info.root);
  const prefix = info.prefix ? `${info.prefix}/` : '';
  const names = (await git.raw(['diff', '--name-only', from, to, '--', info.prefix || '.'])).split('\n').filter(Boolean);
  const out: PatchPlan[] = [];
  for (const rootPath of names) {
    const file = rootPath.startsWith(prefix) ? rootPath.slice(prefix.length) : rootPath;
    const show = async (ref: string) => { try { return await git.show([`${ref}:${rootPath}`]); } catch { return ''; } };
    const before = await show(from);
    const after = await show(to);
    const diff = unifiedDiff(file, before, after);
    out.push({
      id: `stack-${sha256Hex(from + to + file).slice(0, 8)}`, findingId: 'stack', category: 'C7', pattern: 'stack', file,
      baseHash: sha256Hex(before), diff, linesChanged: countChangedLines(diff),
      rationale: `all accepted patches to ${file}`, source: 'codemod',
    });
  }
  return out;
}
