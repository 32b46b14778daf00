// Repo-relative POSIX paths and the guard every file access goes through (the LLM tools reuse it).
import { realpathSync, statSync } from 'node:fs';
import { isAbsolute, join, relative, resolve, sep } from 'node:path';
import { UserError } from '../core/errors.js';

/** A path with forward slashes, whatever the platform. */
export function toPosix(p: string): string {
  return sep === '/' ? p : p.split(sep).join('/');
}

/** Checks that `repo` is a directory and returns its absolute real path. UserError otherwise. */
export function repoRoot(repo: string): string {
  let st;
  try {
    st = statSync(repo);
  } catch {
    throw new UserError(`no such directory: ${repo}`);
  }
  if (!st.isDirectory()) throw new UserError(`${repo} is not a directory`);
  return realpathSync(resolve(repo));
}

function inside(root: string, abs: string): boolean {
  const rel = relative(root, abs);
  return rel === '' || (!rel.startsWith('..') && !isAbsolute(rel));
}

/**
 * Resolves a repo-relative path to an absolute one, refusing anything that escapes the repo:
 * absolute paths, `..` segments that climb out, and symlinks (anywhere on the path) whose target lies
 * outside. A path that does not exist yet is checked lexically and through its nearest existing parent.
 * Throws UserError (one line) on refusal.
 */
export function resolveInRepo(repo: string, rel: string): string {
  if (typeof rel !== 'string' || rel.length === 0) throw new UserError('empty path');
  if (rel.includes('\0')) throw new UserError(`invalid path: ${JSON.stringify(rel)}`);
  const norm = rel.replace(/\\/g, '/');
  if (isAbsolute(rel) || norm.startsWith('/') || /^[A-Za-z]:/.test(norm)) {
    throw new UserError(`path must be relative to the repo: ${rel}`);
  }
  const root = realpathSync(resolve(repo));
  const abs = resolve(root, norm);
  if (!inside(root, abs)) throw new UserError(`path escapes the repo: ${rel}`);
  // Follow symlinks on the existing part of the path.
  let probe = abs;
  let rest = '';
  for (;;) {
    try {
      const real = realpathSync(probe);
      if (!inside(root, real)) throw new UserError(`path escapes the repo through a symlink: ${rel}`);
      return rest ? join(real, rest) : real;
    } catch (e) {
      if (e instanceof UserError) throw e;
      const parent = resolve(probe, '..');
      if (parent === probe || !inside(root, parent)) return abs;
      rest = rest ? join(probe.slice(parent.length + 1), rest) : probe.slice(parent.length + 1);
      probe = parent;
    }
  }
}

/** The repo-relative POSIX form of an absolute path inside the repo. */
export function repoRelative(root: string, abs: string): string {
  return toPosix(relative(root, abs));
}
