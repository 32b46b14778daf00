// The reduce step of multi-rank analysis: rank summaries → RanksReport. Checks which summaries belong together
// (one run, no duplicates, ranks 0..worldSize-1 present), aligns their clocks, attributes each collective's wait
// to the rank that arrived last, ranks stragglers by how late they arrive and explains each from its own time
// split against the other ranks (compute, data loading, host, copies, syncs). Bad ranks become problems and the
// rest is analyzed. Findings C1/C6 are placed at the ranks' own source locations (backtraces);
// localizeRankFindings (./localize.ts) moves them into a repository.
// Streaming: a RankReducer takes the summaries one at a time and keeps only their compact columns
// (./compact.ts), so `sysight ranks` and the cluster reduce never hold the parsed summaries of every rank.
import type { CollectiveWait, RankIdentity, RankProblem, RankSummary, RankTotals, RanksReport, StragglerEntry } from '../../core/ranks.js';
import { alignRows } from './align.js';
import { collectArrivals, findStragglers, lateness, type Arrivals } from './arrivals.js';
import { CollectiveKeys, KEYS, compactRank, median, ms, type RankRow } from './compact.js';
import { rankFindings, type RankMetrics } from './findings.js';

export type { RankMetrics };
export { median };

export interface ReduceOptions {
  /** problems found before the reduce (unreadable files), carried into the report */
  problems?: RankProblem[];
  /** world size when known from elsewhere (default: the summaries' own, else the highest rank + 1) */
  worldSize?: number;
  /** most collective waits listed (default 50) */
  maxWaits?: number;
}

/** Which summaries are one run: majority run key, no duplicate ranks (device/order ranks of several files renumbered). */
function selectRun<T extends { source: string; identity: RankIdentity }>(all: T[], problems: RankProblem[], notes: string[]): T[] {
  const keys = new Map<string, number>();
  for (const s of all) if (s.identity.runKey) keys.set(s.identity.runKey, (keys.get(s.identity.runKey) ?? 0) + 1);
  const major = [...keys.entries()].sort((a, b) => b[1] - a[1])[0]?.[0];
  let run = all.filter((s) => {
    if (!major || !s.identity.runKey || s.identity.runKey === major) return true;
    problems.push({ source: s.source, rank: s.identity.rank, kind: 'different-run',
      message: `rank ${s.identity.rank} comes from a different run (run key ${s.identity.runKey}, the others have ${major}): left out` });
    return false;
  });
  // ranks numbered only by device order or input order, from several files: number them file after file
  const weak = run.filter((s) => s.identity.source === 'device' || s.identity.source === 'order');
  const files = [...new Set(weak.map((s) => s.source))];
  const collide = new Set(run.map((s) => s.identity.rank)).size < run.length;
  if (files.length > 1 && collide && weak.length === run.length) {
    const sorted = [...run].sort((a, b) => files.indexOf(a.source) - files.indexOf(b.source) || a.identity.rank - b.identity.rank);
    run = sorted.map((s, i) => ({ ...s, identity: { ...s.identity, rank: i } }));
    notes.push(`ranks numbered by device order within each of ${files.length} files, then file after file (no rank metadata in the profiles)`);
  }
  const seen = new Map<number, T>();
  return run.filter((s) => {
    const prev = seen.get(s.identity.rank);
    if (!prev) {
      seen.set(s.identity.rank, s);
      return true;
    }
    problems.push({ source: s.source, rank: s.identity.rank, kind: 'duplicate',
      message: `rank ${s.identity.rank} appears twice (${prev.source} and ${s.source}): the second is left out` });
    return false;
  });
}

/** Takes rank summaries one at a time (`add`) and reduces them (`finish`); keeps only their compact columns. */
export class RankReducer {
  private readonly keys = new CollectiveKeys();
  private readonly rows: RankRow[] = [];

  add(s: RankSummary): void {
    this.rows.push(compactRank(s, this.keys));
  }

  get size(): number {
    return this.rows.length;
  }

  finish(opts: ReduceOptions = {}): RanksReport {
    return reduceRows(this.rows, this.keys, opts);
  }
}

/** The whole reduce over summaries already in memory (the editor's ranks view, tests). */
export function reduceRanks(summaries: Iterable<RankSummary>, opts: ReduceOptions = {}): RanksReport {
  const r = new RankReducer();
  for (const s of summaries) r.add(s);
  return r.finish(opts);
}

