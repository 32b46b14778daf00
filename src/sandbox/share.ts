// The CPU-share correction of the wall clock. A patch that adds processes (DataLoader workers) can shorten
// the wall clock in two ways: by using cores that were idle (a gain the patch makes), or, on a machine whose
// cores are all busy, by taking a larger share of them from other jobs (the scheduler gives each runnable
// process a share; three processes get more than one). The second is not a speed-up of the workload, and
// it shows only while the machine is busy. So each side of a pair is credited with at most the cores the
// other side's process tree used plus the cores the machine left idle while the other side ran:
//
//   factor(candidate) = max(1, cores(candidate) / (cores(baseline) + idle(baseline)))
//
// and its step time is multiplied by it (the same for the baseline against the candidate). On a machine with
// idle cores the factor is 1 and the wall clock stands; on a saturated one the comparison becomes one of CPU
// time per step of the whole process tree, where moving work into workers gains nothing. Pure functions.
import type { ShareSummary } from '../core/run.js';
import type { StepShare } from './instrument.js';
import { median } from './stats.js';

/** Cores a run's process tree used, and cores the machine left idle, over its measured steps. */
export interface RunShare {
  cores: number;
  idleCores: number;
}

/** The run's share over the steps after `warmup` (the same steps the per-run statistic uses); null when not recorded. */
export function runShare(steps: readonly StepShare[], warmup: number): RunShare | null {
  const kept = steps.slice(Math.min(warmup, Math.max(0, steps.length - 1)));
  const wall = kept.reduce((a, s) => a + s.wallMs, 0);
  if (kept.length === 0 || !(wall > 0)) return null;
  return { cores: kept.reduce((a, s) => a + s.treeCpuMs, 0) / wall, idleCores: kept.reduce((a, s) => a + s.idleMs, 0) / wall };
}

/** How much of one side's wall-clock step time is credited: ≥ 1, 1 when it used no more than was there. */
export function shareFactor(side: RunShare, other: RunShare): number {
  const available = other.cores + other.idleCores;
  return available > 0 && side.cores > available ? side.cores / available : 1;
}

/**
 * Pairwise corrected per-run statistics (pair i = baseline[i], candidate[i]). Without a share for every run
 * the values come back unchanged and the summary is null.
 */
export function shareCorrected(
  baseline: readonly number[], candidate: readonly number[],
  baselineShare: ReadonlyArray<RunShare | null>, candidateShare: ReadonlyArray<RunShare | null>,
): { baseline: number[]; candidate: number[]; summary: ShareSummary | null } {
  const n = Math.min(baseline.length, candidate.length);
  const b: RunShare[] = [];
  const c: RunShare[] = [];
  for (let i = 0; i < n; i++) {
    const bs = baselineShare[i];
    const cs = candidateShare[i];
    if (!bs || !cs) return { baseline: [...baseline], candidate: [...candidate], summary: null };
    b.push(bs);
    c.push(cs);
  }
  if (n === 0) return { baseline: [...baseline], candidate: [...candidate], summary: null };
  const bf = b.map((s, i) => shareFactor(s, c[i]!));
  const cf = c.map((s, i) => shareFactor(s, b[i]!));
  return {
    baseline: baseline.slice(0, n).map((v, i) => v * bf[i]!),
    candidate: candidate.slice(0, n).map((v, i) => v * cf[i]!),
    summary: {
      baselineCores: median(b.map((s) => s.cores)), candidateCores: median(c.map((s) => s.cores)),
      baselineIdleCores: median(b.map((s) => s.idleCores)), candidateIdleCores: median(c.map((s) => s.idleCores)),
      baselineFactor: median(bf), candidateFactor: median(cf),
    },
  };
}

/** One clause for a verdict's reason, when the correction changed anything. */
export function describeShare(s: ShareSummary): string | null {
  if (s.candidateFactor <= 1.005 && s.baselineFactor <= 1.005) return null;
  const f = (x: number): string => x.toFixed(2);
  return `wall clock credited only with cores that were free: the candidate's processes used ${f(s.candidateCores)} cores, the baseline's ${f(s.baselineCores)} with ${f(s.baselineIdleCores)} idle, so candidate steps count ×${f(s.candidateFactor)}${s.baselineFactor > 1.005 ? `, baseline steps ×${f(s.baselineFactor)}` : ''}`;
}
