// Per-step series by name (kernels, CPU operators, Python functions) compared name by name with the diff's
// noise-aware rule: which grew, which shrank, which appeared or vanished.
import { compareSamples } from '../queries/robust.js';
import { round } from '../queries/util.js';

/** Per-step time of the costliest names, and whole-profile totals of every name. */
export interface NamedSeries {
  /** names with a per-step series (the costliest by whole-profile time) */
  names: string[];
  perStep: Float64Array[];
  /** whole profile, by name: total ns and count (all names, steps or not) */
  totals: Map<string, { totalNs: number; count: number }>;
  /** steps the totals are spread over */
  steps: number;
}

/** One name's per-step time before and after (ms), its per-step count, and whether it changed beyond the noise. */
export interface NamedDiff {
  name: string;
  beforeMsPerStep: number;
  afterMsPerStep: number;
  deltaMs: number;
  beforeCountPerStep: number;
  afterCountPerStep: number;
  significant: boolean;
}

export interface NamedDiffs { regressions: NamedDiff[]; improvements: NamedDiff[]; appeared: NamedDiff[]; vanished: NamedDiff[] }

export const noNamedDiffs = (): NamedDiffs => ({ regressions: [], improvements: [], appeared: [], vanished: [] });

export function namedDiffs(A: NamedSeries, B: NamedSeries, pa: (v: Float64Array) => Float64Array, floor: number, limit: number, stepsA: number, stepsB: number): NamedDiffs {
  const seriesOf = (m: NamedSeries, name: string, steps: number): Float64Array => {
    const i = m.names.indexOf(name);
    if (i >= 0) return pa(m.perStep[i]!);
    const t = m.totals.get(name);
    return new Float64Array(steps).fill(t ? t.totalNs / Math.max(1, m.steps) : 0);
  };
  const perStepCount = (m: NamedSeries, name: string) => round((m.totals.get(name)?.count ?? 0) / Math.max(1, m.steps), 2);
  const rows: NamedDiff[] = [];
  for (const name of new Set([...A.names, ...B.names])) {
    const c = compareSamples(seriesOf(A, name, stepsA), seriesOf(B, name, stepsB), floor);
    rows.push({
      name, beforeMsPerStep: round(c.before / 1e6), afterMsPerStep: round(c.after / 1e6), deltaMs: round(c.delta / 1e6),
      beforeCountPerStep: perStepCount(A, name), afterCountPerStep: perStepCount(B, name), significant: c.significant,
    });
  }
  const presence = (from: NamedSeries, other: NamedSeries, appeared: boolean): NamedDiff[] => [...from.totals]
    .filter(([n]) => !other.totals.has(n))
    .sort((x, y) => y[1].totalNs - x[1].totalNs).slice(0, limit)
    .map(([name, t]) => {
      const ms = round(t.totalNs / Math.max(1, from.steps) / 1e6);
      const cnt = round(t.count / Math.max(1, from.steps), 2);
      return appeared
        ? { name, beforeMsPerStep: 0, afterMsPerStep: ms, deltaMs: ms, beforeCountPerStep: 0, afterCountPerStep: cnt, significant: true }
        : { name, beforeMsPerStep: ms, afterMsPerStep: 0, deltaMs: -ms, beforeCountPerStep: cnt, afterCountPerStep: 0, significant: true };
    });
  const known = (r: NamedDiff) => A.totals.has(r.name) && B.totals.has(r.name);
  return {
    regressions: rows.filter((r) => r.significant && r.deltaMs > 0 && known(r)).sort((x, y) => y.deltaMs - x.deltaMs).slice(0, limit),
    improvements: rows.filter((r) => r.significant && r.deltaMs < 0 && known(r)).sort((x, y) => x.deltaMs - y.deltaMs).slice(0, limit),
    appeared: presence(B, A, true),
    vanished: presence(A, B, false),
  };
}
