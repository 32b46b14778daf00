// Applying a verified unified diff to the text the user has now, and the ledger line of a verdict.
// Plain Node: no `vscode` import, unit-tested.
import { applyPatch, parsePatch } from 'diff';
import { sha256Hex } from '../core/hash.js';
import { appendLedger, type LedgerEntry } from '../memory/ledger.js';
import { UserError } from '../core/errors.js';
import type { PatchPlan, TrialRecord } from '../core/run.js';

export const sha256 = sha256Hex;

/**
 * The patched text, or a UserError when the file changed since the patch was verified: by its hash when
 * the plan has one, and in any case when the diff's context no longer matches.
 */
export function patchedText(plan: PatchPlan, current: string): string {
  if (plan.baseHash && sha256(current) !== plan.baseHash) {
    throw new UserError(`${plan.file} changed since patch ${plan.id} was verified; re-run the analysis to get a fresh patch`);
  }
  const parsed = parsePatch(plan.diff);
  if (parsed.length !== 1) throw new UserError(`patch ${plan.id} must change exactly one file (it has ${parsed.length})`);
  const out = applyPatch(current, parsed[0]!, { fuzzFactor: 0 });
  if (out === false) throw new UserError(`patch ${plan.id} no longer applies to ${plan.file} (its context changed)`);
  return out;
}

export type UserVerdict = 'user-accepted' | 'user-rejected';

/** The ledger entry (src/memory's format, shared with the loop) of a verdict given in the editor. */
export function ledgerLine(runId: string, plan: PatchPlan, trial: TrialRecord | undefined, verdict: UserVerdict, reason: string, now = new Date()): LedgerEntry {
  return {
    ts: now.toISOString(), runId, round: 0, fingerprint: plan.findingId, category: plan.category, pattern: plan.pattern, file: plan.file,
    codeHash: plan.baseHash, patchHash: sha256(plan.diff), patchId: plan.id, verdict, reason,
    speedup: trial?.measurement?.speedup ?? null, interval: trial?.measurement?.speedupInterval ?? null,
  };
}

export { appendLedger };
