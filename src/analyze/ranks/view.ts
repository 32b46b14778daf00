// The ranks view model (issue 9): a heatmap of rank × step, straggler ranking, collective waits and per-rank
// problems, built from a RanksReport and the per-rank summaries. Pure; the ranks worker builds it off the
// extension host's main thread and src/protocol/ranks.ts carries it to the webview.
import type { RankProblem, RankSummary, RankTotals, RanksReport, StragglerEntry } from '../../core/ranks.js';

/** What a heatmap cell is coloured by. */
export type RankMetric = 'step' | 'exposedComm' | 'idle' | 'dataLoad';

/** One step of one rank; times on that rank's own clock (the clock of its profile). */
export interface RankStepCell {
  /** the step's index (column of the heatmap) */
  step: number;
  startNs: number;
  endNs: number;
  /** ms per metric */
  values: Record<RankMetric, number>;
}

export interface RankRowView {
  rank: number;
  /** the profile this rank came from (one nsys export may hold several ranks) */
  source: string;
  host?: string;
  pid?: number;
  deviceIds: number[];
  medianStepMs: number | null;
  totals: RankTotals;
  /** one entry per heatmap column; null where this rank lacks the step */
  cells: Array<RankStepCell | null>;
}

export interface CollectiveOpView {
  op: string;
  /** collectives of this op among the report's waits */
  count: number;
  maxSkewMs: number;
  meanSkewMs: number;
  /** the rank that most often arrived last, and how often */
  lastRank: number;
  lastRankCount: number;
  /** per rank (index as in `ranks`): total ms waited at this op */
  waitMs: number[];
}

export interface RanksView {
  title: string;
  worldSize: number;
  ranks: RankRowView[];
  /** heatmap columns (step indexes) */
  steps: number[];
  /** per column: max − min step time over ranks, ms */
  skewMs: Array<number | null>;
  /** per column: the largest arrival skew at that step's collectives, ms (null: no collective seen on two ranks) */
  arrivalSkewMs: Array<number | null>;
  /** per rank: NCCL time, its exposed part and the part of that spent waiting for the last rank, ms per step */
  comm: NonNullable<RanksReport['comm']>;
  stragglers: StragglerEntry[];
  collectives: CollectiveOpView[];
  problems: RankProblem[];
  findings: Array<{ category: string; title: string; file: string; line: number; severity: string }>;
  notes: string[];
}

const MS = 1e6;

/**
 * The view of a report: report.stepMs gives the step time of [rank][column]; the summary of the same
 * rank (matched by source and pid, else source and rank) gives the step windows and the split of the other metrics.
 */
export function buildRanksView(report: RanksReport, summaries: RankSummary[], title: string): RanksView {
  const columns = Math.max(0, ...report.stepMs.map((r) => r.length));
  const ranks: RankRowView[] = report.ranks.map((r, i) => {
    // the same process of the same file (the reduce may renumber ranks), else the same rank of the same file
    const summary = (r.identity.pid !== undefined ? summaries.find((s) => s.source === r.source && s.identity.pid === r.identity.pid) : undefined)
      ?? summaries.find((s) => s.source === r.source && s.identity.rank === r.identity.rank);
    const byIndex = new Map((summary?.steps ?? []).map((s) => [s.index, s] as const));
    const row = report.stepMs[i] ?? [];
    const cells: Array<RankStepCell | null> = [];
    for (let j = 0; j < columns; j++) {
      const ms = row[j];
      const st = byIndex.get(j) ?? summary?.steps[j];
      if (ms === null || ms === undefined || !st) { cells.push(null); continue; }
      cells.push({
        step: j, startNs: st.startNs, endNs: st.endNs,
        values: { step: ms, exposedComm: st.exposedCommNs / MS, idle: st.idleNs / MS, dataLoad: st.dataLoadNs / MS },
      });
    }
    return {
      rank: r.identity.rank, source: r.source, deviceIds: r.identity.deviceIds, medianStepMs: r.medianStepMs, totals: r.totals, cells,
      ...(r.identity.host !== undefined ? { host: r.identity.host } : {}),
      ...(r.identity.pid !== undefined ? { pid: r.identity.pid } : {}),
    };
  });
  return {
    title,
    worldSize: report.worldSize,
    ranks,
    steps: Array.from({ length: columns }, (_, j) => j),
    skewMs: Array.from({ length: columns }, (_, j) => report.skewMs[j] ?? null),
    arrivalSkewMs: Array.from({ length: columns }, (_, j) => report.arrivalSkewMs?.[j] ?? null),
    comm: report.comm ?? [],
    stragglers: report.stragglers,
    collectives: collectiveOps(report, ranks.map((r) => r.rank)),
    problems: report.problems,
    findings: report.findings.map((f) => ({ category: f.category, title: f.title, file: f.file, line: f.line, severity: f.severity })),
    notes: report.notes,
  };
}

/** Per op: how much the ranks waited and who was last most often (CollectiveWait.waitNs is indexed like report.ranks). */
function collectiveOps(report: RanksReport, rankNumbers: number[]): CollectiveOpView[] {
  const byOp = new Map<string, RanksReport['collectiveWaits']>();
  for (const w of report.collectiveWaits) {
    const list = byOp.get(w.op) ?? [];
    list.push(w);
    byOp.set(w.op, list);
  }
  const out: CollectiveOpView[] = [];
  for (const [op, waits] of byOp) {
    const lastCounts = new Map<number, number>();
    for (const w of waits) lastCounts.set(w.lastRank, (lastCounts.get(w.lastRank) ?? 0) + 1);
    const [lastRank, lastRankCount] = [...lastCounts].sort((a, b) => b[1] - a[1] || a[0] - b[0])[0]!;
    const waitMs = rankNumbers.map((_, i) => waits.reduce((s, w) => s + (w.waitNs[i] ?? 0), 0) / MS);
    const skews = waits.map((w) => w.skewNs / MS);
    out.push({
      op, count: waits.length, maxSkewMs: Math.max(...skews), meanSkewMs: skews.reduce((a, b) => a + b, 0) / skews.length,
      lastRank, lastRankCount, waitMs,
    });
  }
  return out.sort((a, b) => b.waitMs.reduce((x, y) => x + y, 0) - a.waitMs.reduce((x, y) => x + y, 0));
}
