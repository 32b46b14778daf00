// .sysight/ledger.jsonl: one line per trial (finding fingerprint, patch hash, measured delta with its
// interval, verdict, reason). Append-only; a torn last line (crash mid-write) is skipped on read.
import { join } from 'node:path';
import type { Category } from '../core/findings.js';
import { appendJsonLine, readJsonLines } from '../core/json-lines.js';
import { SYSIGHT_DIR, type Interval, type TrialVerdict } from '../core/run.js';
import { scrubSecrets } from '../core/secrets.js';

export interface LedgerEntry {
  ts: string;
  runId: string;
  round: number;
  /** Finding.id: category + file + function + pattern */
  fingerprint: string;
  category: Category;
  pattern: string;
  file: string;
  /** sha256 of the file the patch was made against */
  codeHash: string;
  /** sha256 of the diff */
  patchHash: string;
  verdict: TrialVerdict | 'user-rejected' | 'user-accepted';
  /** the patch tried, when there was one */
  patchId?: string;
  reason: string;
  speedup: number | null;
  interval: Interval | null;
  /** a stack's entry (fingerprint "stack|…"): the ids of the patches it held */
  members?: string[];
}

export function ledgerPath(repo: string): string {
  return join(repo, SYSIGHT_DIR, 'ledger.jsonl');
}

/** Appends one line to <repo>/.sysight/ledger.jsonl; returns the file's path. */
export function appendLedger(repo: string, e: LedgerEntry): string {
  const path = ledgerPath(repo);
  appendJsonLine(path, { ...e, reason: scrubSecrets(e.reason) });
  return path;
}

export function readLedger(repo: string): LedgerEntry[] {
  return readJsonLines<LedgerEntry>(ledgerPath(repo), (e) => typeof e.fingerprint === 'string');
}

/** What earlier trials say about a planned patch. */
export interface PriorVerdict {
  /** the same finding on the same code failed before: skip it */
  skip: boolean;
  reason: string;
  entries: LedgerEntry[];
  /**
   * Multiplier of the trial's time budget: 2^n after n inconclusive trials of this finding on this code
   * (capped at 8), so a retry can measure what the last budget could not decide; 1 otherwise.
   */
  budgetFactor: number;
}

export const MAX_BUDGET_FACTOR = 8;

/**
 * Rejected, errored and user-rejected trials of the same finding on the same code are not tried again.
 * Inconclusive ones are not failures: they are retried, each time with twice the budget.
 */
export function priorVerdict(entries: readonly LedgerEntry[], fingerprint: string, codeHash: string): PriorVerdict {
  const same = entries.filter((e) => e.fingerprint === fingerprint && e.codeHash === codeHash);
  const failed = same.filter((e) => e.verdict === 'rejected' || e.verdict === 'error' || e.verdict === 'user-rejected');
  if (failed.length) {
    const last = failed[failed.length - 1]!;
    return { skip: true, reason: `tried before on the same code (run ${last.runId}): ${last.verdict} — ${last.reason}`, entries: same, budgetFactor: 1 };
  }
  const inconclusive = same.filter((e) => e.verdict === 'inconclusive').length;
  const budgetFactor = Math.min(MAX_BUDGET_FACTOR, 2 ** inconclusive);
  const reason = inconclusive ? `inconclusive ${inconclusive} time(s) before on the same code: retried with ${budgetFactor}x the time budget` : '';
  return { skip: false, reason, entries: same, budgetFactor };
}

/** Patterns ranked by how often they won before (accepted trials), best first: the planner tries them first. */
export function knownWins(entries: readonly LedgerEntry[]): Map<string, { wins: number; meanSpeedup: number }> {
  const acc = new Map<string, { wins: number; total: number }>();
  for (const e of entries) {
    if (e.verdict !== 'accepted' && e.verdict !== 'user-accepted') continue;
    const a = acc.get(e.pattern) ?? { wins: 0, total: 0 };
    a.wins++;
    a.total += e.speedup ?? 0;
    acc.set(e.pattern, a);
  }
  return new Map([...acc].map(([k, v]) => [k, { wins: v.wins, meanSpeedup: v.total / v.wins }]));
}
