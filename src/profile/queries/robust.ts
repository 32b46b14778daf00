// Robust statistics for step-to-step variation: median, MAD, robust z-scores, and the noise-aware comparison
// of two samples that the profile diff and the outlier-step query share.
import { percentile } from './util.js';

/** 1.4826 · MAD estimates the standard deviation of normally distributed data. */
export const MAD_TO_SIGMA = 1.4826;

export function median(values: ArrayLike<number>): number {
  return percentile(Float64Array.from(values as ArrayLike<number>).sort(), 50);
}

/** Median absolute deviation from the median. */
export function mad(values: ArrayLike<number>, med = median(values)): number {
  const dev = Float64Array.from(values as ArrayLike<number>, (v) => Math.abs(v - med));
  return median(dev);
}

/** Robust step-to-step spread: 1.4826 · MAD (0 for fewer than 2 values). */
export function robustSigma(values: ArrayLike<number>): number {
  return values.length < 2 ? 0 : MAD_TO_SIGMA * mad(values);
}

/**
 * Iglewicz–Hoaglin modified z-score 0.6745 · (x − median) / MAD. When MAD is 0 (over half the values equal),
 * falls back to the mean absolute deviation (× 1.2533 ≈ σ), and to 0 when every value is equal.
 */
export function robustZ(values: ArrayLike<number>): Float64Array {
  const med = median(values);
  const m = mad(values, med);
  let scale = m / 0.6745;
  if (scale === 0) {
    let s = 0;
    for (let i = 0; i < values.length; i++) s += Math.abs(values[i]! - med);
    scale = values.length ? (1.2533 * s) / values.length : 0;
  }
  return Float64Array.from(values as ArrayLike<number>, (v) => (scale > 0 ? (v - med) / scale : 0));
}

export interface Comparison {
  before: number;
  after: number;
  delta: number;
  /** delta as % of before; null when before is 0 */
  deltaPct: number | null;
  /** the noise threshold the delta had to exceed */
  noise: number;
  significant: boolean;
}

/**
 * The verdict rule. Medians of the per-step values are compared; the difference is significant only when
 *   |Δ| > max(σA, σB, 3·√(seA² + seB²))   (σ = 1.4826·MAD, se = 1.2533·σ/√n, the standard error of a median)
 * i.e. larger than the step-to-step variation seen within either profile and than three standard errors of
 * the difference, and |Δ| ≥ minEffect (an absolute floor in the values' unit, for practical significance).
 */
export function compareSamples(a: ArrayLike<number>, b: ArrayLike<number>, minEffect = 0): Comparison {
  const ma = median(a);
  const mb = median(b);
  const sa = robustSigma(a);
  const sb = robustSigma(b);
  const se = (s: number, n: number) => (n > 0 ? (1.2533 * s) / Math.sqrt(n) : 0);
  const noise = Math.max(sa, sb, 3 * Math.hypot(se(sa, a.length), se(sb, b.length)));
  const delta = mb - ma;
  return {
    before: ma, after: mb, delta,
    // relative change only against a baseline that is not a rounding residue of zero
    deltaPct: Math.abs(ma) > 1e-6 * Math.max(Math.abs(ma), Math.abs(mb)) && ma !== 0 ? (100 * delta) / ma : null,
    noise,
    significant: Math.abs(delta) > noise && Math.abs(delta) >= minEffect && delta !== 0,
  };
}
