// Pure statistics for A/B measurement: medians, percentiles, a seeded PRNG and the bootstrap interval
// of the speed-up (ratio of medians). No I/O; every function is deterministic for a given seed.
import type { Interval } from '../core/index.js';
import { mulberry32 } from '../core/random.js';

export { mulberry32 };

export function median(xs: readonly number[]): number {
  if (xs.length === 0) throw new Error('median of an empty sample');
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 === 1 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

/** Percentile of an ascending-sorted sample, p in [0, 1], linear interpolation between closest ranks. */
export function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) throw new Error('percentile of an empty sample');
  if (p <= 0) return sorted[0]!;
  if (p >= 1) return sorted[sorted.length - 1]!;
  const rank = p * (sorted.length - 1);
  const lo = Math.floor(rank);
  const hi = Math.ceil(rank);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (rank - lo);
}

/** Relative speed-up of the candidate over the baseline: median(baseline) / median(candidate) - 1. */
export function speedup(baselineMs: readonly number[], candidateMs: readonly number[]): number {
  return median(baselineMs) / median(candidateMs) - 1;
}

export interface BootstrapOptions {
  resamples?: number;
  /** confidence level, default 0.95 */
  level?: number;
  seed?: number;
}

/**
 * Percentile bootstrap interval of the speed-up (ratio of medians minus one): both samples are
 * resampled independently with replacement, `resamples` times, with a seeded PRNG.
 */
export function bootstrapSpeedup(
  baselineMs: readonly number[],
  candidateMs: readonly number[],
  opts: BootstrapOptions = {},
): Interval {
  const resamples = opts.resamples ?? 2000;
  const level = opts.level ?? 0.95;
  if (baselineMs.length === 0 || candidateMs.length === 0) throw new Error('bootstrap of an empty sample');
  const rand = mulberry32(opts.seed ?? 0x5eed);
  const draw = (xs: readonly number[]): number[] => {
    const out = new Array<number>(xs.length);
    for (let i = 0; i < xs.length; i++) out[i] = xs[Math.floor(rand() * xs.length)]!;
    return out;
  };
  const stats = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) stats[r] = median(draw(baselineMs)) / median(draw(candidateMs)) - 1;
  stats.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { low: percentile(stats, tail), high: percentile(stats, 1 - tail), level };
}

/** "+12.3%" / "−0.4%" (true minus sign), for reason strings. */
export function formatPercent(x: number, digits = 1): string {
  const v = (x * 100).toFixed(digits);
  if (Number(v) === 0) return `${(0).toFixed(digits)}%`;
  return x > 0 ? `+${v}%` : `\u2212${v.slice(1)}%`;
}

/** "+12.3% [+10.1%, +14.0%]" */
export function formatSpeedup(s: number, i: Interval): string {
  return `${formatPercent(s)} [${formatPercent(i.low)}, ${formatPercent(i.high)}]`;
}

/** Percentile bootstrap interval of the median of one sample (seeded), e.g. ms/iter of a round. */
export function bootstrapMedianInterval(xs: readonly number[], opts: BootstrapOptions = {}): Interval | null {
  if (xs.length === 0) return null;
  const resamples = opts.resamples ?? 2000;
  const level = opts.level ?? 0.95;
  const rand = mulberry32(opts.seed ?? 0x5eed);
  const stats = new Array<number>(resamples);
  const draw = new Array<number>(xs.length);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < xs.length; i++) draw[i] = xs[Math.floor(rand() * xs.length)]!;
    stats[r] = median(draw);
  }
  stats.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { low: percentile(stats, tail), high: percentile(stats, 1 - tail), level };
}

/** Median of the per-pair ratios baseline[i] / candidate[i], minus one: the speed-up of paired runs. */
export function pairedSpeedup(baselineMs: readonly number[], candidateMs: readonly number[]): number {
  if (baselineMs.length !== candidateMs.length || baselineMs.length === 0) throw new Error('paired samples must have the same, non-zero length');
  return median(baselineMs.map((b, i) => b / candidateMs[i]!)) - 1;
}

/**
 * Percentile bootstrap interval of the paired speed-up: whole pairs (baseline run i, candidate run i,
 * run back to back) are resampled, so a slow period of the machine that hits both runs of a pair
 * cancels out instead of widening the interval.
 */
export function pairedBootstrapSpeedup(
  baselineMs: readonly number[],
  candidateMs: readonly number[],
  opts: BootstrapOptions = {},
): Interval {
  if (baselineMs.length !== candidateMs.length || baselineMs.length === 0) throw new Error('paired samples must have the same, non-zero length');
  const resamples = opts.resamples ?? 2000;
  const level = opts.level ?? 0.95;
  const ratios = baselineMs.map((b, i) => b / candidateMs[i]!);
  const rand = mulberry32(opts.seed ?? 0x5eed);
  const draw = new Array<number>(ratios.length);
  const stats = new Array<number>(resamples);
  for (let r = 0; r < resamples; r++) {
    for (let i = 0; i < ratios.length; i++) draw[i] = ratios[Math.floor(rand() * ratios.length)]!;
    stats[r] = median(draw) - 1;
  }
  stats.sort((a, b) => a - b);
  const tail = (1 - level) / 2;
  return { low: percentile(stats, tail), high: percentile(stats, 1 - tail), level };
}
