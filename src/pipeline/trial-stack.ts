// Stacks: patches that are each too small to accept alone (faster, but shown below the minimum gain) or
// undecided (inconclusive) are also measured together, as one candidate against the same code. A stack is
// accepted only on its own interval (the same sequential A/B procedure as any trial), never on its
// members' numbers added up; an accepted stack lands as one commit. Pure functions: selection, combination,
// the ledger fingerprint; the round (round.ts) measures and commits. DataLoader (C1) patches are never members
// (measuredAlone).
import type { Finding } from '../core/findings.js';
import { sha256Hex } from '../core/hash.js';
import type { PatchPlan, StackInfo, TrialRecord } from '../core/run.js';
import { countChangedLines, unifiedDiff } from '../optimize/plan.js';
import { applyPatchToText, memoryGuard, PatchApplyError, parseFilePatches } from '../sandbox/index.js';

/** A measured patch of this round, with its finding. */
export interface TriedPatch {
  trial: TrialRecord;
  plan: PatchPlan;
  finding: Finding;
}

/** At most this many patches in one stack (the largest point speed-ups first). */
export const MAX_STACK_MEMBERS = 8;

/**
 * May this trial's patch join a stack? Inconclusive trials (smoke test passed, numerics not changed), and
 * trials rejected only because the whole interval lies below the minimum gain while the patch is faster
 * (smoke, numerics and memory all passed). Slower patches, failed guards and errors never do.
 */
export function stackEligible(t: TrialRecord, minGain: number): boolean {
  const m = t.measurement;
  if (!m || !t.smokeOk || t.numericsOk === false) return false;
  if (t.verdict === 'inconclusive') return true;
  if (t.verdict !== 'rejected' || t.numericsOk !== true) return false;
  const small = m.speedup > 0 && m.speedupInterval.high < minGain;
  return small && memoryGuard({ baselineMb: m.baselinePeakRssMb ?? null, candidateMb: m.candidatePeakRssMb ?? null }) === null;
}

/**
 * Why a patch is measured alone and never stacked, or null. A DataLoader patch (C1: workers, pin_memory,
 * persistent_workers) is worth what the free cores make it worth, so it is timed on the share-corrected clock
 * (src/sandbox/share.ts); in a stack the whole stack would be timed on that clock, and the stack's one interval
 * could not say whether the workers or the other members made it faster — nor, when it is inconclusive, which
 * member held it back (3 of 4 stacks of the last bench held an undecided workers trap).
 */
export function measuredAlone(t: Pick<TriedPatch, 'finding'>): string | null {
  return t.finding.category === 'C1' ? 'a DataLoader (C1) patch: its worth depends on the free cores, so it is measured alone on the share-corrected clock and never stacked' : null;
}

/** The round's stack candidates, best point speed-up first; null when fewer than two qualify. */
export function stackCandidates(tried: readonly TriedPatch[], minGain: number): TriedPatch[] | null {
  const ok = tried.filter((t) => stackEligible(t.trial, minGain) && measuredAlone(t) === null)
    .sort((a, b) => (b.trial.measurement?.speedup ?? 0) - (a.trial.measurement?.speedup ?? 0))
    .slice(0, MAX_STACK_MEMBERS);
  return ok.length >= 2 ? ok : null;
}

export interface CombinedStack {
  members: TriedPatch[];
  left: StackInfo['left'];
  /** each file the members change: its text at the base and with every member applied */
  files: Array<{ file: string; before: string; after: string }>;
}

/** Plans a candidate's finding again on the code as the members before it left it (null: it cannot be). */
export type Replan = (c: TriedPatch, read: (file: string) => string | null) => Promise<PatchPlan | null>;

/**
 * Which candidates apply together on the code at the stack's base, in order. A candidate whose hunks do not
 * fit on top of the members before it (two edits of neighbouring lines, two helpers added at the same
 * place), or that was planned on a file an accepted patch has changed since, is planned again on the
 * combined code when `replan` can (a codemod's patch); one that still does not fit is left out with the reason. `read` gives a
 * file's text at the base (null: absent). Null when fewer than two members remain.
 */
