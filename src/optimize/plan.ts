// Patch planning: finding → judge → codemod → unified diff anchored by the file's hash.
import { readFileSync } from 'node:fs';
import { createTwoFilesPatch } from 'diff';
import type { Finding } from '../core/findings.js';
import { sha256Hex } from '../core/hash.js';
import type { JudgeVerdict, PatchPlan } from '../core/run.js';
import { parsePython } from '../source/parser.js';
import { codemodsFor, type CodemodOutput } from './codemods.js';
import { judge } from './judge.js';
import { locateLine, splitLines } from './pyedit.js';

export type PlanOutcome =
  | { kind: 'patch'; plan: PatchPlan; verdict: JudgeVerdict }
  | { kind: 'skipped'; findingId: string; pattern: string; reason: string; verdict?: JudgeVerdict };

export interface PlanOptions {
  /** read a repo-relative file (defaults to the repo on disk); lets the loop plan on a stacked tree */
  readFile?: (file: string) => string;
  gpu: boolean;
  minImpactMs?: number;
}

/** A git-style unified diff of one file (a/ and b/ prefixes, no separator line), for patches and review. */
export function unifiedDiff(file: string, before: string, after: string): string {
  return createTwoFilesPatch(`a/${file}`, `b/${file}`, before, after, '', '', { context: 3 }).replace(/^=+\n/, '');
}

/** Lines changed in a unified diff (added + removed). */
export function countChangedLines(diff: string): number {
  return diff.split('\n').filter((l) => (l.startsWith('+') || l.startsWith('-')) && !l.startsWith('+++') && !l.startsWith('---')).length;
}

export async function planPatch(repo: string, f: Finding, opts: PlanOptions): Promise<PlanOutcome> {
  const read = opts.readFile ?? ((file: string) => readFileSync(`${repo}/${file}`, 'utf8'));
  let text: string;
  try {
    text = read(f.file);
  } catch {
    return { kind: 'skipped', findingId: f.id, pattern: f.pattern, reason: `cannot read ${f.file}` };
  }
  const lines = splitLines(text);
  const anchor = f.evidence.find((e) => e.kind === 'source' && e.file === f.file);
  const index = anchor && anchor.kind === 'source' ? locateLine(lines, anchor.line, anchor.text) : f.line - 1;
  if (index < 0 || index >= lines.length) {
    return { kind: 'skipped', findingId: f.id, pattern: f.pattern, reason: `stale finding: the line ${f.file}:${f.line} is no longer there` };
  }
  const verdict = judge(f, { lines, index, gpu: opts.gpu, minImpactMs: opts.minImpactMs });
  if (!verdict.real || !verdict.safe) return { kind: 'skipped', findingId: f.id, pattern: f.pattern, reason: verdict.reason, verdict };
  const mods = codemodsFor(f, lines[index]!);
  if (!mods.length) return { kind: 'skipped', findingId: f.id, pattern: f.pattern, reason: `no codemod for ${f.pattern} on this line (an LLM planner or a human can take it)`, verdict };
  const tree = f.file.endsWith('.py') ? await parsePython(text).catch(() => undefined) : undefined;
  let out: CodemodOutput = { refused: '' };
  let mod = mods[0]!;
  const refusals: string[] = [];
  try {
    for (const m of mods) {
      mod = m;
      out = m.apply({ file: f.file, lines, index, finding: f, tree });
      if (!('refused' in out)) break;
      refusals.push(`${m.id}: ${out.refused}`);
    }
  } finally {
    tree?.delete();
  }
  if ('refused' in out) return { kind: 'skipped', findingId: f.id, pattern: f.pattern, reason: refusals.join('; '), verdict };
  const newText = out.lines.join('\n');
  if (newText === text) return { kind: 'skipped', findingId: f.id, pattern: f.pattern, reason: `${mod.id}: nothing to change`, verdict };
  const diff = unifiedDiff(f.file, text, newText);
  const baseHash = sha256Hex(text);
  return {
    kind: 'patch',
    verdict,
    plan: {
      id: `${mod.id}-${sha256Hex(f.id + baseHash).slice(0, 8)}`,
      findingId: f.id,
      category: f.category,
      pattern: f.pattern,
      file: f.file,
      baseHash,
      diff,
      linesChanged: countChangedLines(diff),
      rationale: out.rationale,
      source: 'codemod',
    },
  };
}