function reduceRows(rows: RankRow[], keys: CollectiveKeys, opts: ReduceOptions): RanksReport {
  const problems: RankProblem[] = [...(opts.problems ?? [])];
  const notes: string[] = [];
  const run = selectRun(rows, problems, notes).sort((a, b) => a.identity.rank - b.identity.rank);
  const worldSize = opts.worldSize ?? Math.max(0, ...run.map((s) => s.identity.worldSize ?? 0), ...run.map((s) => s.identity.rank + 1),
    ...problems.map((p) => (p.rank ?? -1) + 1));
  const accounted = new Set([...run.map((s) => s.identity.rank), ...problems.filter((p) => p.rank !== undefined).map((p) => p.rank!)]);
  for (let r = 0; r < worldSize; r++) {
    if (!accounted.has(r)) problems.push({ source: '', rank: r, kind: 'missing', message: `rank ${r} of 0..${worldSize - 1} is missing: no profile or summary for it` });
  }
  const { clocks, unaligned } = alignRows(run.map((s) => ({ domain: s.domain, rank: s.identity.rank, coll: s.coll })), keys);
  for (const [domain, why] of unaligned) {
    for (const s of run.filter((x) => x.domain === domain)) {
      problems.push({ source: s.source, rank: s.identity.rank, kind: 'unaligned',
        message: `rank ${s.identity.rank}: clock cannot be aligned with the other ranks (${why}); its steps count, its collective waits do not` });
    }
  }
  const alignedIdx = run.map((_, i) => i).filter((i) => clocks[i]!.alignedBy !== 'none');

  // per-collective arrivals on the run clock: who came last, who waited how long
  const arr = collectArrivals(run, clocks, alignedIdx, keys);
  const lastCount = new Float64Array(run.length);
  const caused = new Float64Array(run.length);
  const waited = new Float64Array(run.length);
  const nm = arr.matched.length;
  const lastOf = new Int32Array(nm);
  const latestOf = new Float64Array(nm);
  const skewOf = new Float64Array(nm);
  arr.matched.forEach((k, m) => {
    let last = -1;
    let latest = -Infinity;
    let earliest = Infinity;
    for (let s = arr.start[k]!; s < arr.start[k + 1]!; s++) {
      const t = arr.at[s]!;
      if (t > latest) [latest, last] = [t, arr.row[s]!];
      if (t < earliest) earliest = t;
    }
    let w = 0;
    for (let s = arr.start[k]!; s < arr.start[k + 1]!; s++) {
      waited[arr.row[s]!]! += latest - arr.at[s]!;
      w += Math.round(latest - arr.at[s]!);
    }
    lastCount[last]!++;
    caused[last]! += w;
    lastOf[m] = last;
    latestOf[m] = latest;
    skewOf[m] = Math.round(latest - earliest);
  });
  const byWait = Array.from({ length: nm }, (_, m) => m).sort((x, y) => skewOf[y]! - skewOf[x]!);
  const waits = byWait.slice(0, opts.maxWaits ?? 50).map((m) => waitOf(arr, keys, run, m, lastOf[m]!, latestOf[m]!, skewOf[m]!));

  const metrics: RankMetrics[] = run.map((s, i) => ({
    summary: s, clock: clocks[i]!, medStep: s.medStep, med: s.med, meanLateNs: 0, waitedNs: waited[i]!,
  }));
  const stepMedAll = median(run.flatMap((s) => (s.medStep === null ? [] : [s.medStep])));
  const stragglers = rankStragglers(metrics, { lastCount, caused, matched: nm, stepMedAll, late: (out) => lateness(arr, run.length, out) });

  // step time per rank and step, skew per step
  const nSteps = Math.max(0, ...run.map((s) => s.steps));
  const stepMs = run.map((s) => Array.from({ length: nSteps }, (_, j) => (j < s.steps ? s.stepMs[j]! : null)));
  const skewMs = Array.from({ length: nSteps }, (_, j) => {
    let lo = Infinity;
    let hi = -Infinity;
    let n = 0;
    for (const s of run) {
      if (j >= s.steps) continue;
      const v = s.stepMs[j]!;
      n++;
      if (v < lo) lo = v;
      if (v > hi) hi = v;
    }
    return n >= 2 ? Math.round((hi - lo) * 1000) / 1000 : null;
  });
  // arrival skew per step: step numbers of the reference (first aligned) rank's steps, by position
  const ref = run[alignedIdx[0] ?? 0];
  const stepIndex = new Map(Array.from(ref?.stepIndex ?? [], (index, j) => [index, j]));
  const arrivalSkewMs: Array<number | null> = Array.from({ length: nSteps }, () => null);
  arr.matched.forEach((k, m) => {
    const step = arr.step[k]!;
    const j = Number.isNaN(step) ? undefined : stepIndex.get(step);
    if (j === undefined || j >= nSteps) return;
    arrivalSkewMs[j] = Math.max(arrivalSkewMs[j] ?? 0, ms(skewOf[m]!));
  });
  const comm = run.map((s, i) => {
    const n = Math.max(1, s.steps);
    return {
      rank: s.identity.rank, commMsPerStep: ms(s.totals.commNs / n), exposedMsPerStep: ms(s.totals.exposedCommNs / n),
      waitMsPerStep: ms(Math.min(waited[i]!, s.totals.exposedCommNs) / n),
    };
  });
  if (!nm && run.length > 1) notes.push('no collective was seen on two aligned ranks: no wait attribution (profiles without NCCL kernels, or unaligned clocks)');
  if (run.length === 1) notes.push('one rank only: nothing to compare across ranks');
  const unplaced: string[] = [];
  const findings = rankFindings(metrics, stragglers, comm, stepMedAll, unplaced);
  notes.push(...unplaced);
  return {
    version: 1, worldSize,
    ranks: run.map((s, i) => ({
      identity: s.identity, clock: clocks[i]!, source: s.source, steps: s.steps,
      medianStepMs: s.medStep === null ? null : ms(s.medStep), totals: s.totals,
    })),
    stepMs, stragglers, collectiveWaits: waits, skewMs, arrivalSkewMs, comm, findings, problems, notes,
  };
}

