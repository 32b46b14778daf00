// TODAY'S REDUCE, FROZEN (commit 65700f8, src/analyze/ranks/reduce.ts + align.ts): every summary held at once,
// clocks aligned against a growing list of aligned ranks, lateness from a sort of the others per rank and
// collective. It is the oracle of src/analyze/ranks/reduce.test.ts (the streaming reduce must give the very same
// report) and the baseline of bench/ranks-reduce.ts. Not used by the product; do not "fix" it.
import type { CollectiveWait, RankClock, RankProblem, RankSummary, RankTotals, RanksReport, StragglerEntry } from '../../src/core/ranks.js';
import { alignClocks } from './ranks-align-v1.js';
import { rankFindings, type RankMetrics as Metrics } from '../../src/analyze/ranks/findings.js';

type RankMetrics = Omit<Metrics, 'summary'> & { summary: RankSummary };

export interface ReduceOptions {
  /** problems found before the reduce (unreadable files), carried into the report */
  problems?: RankProblem[];
  /** world size when known from elsewhere (default: the summaries' own, else the highest rank + 1) */
  worldSize?: number;
  /** most collective waits listed (default 50) */
  maxWaits?: number;
}

const KEYS: (keyof RankTotals)[] = ['computeNs', 'commNs', 'exposedCommNs', 'idleNs', 'memcpyNs', 'syncNs', 'dataLoadNs'];

