// The report's data: everything the Markdown, JSON and HTML renderings show, built once from a run.
import { CATEGORIES, CATEGORY_NAMES, type Category, type Finding, type LocalizedFindingSet } from '../core/findings.js';
import type { Interval, LearnRecord, Measurement, PatchPlan, RunRecord, TrialRecord } from '../core/run.js';
import { describeStack } from '../core/run.js';

export interface ReportRound {
  index: number;
  iterationMs: number | null;
  iterationInterval: Interval | null;
  accepted: TrialRecord[];
  rejected: TrialRecord[];
  findings: Finding[];
  timeByCategoryMs: Partial<Record<Category, number>>;
  /** the accepted stack re-measured after the last round */
  final?: boolean;
  /** this round's profile against the previous round's */
  profileDiff?: { verdict: string; headline: string; changedCategories: string[] };
  /** lessons the learn stage (LLM) wrote or dropped this round */
  learn?: LearnRecord;
}

export interface ReportData {
  schemaVersion: 1;
  runId: string;
  repo: string;
  createdAt: string;
  status: RunRecord['status'];
  /** 'cpu': iteration times are process CPU time (CPU-only workload); 'wall' otherwise */
  clock: 'wall' | 'cpu';
  command: string | null;
  baselineMs: number | null;
  finalMs: number | null;
  /** baseline/final - 1 */
  totalSpeedup: number | null;
  /** the confidence-sequence interval of the total speed-up when the accepted stack was re-measured */
  totalSpeedupInterval: Interval | null;
  baselineInterval: Interval | null;
  finalInterval: Interval | null;
  rounds: ReportRound[];
  patches: Array<Pick<PatchPlan, 'id' | 'file' | 'pattern' | 'diff' | 'linesChanged' | 'rationale'> & { verdict: string; reason: string }>;
  error?: string;
}

export function buildReport(run: RunRecord, findingsByRound: Map<number, LocalizedFindingSet>, patches: PatchPlan[]): ReportData {
  const rounds: ReportRound[] = run.rounds.map((r) => {
    const set = findingsByRound.get(r.index);
    const findings = set?.findings ?? [];
    const timeByCategoryMs: Partial<Record<Category, number>> = {};
    for (const f of findings) timeByCategoryMs[f.category] = (timeByCategoryMs[f.category] ?? 0) + f.impact.msPerIter;
    return {
      index: r.index,
      iterationMs: r.iterationMs,
      iterationInterval: r.iterationInterval,
      accepted: r.trials.filter((t) => t.verdict === 'accepted'),
      rejected: r.trials.filter((t) => t.verdict !== 'accepted'),
      findings,
      timeByCategoryMs,
      ...(r.profileDiff ? { profileDiff: r.profileDiff } : {}),
      ...(r.learn ? { learn: r.learn } : {}),
    };
  });
  const measured = rounds.filter((r) => r.iterationMs !== null);
  const baselineMs = run.final?.baselineMs ?? measured[0]?.iterationMs ?? null;
  const finalMs = run.final?.finalMs ?? (measured.length ? measured[measured.length - 1]!.iterationMs : null);
  if (run.final && rounds[rounds.length - 1]?.iterationMs !== run.final.finalMs) {
    // the re-measured stack is the last point of the chart
    rounds.push({
      index: rounds.length + 1, iterationMs: run.final.finalMs, iterationInterval: run.final.finalInterval,
      accepted: [], rejected: [], findings: [], timeByCategoryMs: {}, final: true,
    });
  }
  const verdictOf = new Map<string, TrialRecord>();
  for (const r of run.rounds) for (const t of r.trials) verdictOf.set(t.patchId, t);
  return {
    schemaVersion: 1,
    runId: run.id,
    repo: run.repo,
    createdAt: run.createdAt,
    status: run.status,
    clock: run.clock ?? 'wall',
    command: run.command ? run.command.join(' ') : null,
    baselineMs,
    finalMs,
    totalSpeedup: run.final?.speedup ?? (baselineMs !== null && finalMs ? baselineMs / finalMs - 1 : null),
    totalSpeedupInterval: run.final?.interval ?? null,
    baselineInterval: run.final?.baselineInterval ?? null,
    finalInterval: run.final?.finalInterval ?? null,
    rounds,
    patches: patches.map((p) => ({
      id: p.id, file: p.file, pattern: p.pattern, diff: p.diff, linesChanged: p.linesChanged, rationale: p.rationale,
      verdict: verdictOf.get(p.id)?.verdict ?? 'not tried',
      reason: verdictOf.get(p.id)?.reason ?? '',
    })),
    ...(run.error ? { error: run.error } : {}),
  };
}

/**
 * The change between round N−1's profile and round N's is the patches accepted in round N−1: their measured
 * A/B results beside the profile diff of the two rounds, when round N has one.
 */
export interface ChangeSeenTwice {
  /** round N−1 (the patches) and round N (the diff) */
  from: number;
  to: number;
  accepted: TrialRecord[];
  profileDiff: NonNullable<ReportRound['profileDiff']>;
}

export function changeSeenTwice(r: ReportData, rd: ReportRound): ChangeSeenTwice | null {
  if (!rd.profileDiff || rd.final) return null;
  const prev = r.rounds.find((x) => !x.final && x.index === rd.index - 1);
  if (!prev) return null;
  return { from: prev.index, to: rd.index, accepted: prev.accepted, profileDiff: rd.profileDiff };
}

export function fmtMs(ms: number | null | undefined): string {
  if (ms === null || ms === undefined || !Number.isFinite(ms)) return '—';
  return ms >= 100 ? `${ms.toFixed(0)} ms` : ms >= 10 ? `${ms.toFixed(1)} ms` : `${ms.toFixed(2)} ms`;
}

export function fmtPct(x: number | null | undefined, signed = true): string {
  if (x === null || x === undefined || !Number.isFinite(x)) return '—';
  const s = (x * 100).toFixed(1);
  return `${signed && x > 0 ? '+' : ''}${s}%`;
}

export function fmtInterval(i: Interval | null | undefined): string {
  if (!i) return '';
  return `[${fmtPct(i.low)}, ${fmtPct(i.high)}]`;
}

/** What a trial's measurement spent: "6 pairs, 41 s of 120 s (decided); peak RSS 120 → 125 MiB". */
export function fmtSpent(m: Measurement | null | undefined): string {
  if (!m) return '';
  const budget = m.spentMs !== undefined && m.budgetMs !== undefined
    ? `, ${Math.round(m.spentMs / 1000)} s of ${Math.round(m.budgetMs / 1000)} s${m.stopped ? ` (${m.stopped})` : ''}` : '';
  const rss = m.baselinePeakRssMb != null && m.candidatePeakRssMb != null
    ? `; peak RSS ${Math.round(m.baselinePeakRssMb)} \u2192 ${Math.round(m.candidatePeakRssMb)} MiB` : '';
  return `${m.runs} pairs${budget}${rss}`;
}

export function categoryLabel(c: Category): string {
  return `${c} ${CATEGORY_NAMES[c]}`;
}

export { CATEGORIES };

/** The confidence sequence's label: every speed-up interval is one (valid however often it was looked at). */
export const CS_LABEL = '95% confidence sequence';

/** "stack-ab12cd34: stack of 2 patches: a (C7.x in f.py, alone inconclusive +8.0%), b (…)" for a stack trial, else null. */
export function stackLine(t: TrialRecord): string | null {
  return t.stack ? `${t.patchId}: ${describeStack(t.stack)}` : null;
}