/** One listed collective wait: every rank's wait for the last arrival (0 for ranks not in it). */
function waitOf(arr: Arrivals, keys: CollectiveKeys, run: RankRow[], m: number, last: number, latest: number, skewNs: number): CollectiveWait {
  const k = arr.matched[m]!;
  const waitNs = new Array<number>(run.length).fill(0);
  for (let s = arr.start[k]!; s < arr.start[k + 1]!; s++) waitNs[arr.row[s]!] = Math.round(latest - arr.at[s]!);
  const step = arr.step[k]!;
  return { op: keys.op[k]!, seq: keys.seq[k]!, ...(Number.isNaN(step) ? {} : { step }), lastRank: run[last]!.identity.rank, skewNs, waitNs };
}

function rankStragglers(metrics: RankMetrics[], x: { lastCount: Float64Array; caused: Float64Array; matched: number; stepMedAll: number; late: (out: Set<number>) => Float64Array }): StragglerEntry[] {
  if (metrics.length < 2 || x.matched === 0) return [];
  const out: StragglerEntry[] = [];
  for (const { index: i, lateNs } of findStragglers(x.late, metrics.length, x.stepMedAll)) {
    const m = metrics[i]!;
    m.meanLateNs = lateNs;
    const others = metrics.filter((_, j) => j !== i);
    const base = Object.fromEntries(KEYS.map((k) => [k, median(others.map((o) => o.med[k]))])) as Record<keyof RankTotals, number>;
    const d = (k: keyof RankTotals) => m.med[k] - base[k];
    const hostIdle = d('idleNs') - d('dataLoadNs');
    const candidates: Array<[StragglerEntry['reason'], number]> = [
      ['compute', d('computeNs')], ['data-loading', d('dataLoadNs')], ['host', hostIdle], ['memcpy', d('memcpyNs')],
    ];
    candidates.sort((a, b) => b[1] - a[1]);
    const [reason] = candidates[0]![1] >= 0.25 * lateNs ? candidates[0]! : ['unknown' as const, 0];
    const r = m.summary.identity.rank;
    const evidence = [
      `arrives ${ms(lateNs)} ms after the median of the other ranks at ${Math.round(x.matched)} collective(s) on average; last at ${x.lastCount[i]} of them; ` +
        (x.caused[i]! > 0 ? `the other ranks waited ${ms(x.caused[i]!)} ms for it in total`
          : `a later rank hides it today: once that one is fixed, the others would wait ~${ms(lateNs)} ms per collective for this one`),
    ];
    const line = (k: keyof RankTotals, what: string) =>
      `${what} ${ms(m.med[k])} ms/step on rank ${r} vs ${ms(base[k])} ms median of the other ranks (${d(k) >= 0 ? '+' : ''}${ms(d(k))} ms)`;
    if (reason === 'compute') evidence.push(line('computeNs', 'GPU compute'));
    if (reason === 'data-loading') evidence.push(line('dataLoadNs', 'host data loading'), line('idleNs', 'GPU idle'));
    if (reason === 'host') evidence.push(line('idleNs', 'GPU idle'), line('dataLoadNs', 'host data loading'));
    if (reason === 'memcpy') evidence.push(line('memcpyNs', 'memory copies'));
    if (reason === 'unknown') evidence.push(`no part of its own step split explains the lateness (compute ${ms(d('computeNs'))} ms, data loading ${ms(d('dataLoadNs'))} ms, idle ${ms(d('idleNs'))} ms vs the others)`);
    const top = m.summary.hotspots.find((h) => (reason === 'data-loading' ? h.kind === 'data-load' : reason === 'compute' ? h.kind === 'collective' : false));
    if (top) evidence.push(`${top.kind} at ${top.file}:${top.line} ${top.function} (${ms(top.totalNs)} ms over ${top.count} call(s))`);
    out.push({
      rank: r, lastArrivalShare: Math.round((x.lastCount[i]! / x.matched) * 1000) / 1000, causedWaitNs: Math.round(x.caused[i]!),
      stepTimeExcess: m.medStep !== null && x.stepMedAll > 0 ? Math.round((m.medStep / x.stepMedAll - 1) * 1000) / 1000 : 0,
      meanLateNs: Math.round(lateNs), reason, evidence,
    });
  }
  return out;
}