export async function combineStack(candidates: readonly TriedPatch[], read: (file: string) => string | null, replan?: Replan): Promise<CombinedStack | null> {
  const text = new Map<string, string | null>();
  const at = (file: string): string | null => {
    if (!text.has(file)) text.set(file, read(file));
    return text.get(file) ?? null;
  };
  const base = new Map<string, string | null>();
  const members: TriedPatch[] = [];
  const left: StackInfo['left'] = [];
  const applyTo = (plan: PatchPlan): string => {
    const files = parseFilePatches(plan.diff);
    if (files.length !== 1 || files[0]!.file !== plan.file) throw new PatchApplyError(`the diff does not patch ${plan.file} alone`, plan.file, 'invalid');
    return applyPatchToText(at(plan.file) ?? '', plan.diff);
  };
  for (const c of candidates) {
    const { plan } = c;
    if (!base.has(plan.file)) base.set(plan.file, at(plan.file));
    const original = base.get(plan.file) ?? null;
    const stale = original === null || sha256Hex(original) !== plan.baseHash;
    if (stale && !replan) {
      left.push({ patchId: plan.id, reason: `planned on a version of ${plan.file} that has changed since` });
      continue;
    }
    try {
      if (stale) throw new PatchApplyError(`planned on a version of ${plan.file} that has changed since`, plan.file, 'stale');
      text.set(plan.file, applyTo(plan));
      members.push(c);
    } catch (e) {
      if (!(e instanceof PatchApplyError)) throw e;
      const again = (members.length || stale) && replan ? await replan(c, at) : null;
      if (again) {
        try {
          text.set(again.file, applyTo(again));
          // the same finding's patch, rebased: it keeps its id (the stack names the patch its own trial measured)
          members.push({ ...c, plan: { ...again, id: plan.id } });
          continue;
        } catch (e2) {
          if (!(e2 instanceof PatchApplyError)) throw e2;
        }
      }
      left.push({ patchId: plan.id, reason: `does not apply on top of the other members${replan ? ', even planned again on them' : ''}: ${e.message}` });
    }
  }
  if (members.length < 2) return null;
  const files = [...new Set(members.map((m) => m.plan.file))].map((file) => ({ file, before: base.get(file) ?? '', after: text.get(file) ?? '' }));
  return { members, left, files };
}

/** The stack's identity: the same members on the same code give the same id, fingerprint and code hash (ledger). */
export function stackIdentity(members: readonly TriedPatch[]): { id: string; fingerprint: string; codeHash: string; patchHash: string } {
  const fps = members.map((m) => m.finding.id).sort();
  const codeHash = sha256Hex(members.map((m) => `${m.plan.file}:${m.plan.baseHash}`).sort().join('\n'));
  const patchHash = sha256Hex(members.map((m) => m.plan.diff).sort().join('\n'));
  return { id: `stack${members.length}-${patchHash.slice(0, 8)}`, fingerprint: `stack|${fps.join('+')}`, codeHash, patchHash };
}

/** The stack as one reviewable patch (all members' changes, per file), for the run's patches/ and the report. */
export function stackPlan(c: CombinedStack, id: string): PatchPlan {
  const diff = c.files.map((f) => unifiedDiff(f.file, f.before, f.after)).join('');
  const first = c.files[0]!;
  return {
    id, findingId: c.members.map((m) => m.finding.id).join('+'), category: c.members[0]!.plan.category, pattern: 'stack', file: first.file,
    baseHash: sha256Hex(first.before), diff, linesChanged: countChangedLines(diff),
    rationale: `${c.members.length} patches measured together, each too small or undecided alone: ${c.members.map((m) => `${m.plan.id} (${m.plan.rationale})`).join('; ')}`,
    source: c.members.every((m) => m.plan.source === 'codemod') ? 'codemod' : 'llm',
  };
}

/** The record of what a stack held. */
export function stackInfo(c: CombinedStack): StackInfo {
  return {
    members: c.members.map((m) => ({
      patchId: m.plan.id, findingId: m.finding.id, pattern: m.plan.pattern, file: m.plan.file,
      verdict: m.trial.verdict, speedup: m.trial.measurement?.speedup ?? null,
    })),
    left: c.left,
  };
}
