// Applying PatchPlans: zero-fuzz unified diffs anchored by the sha256 of the file they were made
// against. A stale anchor is refused, never fuzzed; a patch never writes outside its worktree.
import { existsSync, lstatSync, mkdirSync, readFileSync, realpathSync, unlinkSync, writeFileSync } from 'node:fs';
import { dirname, isAbsolute, join, normalize, sep } from 'node:path';
import { applyPatch, parsePatch, type StructuredPatch } from 'diff';
import type { PatchPlan } from '../core/index.js';
import { sha256Hex } from '../core/hash.js';

/** A patch that cannot be applied (stale anchor, conflicting hunk, bad path). Message is one line. */
export class PatchApplyError extends Error {
  override readonly name = 'PatchApplyError';
  constructor(message: string, readonly file: string, readonly kind: 'stale' | 'conflict' | 'invalid') {
    super(message);
  }
}

export const sha256 = sha256Hex;

const DEV_NULL = '/dev/null';

function stripPrefix(name: string | undefined): string | null {
  if (!name) return null;
  const n = name.split('\t')[0]!.trim();
  if (n === DEV_NULL) return DEV_NULL;
  return n.startsWith('a/') || n.startsWith('b/') ? n.slice(2) : n;
}

export interface FilePatch {
  /** repo-relative path (the new name; the old one for a deletion) */
  file: string;
  created: boolean;
  deleted: boolean;
  patch: StructuredPatch;
}

/** Parses a unified diff into per-file patches with a/ b/ prefixes removed. */
export function parseFilePatches(diff: string): FilePatch[] {
  let parsed: StructuredPatch[];
  try {
    parsed = parsePatch(diff);
  } catch (e) {
    throw new PatchApplyError(`malformed diff: ${e instanceof Error ? e.message : String(e)}`, '', 'invalid');
  }
  const out: FilePatch[] = [];
  for (const p of parsed) {
    if (p.hunks.length === 0) continue;
    const oldName = stripPrefix(p.oldFileName);
    const newName = stripPrefix(p.newFileName);
    const created = oldName === DEV_NULL;
    const deleted = newName === DEV_NULL;
    const file = (deleted ? oldName : newName) ?? oldName;
    if (!file || file === DEV_NULL) throw new PatchApplyError('malformed diff: a file patch names no file', '', 'invalid');
    out.push({ file, created, deleted, patch: p });
  }
  if (out.length === 0) throw new PatchApplyError('malformed diff: no hunks', '', 'invalid');
  return out;
}

/** Applies a single-file diff to text with zero fuzz; throws PatchApplyError when a hunk does not fit. */
export function applyPatchToText(text: string, diff: string | StructuredPatch): string {
  const p = typeof diff === 'string' ? parseFilePatches(diff) : [{ file: '', created: false, deleted: false, patch: diff }];
  if (p.length !== 1) throw new PatchApplyError(`the diff patches ${p.length} files, expected one`, p[0]!.file, 'invalid');
  const r = applyPatch(text, p[0]!.patch, { fuzzFactor: 0 });
  if (r === false) throw new PatchApplyError(`patch does not apply to ${p[0]!.file || 'the text'}: context differs`, p[0]!.file, 'conflict');
  return r;
}

/** Resolves a repo-relative path inside `root`, refusing absolute paths, `..` and symlink escapes. */
export function safeTarget(root: string, file: string): string {
  const norm = normalize(file);
  if (isAbsolute(file) || norm === '..' || norm.startsWith(`..${sep}`) || norm.includes(`${sep}..${sep}`) || norm.endsWith(`${sep}..`)) {
    throw new PatchApplyError(`patch path escapes the repository: ${file}`, file, 'invalid');
  }
  const realRoot = realpathSync(root);
  const target = join(realRoot, norm);
  // The deepest existing ancestor must resolve inside the root (no symlinked directory out of it).
  let dir = dirname(target);
  while (!existsSync(dir)) dir = dirname(dir);
  const realDir = realpathSync(dir);
  if (realDir !== realRoot && !realDir.startsWith(realRoot + sep)) {
    throw new PatchApplyError(`patch path escapes the repository through a symlink: ${file}`, file, 'invalid');
  }
  if (existsSync(target) && lstatSync(target).isSymbolicLink()) {
    throw new PatchApplyError(`patch target is a symlink, refused: ${file}`, file, 'invalid');
  }
  return target;
}

export interface AppliedPatch {
  patchId: string;
  files: string[];
}

/**
 * Applies patches in order to the checkout at `root` (the repo directory inside a worktree). A patch's
 * baseHash must match its file as it was before this call (the commit the trial is based on) or as it
 * is now (a patch planned on top of earlier ones); otherwise it is stale and refused. Nothing is
 * written unless every patch applies.
 */
export function applyPatchPlans(root: string, patches: readonly PatchPlan[]): AppliedPatch[] {
  const original = new Map<string, string | null>();
  const current = new Map<string, string | null>();
  const read = (file: string): string | null => {
    if (current.has(file)) return current.get(file)!;
    const t = safeTarget(root, file);
    const text = existsSync(t) ? readFileSync(t, 'utf8') : null;
    original.set(file, text);
    current.set(file, text);
    return text;
  };
  const applied: AppliedPatch[] = [];
  for (const plan of patches) {
    const files = parseFilePatches(plan.diff);
    const files0 = files.map((f) => f.file);
    if (!files0.includes(plan.file)) {
      throw new PatchApplyError(`patch ${plan.id} is for ${plan.file} but its diff patches ${files0.join(', ')}`, plan.file, 'invalid');
    }
    for (const fp of files) {
      const now = read(fp.file);
      const before = original.get(fp.file) ?? null;
      if (fp.file === plan.file && plan.baseHash) {
        const ok = [before, now].some((t) => t !== null && sha256(t) === plan.baseHash) ||
          (fp.created && before === null && plan.baseHash === sha256(''));
        if (!ok) throw new PatchApplyError(`stale patch: ${fp.file} changed since the patch was made`, fp.file, 'stale');
      }
      if (fp.created && now !== null) throw new PatchApplyError(`patch creates ${fp.file}, which already exists`, fp.file, 'conflict');
      if (!fp.created && now === null) throw new PatchApplyError(`stale patch: ${fp.file} does not exist`, fp.file, 'stale');
      const next = applyPatch(now ?? '', fp.patch, { fuzzFactor: 0 });
      if (next === false) {
        const why = now === before ? 'context differs' : 'conflicts with an earlier patch';
        throw new PatchApplyError(`patch ${plan.id} does not apply to ${fp.file}: ${why}`, fp.file, 'conflict');
      }
      current.set(fp.file, fp.deleted ? null : next);
    }
    applied.push({ patchId: plan.id, files: files0 });
  }
  for (const [file, text] of current) {
    if (text === original.get(file)) continue;
    const t = safeTarget(root, file);
    if (text === null) unlinkSync(t);
    else {
      mkdirSync(dirname(t), { recursive: true });
      writeFileSync(t, text);
    }
  }
  return applied;
}
