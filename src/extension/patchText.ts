// Applying a verified unified diff to the text the user has now, and the ledger line of a verdict.
// Plain Node: no `vscode` import, unit-tested.
import { createHash } from 'node:crypto';
import { appendFileSync, mkdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { applyPatch, parsePatch } from 'diff';
import { UserError } from '../core/errors.js';
import type { PatchPlan, TrialRecord } from '../core/run.js';

export function sha256(text: string): string {
  return createHash('sha256').update(text).digest('hex');
}

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

export interface LedgerLine {
  ts: string;
  runId: string;
  patchId: string;
  /** finding fingerprint */
  finding: string;
  pattern: string;
  patchHash: string;
  delta: number | null;
  interval: { low: number; high: number; level: number } | null;
  verdict: UserVerdict;
  reason: string;
}

export function ledgerLine(runId: string, plan: PatchPlan, trial: TrialRecord | undefined, verdict: UserVerdict, reason: string, now = new Date()): LedgerLine {
  return {
    ts: now.toISOString(), runId, patchId: plan.id, finding: plan.findingId, pattern: plan.pattern,
    patchHash: sha256(plan.diff), delta: trial?.measurement?.speedup ?? null,
    interval: trial?.measurement?.speedupInterval ?? null, verdict, reason,
  };
}

/** Appends one JSON line to <repo>/.sysight/ledger.jsonl. */
export function appendLedger(repo: string, line: LedgerLine): string {
  const file = join(repo, '.sysight', 'ledger.jsonl');
  mkdirSync(dirname(file), { recursive: true });
  appendFileSync(file, JSON.stringify(line) + '\n');
  return file;
}
