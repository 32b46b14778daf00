// Sequential A/B statistics: a confidence sequence for the speed-up of paired runs that stays valid when
// it is looked at after every pair. Each pair (a baseline run and a candidate run back to back) gives
// d = ln(baseline ms / candidate ms); the speed-up is exp(mean d) − 1. At the k-th look the interval is
// the Student-t interval of mean d at level 1 − α_k with α_k = α · 6 / (π² k²): Σ α_k = α, so by the union
// bound the intervals of every look cover the true speed-up at once with probability ≥ 1 − α, however
// the looks decide when to stop (optional stopping). A patch is accepted when the low end is above the
// minimum gain (false-accept rate ≤ α/2) and rejected when the high end is below it. Pure functions.
import type { Interval } from '../core/index.js';

/** ln Γ(x), Lanczos approximation (g = 7, n = 9), |error| < 1e-13 for x > 0. */
function lnGamma(x: number): number {
  const c = [0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059,
    12.507343278686905, -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7];
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - lnGamma(1 - x);
  const z = x - 1;
  let a = c[0]!;
  const t = z + 7.5;
  for (let i = 1; i < 9; i++) a += c[i]! / (z + i);
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a);
}

/** Continued fraction of the regularized incomplete beta function (modified Lentz). */
function betaContinuedFraction(a: number, b: number, x: number): number {
  const tiny = 1e-300;
  let c = 1;
  let d = 1 - ((a + b) * x) / (a + 1);
  if (Math.abs(d) < tiny) d = tiny;
  d = 1 / d;
  let h = d;
  for (let m = 1; m <= 300; m++) {
    const m2 = 2 * m;
    let aa = (m * (b - m) * x) / ((a + m2 - 1) * (a + m2));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    h *= d * c;
    aa = (-(a + m) * (a + b + m) * x) / ((a + m2) * (a + m2 + 1));
    d = 1 + aa * d;
    if (Math.abs(d) < tiny) d = tiny;
    c = 1 + aa / c;
    if (Math.abs(c) < tiny) c = tiny;
    d = 1 / d;
    const del = d * c;
    h *= del;
    if (Math.abs(del - 1) < 1e-15) break;
  }
  return h;
}

/** Regularized incomplete beta I_x(a, b). */
export function incompleteBeta(x: number, a: number, b: number): number {
  if (x <= 0) return 0;
  if (x >= 1) return 1;
  const lnFront = lnGamma(a + b) - lnGamma(a) - lnGamma(b) + a * Math.log(x) + b * Math.log(1 - x);
  return x < (a + 1) / (a + b + 2)
    ? (Math.exp(lnFront) * betaContinuedFraction(a, b, x)) / a
    : 1 - (Math.exp(lnFront) * betaContinuedFraction(b, a, 1 - x)) / b;
}

/** P(T ≤ t) for Student's t with `df` degrees of freedom. */
export function tCdf(t: number, df: number): number {
  const tail = 0.5 * incompleteBeta(df / (df + t * t), df / 2, 0.5);
  return t >= 0 ? 1 - tail : tail;
}

/** The t with P(T ≤ t) = p (0 < p < 1), by bisection on tCdf (monotone); accurate to ~1e-10. */
export function tQuantile(p: number, df: number): number {
  if (!(p > 0 && p < 1)) throw new Error(`tQuantile: p must be in (0, 1), got ${p}`);
  if (p < 0.5) return -tQuantile(1 - p, df);
  let lo = 0;
  let hi = 1;
  while (tCdf(hi, df) < p) hi *= 2;
  for (let i = 0; i < 200 && hi - lo > 1e-10 * Math.max(1, hi); i++) {
    const mid = (lo + hi) / 2;
    if (tCdf(mid, df) < p) lo = mid;
    else hi = mid;
  }
  return (lo + hi) / 2;
}

export interface SequentialOptions {
  /** simultaneous error of the whole sequence (two-sided); the false-accept rate is at most alpha / 2. Default 0.05 */
  alpha?: number;
  /** pairs before the first look (at least 2); default 3 */
  minPairs?: number;
}

export const DEFAULT_ALPHA = 0.05;
export const DEFAULT_MIN_PAIRS = 3;

/** The error spent at look k (1-based): α · 6 / (π² k²); the sum over all looks is α. */
export function alphaAtLook(k: number, alpha = DEFAULT_ALPHA): number {
  if (k < 1) throw new Error('looks are counted from 1');
  return (alpha * 6) / (Math.PI * Math.PI * k * k);
}

export type SequentialDecision = 'accept' | 'reject' | 'continue';

export interface SequentialLook {
  /** look number (1 at minPairs pairs) */
  look: number;
  pairs: number;
  /** exp(mean ln ratio) − 1 */
  speedup: number;
  /** the confidence sequence at this look, in speed-up units; `level` is the simultaneous level 1 − α */
  interval: Interval;
  decision: SequentialDecision;
}

/** ln(baseline / candidate) per pair. */
export function logRatios(baselineMs: readonly number[], candidateMs: readonly number[]): number[] {
  if (baselineMs.length !== candidateMs.length) throw new Error('paired samples must have the same length');
  return baselineMs.map((b, i) => Math.log(b / candidateMs[i]!));
}

const criticalCache = new Map<string, number>();

/** t quantile of look `look` with `df` degrees of freedom (memoized: a trial asks for the same few). */
function criticalT(look: number, df: number, alpha: number): number {
  const key = `${look}:${df}:${alpha}`;
  let q = criticalCache.get(key);
  if (q === undefined) {
    q = tQuantile(1 - alphaAtLook(look, alpha) / 2, df);
    criticalCache.set(key, q);
  }
  return q;
}

/**
 * The confidence sequence after `d.length` pairs, with the decision against `minGain`. Null before the
 * first look (fewer than minPairs pairs). Looks are numbered by pair count, so a caller that skips a
 * look only loses power, never validity.
 */
export function sequentialLook(d: readonly number[], minGain: number, opts: SequentialOptions = {}): SequentialLook | null {
  const alpha = opts.alpha ?? DEFAULT_ALPHA;
  const minPairs = Math.max(2, opts.minPairs ?? DEFAULT_MIN_PAIRS);
  const n = d.length;
  if (n < minPairs) return null;
  const look = n - minPairs + 1;
  const mean = d.reduce((s, x) => s + x, 0) / n;
  const variance = d.reduce((s, x) => s + (x - mean) ** 2, 0) / (n - 1);
  const half = criticalT(look, n - 1, alpha) * Math.sqrt(variance / n);
  const interval: Interval = { low: Math.exp(mean - half) - 1, high: Math.exp(mean + half) - 1, level: 1 - alpha };
  const decision: SequentialDecision = interval.low > minGain ? 'accept' : interval.high < minGain ? 'reject' : 'continue';
  return { look, pairs: n, speedup: Math.exp(mean) - 1, interval, decision };
}
