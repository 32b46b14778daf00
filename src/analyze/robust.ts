// A line's cost from one iteration to the next, so that whether it is reported does not hinge on one noisy
// iteration. On a CPU workload the line's time is measured while the OS shares the cores with everything else:
// an iteration in which the process was preempted on that line can triple it, and a recording that happens to
// hold one crosses the threshold where another does not. The median over the recorded iterations is what
// decides (docs/analysis.md, "The same answer on every recording"); the mean stays the reported ms/iter.
import type { CostKind, SiteCost } from './attribution.js';

export interface LineSpread {
  /** median over the iterations of the line's cost in each (ms) */
  medianMs: number;
  /** least and most of one iteration (ms): with 5 iterations, a 94% interval for the median */
  lowMs: number;
  highMs: number;
  iterations: number;
}

/** Fewer iterations than this and the median is no better than the mean. */
export const MIN_ITERATIONS = 3;
/** The per-iteration costs must hold at least this part of the line's cost (the rest lies outside the iterations). */
const MIN_COVERAGE = 0.8;

/**
 * The line's cost per iteration over its sites (a loop: its body's), counted as siteMs counts the whole: Python
 * frame time or the other kinds, whichever is more; `ranks` divides each iteration's cost as the whole is divided.
 * Undefined when the sites keep no per-iteration costs, when there are too few iterations, when the iterations
 * miss much of the line's cost, or when the line's cost is mostly sampled Python time.
 */
export function lineSpread(sites: readonly SiteCost[], kinds: readonly CostKind[], ranks: number): LineSpread | undefined {
  const n = sites.find((s) => s.perIter)?.perIter?.python.length ?? 0;
  if (n < MIN_ITERATIONS || sites.some((s) => !s.perIter)) return undefined;
  const wantPy = kinds.includes('python');
  const other = kinds.filter((k) => k !== 'python');
  const values: number[] = [];
  let py = 0, nonPy = 0;
  for (const s of sites) {
    py += wantPy ? s.ns.python : 0;
    nonPy += other.reduce((t, k) => t + s.ns[k], 0);
  }
  for (let k = 0; k < n; k++) {
    let p = 0, o = 0;
    for (const s of sites) {
      const all = (Object.keys(s.ns) as CostKind[]).filter((x) => x !== 'python').reduce((t, x) => t + s.ns[x], 0);
      const wanted = other.reduce((t, x) => t + s.ns[x], 0);
      // the other kinds are kept together per iteration: the wanted ones are their share of them
      if (all > 0) o += s.perIter!.other[k]! * (wanted / all);
      if (wantPy) p += s.perIter!.python[k]!;
    }
    values.push(Math.max(p, o) / 1e6 / ranks);
  }
  // sampled Python time (the shim's sampler, when its tracer cannot run) is too sparse for a median: a line sampled in
  // two of five iterations has a median of 0. Its mean decides, as before.
  const sampledPy = sites.reduce((t, s) => t + (s.sampledPythonNs ?? 0), 0);
  if (wantPy && py >= nonPy && sampledPy > 0.5 * py) return undefined;
  const total = Math.max(py, nonPy) / 1e6 / ranks;
  if (total > 0 && values.reduce((a, b) => a + b, 0) < MIN_COVERAGE * total) return undefined;
  const sorted = values.slice().sort((a, b) => a - b);
  const m = sorted.length >> 1;
  const medianMs = sorted.length % 2 ? sorted[m]! : (sorted[m - 1]! + sorted[m]!) / 2;
  return { medianMs, lowMs: sorted[0]!, highMs: sorted[sorted.length - 1]!, iterations: n };
}