export function median(xs: number[]): number {
  if (!xs.length) return 0;
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;

/** Which summaries are one run: majority run key, no duplicate ranks (device/order ranks of several files renumbered). */
function selectRun(all: RankSummary[], problems: RankProblem[], notes: string[]): RankSummary[] {
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
  const seen = new Map<number, RankSummary>();
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

export function reduceRanksV1(summaries: RankSummary[], opts: ReduceOptions = {}): RanksReport {
  const problems: RankProblem[] = [...(opts.problems ?? [])];
  const notes: string[] = [];
  const run = selectRun(summaries, problems, notes).sort((a, b) => a.identity.rank - b.identity.rank);
  const worldSize = opts.worldSize ?? Math.max(0, ...run.map((s) => s.identity.worldSize ?? 0), ...run.map((s) => s.identity.rank + 1),
    ...problems.map((p) => (p.rank ?? -1) + 1));
  const accounted = new Set([...run.map((s) => s.identity.rank), ...problems.filter((p) => p.rank !== undefined).map((p) => p.rank!)]);
  for (let r = 0; r < worldSize; r++) {
    if (!accounted.has(r)) problems.push({ source: '', rank: r, kind: 'missing', message: `rank ${r} of 0..${worldSize - 1} is missing: no profile or summary for it` });
  }
  const { clocks, unaligned } = alignClocks(run);
  for (const [domain, why] of unaligned) {
    for (const s of run.filter((x) => x.clock.domain === domain)) {
      problems.push({ source: s.source, rank: s.identity.rank, kind: 'unaligned',
        message: `rank ${s.identity.rank}: clock cannot be aligned with the other ranks (${why}); its steps count, its collective waits do not` });
    }
  }
  const alignedIdx = run.map((_, i) => i).filter((i) => clocks[i]!.alignedBy !== 'none');

  // per-collective arrivals on the run clock
  const arrivals = new Map<string, { op: string; seq: number; step?: number; at: Map<number, number> }>();
  for (const i of alignedIdx) {
    const s = run[i]!;
    for (const c of s.collectives) {
      const k = `${c.op}#${c.seq}`;
      let a = arrivals.get(k);
      if (!a) arrivals.set(k, (a = { op: c.op, seq: c.seq, ...(c.step !== undefined ? { step: c.step } : {}), at: new Map() }));
      a.at.set(i, c.startNs + clocks[i]!.offsetNs);
    }
  }
  const waits: CollectiveWait[] = [];
  const lastCount = new Float64Array(run.length);
  const caused = new Float64Array(run.length);
  const waited = new Float64Array(run.length);
  const matchedArrivals: Array<Map<number, number>> = [];
  let matched = 0;
  for (const a of arrivals.values()) {
    if (a.at.size < 2) continue;
    matched++;
    let last = -1;
    let latest = -Infinity;
    let earliest = Infinity;
    for (const [i, t] of a.at) {
      if (t > latest) [latest, last] = [t, i];
      if (t < earliest) earliest = t;
    }
    const w = run.map((_, i) => (a.at.has(i) ? Math.round(latest - a.at.get(i)!) : 0));
    for (const [i, t] of a.at) waited[i]! += latest - t;
    matchedArrivals.push(a.at);
    lastCount[last]!++;
    caused[last]! += w.reduce((x, y) => x + y, 0);
    waits.push({ op: a.op, seq: a.seq, ...(a.step !== undefined ? { step: a.step } : {}), lastRank: run[last]!.identity.rank, skewNs: Math.round(latest - earliest), waitNs: w });
  }
  waits.sort((x, y) => y.skewNs - x.skewNs);

  const metrics: RankMetrics[] = run.map((s, i) => ({
    summary: s, clock: clocks[i]!,
    medStep: s.steps.length ? median(s.steps.map((x) => x.endNs - x.startNs)) : null,
    med: Object.fromEntries(KEYS.map((k) => [k, median(s.steps.map((x) => x[k]))])) as Record<keyof RankTotals, number>,
    meanLateNs: 0,
    waitedNs: waited[i]!,
  }));
  const stepMedAll = median(metrics.flatMap((m) => (m.medStep === null ? [] : [m.medStep])));
  const stragglers = rankStragglers(metrics, { lastCount, caused, matched, stepMedAll, arrivals: matchedArrivals });

  // step time per rank and step, skew per step
  const nSteps = Math.max(0, ...run.map((s) => s.steps.length));
  const stepMs = run.map((s) => Array.from({ length: nSteps }, (_, j) => (s.steps[j] ? ms(s.steps[j]!.endNs - s.steps[j]!.startNs) : null)));
  const skewMs = Array.from({ length: nSteps }, (_, j) => {
    const v = stepMs.map((r) => r[j]).filter((x): x is number => x !== null);
    return v.length >= 2 ? Math.round((Math.max(...v) - Math.min(...v)) * 1000) / 1000 : null;
  });
  // arrival skew per step: step numbers of the reference (first aligned) rank's steps, by position
  const stepIndex = new Map((run[alignedIdx[0] ?? 0]?.steps ?? []).map((st, j) => [st.index, j]));
  const arrivalSkewMs: Array<number | null> = Array.from({ length: nSteps }, () => null);
  for (const w of waits) {
    const j = w.step === undefined ? undefined : stepIndex.get(w.step);
    if (j === undefined || j >= nSteps) continue;
    arrivalSkewMs[j] = Math.max(arrivalSkewMs[j] ?? 0, ms(w.skewNs));
  }
  const comm = metrics.map((m) => {
    const n = Math.max(1, m.summary.steps.length);
    return {
      rank: m.summary.identity.rank, commMsPerStep: ms(m.summary.totals.commNs / n), exposedMsPerStep: ms(m.summary.totals.exposedCommNs / n),
      waitMsPerStep: ms(Math.min(m.waitedNs, m.summary.totals.exposedCommNs) / n),
    };
  });
  if (!matched && run.length > 1) notes.push('no collective was seen on two aligned ranks: no wait attribution (profiles without NCCL kernels, or unaligned clocks)');
  if (run.length === 1) notes.push('one rank only: nothing to compare across ranks');
  const unplaced: string[] = [];
  const findings = rankFindings(metrics, stragglers, comm, stepMedAll, unplaced);
  notes.push(...unplaced);
  return {
    version: 1, worldSize,
    ranks: metrics.map((m) => ({
      identity: m.summary.identity, clock: m.clock, source: m.summary.source, steps: m.summary.steps.length,
      medianStepMs: m.medStep === null ? null : ms(m.medStep), totals: m.summary.totals,
    })),
    stepMs, stragglers, collectiveWaits: waits.slice(0, opts.maxWaits ?? 50), skewMs, arrivalSkewMs, comm, findings, problems, notes,
  };
}

/**
 * Mean lateness of each rank not in `out`: over the collectives it took part in, its arrival minus the median
 * arrival of the other ranks not in `out`.
 */
export function lateness(arrivals: Array<Map<number, number>>, n: number, out: Set<number>): Float64Array {
  const sum = new Float64Array(n);
  const cnt = new Float64Array(n);
  for (const at of arrivals) {
    const keep = [...at.entries()].filter(([i]) => !out.has(i));
    if (keep.length < 2) continue;
    for (const [i, t] of keep) {
      sum[i]! += t - median(keep.filter(([j]) => j !== i).map(([, u]) => u));
      cnt[i]!++;
    }
  }
  return sum.map((v, i) => (cnt[i]! ? v / cnt[i]! : Number.NaN));
}

/**
 * Stragglers, latest first: the rank that arrives at the collectives latest against the median of the others is
 * one when it is late by more than 2% of the median step (and 50 µs) and well outside the others' spread; it is
 * set aside and the rest are tested again (a second, less late rank is not hidden behind the first).
 */
export function findStragglers(arrivals: Array<Map<number, number>>, n: number, stepMedNs: number): Array<{ index: number; lateNs: number }> {
  const out = new Set<number>();
  const found: Array<{ index: number; lateNs: number }> = [];
  while (n - out.size >= 2 && found.length < Math.max(1, Math.floor(n / 2))) {
    const late = lateness(arrivals, n, out);
    const cand = [...late.keys()].filter((i) => !out.has(i) && !Number.isNaN(late[i]!));
    if (cand.length < 2) break;
    const worst = cand.reduce((a, b) => (late[b]! > late[a]! ? b : a));
    const rest = cand.filter((i) => i !== worst).map((i) => late[i]!);
    const mid = median(rest);
    const mad = median(rest.map((v) => Math.abs(v - mid))) * 1.4826;
    const threshold = Math.max(50_000, 0.02 * stepMedNs, 5 * mad);
    if (!(late[worst]! - mid > threshold)) break;
    found.push({ index: worst, lateNs: late[worst]! });
    out.add(worst);
  }
  return found;
}

function rankStragglers(metrics: RankMetrics[], x: { lastCount: Float64Array; caused: Float64Array; matched: number; stepMedAll: number; arrivals: Array<Map<number, number>> }): StragglerEntry[] {
  if (metrics.length < 2 || x.matched === 0) return [];
  const out: StragglerEntry[] = [];
  for (const { index: i, lateNs } of findStragglers(x.arrivals, metrics.length, x.stepMedAll)) {
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
