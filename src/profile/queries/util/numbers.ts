// Numbers: units, rounding, percentiles, a bounded top-N.

export const NS_PER_US = 1e3;
export const NS_PER_MS = 1e6;

/** Round to `digits` decimals (for JSON output: ms with µs precision etc.). */
export function round(x: number, digits = 3): number {
  if (!Number.isFinite(x)) return 0;
  const f = 10 ** digits;
  return Math.round(x * f) / f;
}

export function nsToMs(ns: number): number {
  return round(ns / NS_PER_MS, 3);
}

/** Linear-interpolated percentile (numpy's default) of an ascending-sorted array; q in [0,100]. */
export function percentile(sorted: ArrayLike<number>, q: number): number {
  const n = sorted.length;
  if (n === 0) return 0;
  if (n === 1) return sorted[0]!;
  const pos = (Math.min(100, Math.max(0, q)) / 100) * (n - 1);
  const lo = Math.floor(pos);
  const hi = Math.min(n - 1, lo + 1);
  return sorted[lo]! + (sorted[hi]! - sorted[lo]!) * (pos - lo);
}

export interface Spread {
  count: number;
  mean: number;
  median: number;
  p90: number;
  min: number;
  max: number;
}

/** count/mean/median/p90/min/max of a list of values (copied and sorted). */
export function spread(values: ArrayLike<number>): Spread {
  const s = Float64Array.from(values as ArrayLike<number>).sort();
  let sum = 0;
  for (let i = 0; i < s.length; i++) sum += s[i]!;
  return {
    count: s.length,
    mean: s.length ? sum / s.length : 0,
    median: percentile(s, 50),
    p90: percentile(s, 90),
    min: s.length ? s[0]! : 0,
    max: s.length ? s[s.length - 1]! : 0,
  };
}


/** Keeps the `n` items with the largest score. */
export class TopN<T> {
  private items: Array<{ score: number; item: T }> = [];
  constructor(private readonly n: number) {}
  /** cheap pre-check before building the item */
  wants(score: number): boolean {
    return this.n > 0 && (this.items.length < this.n || score > this.items[this.items.length - 1]!.score);
  }
  add(score: number, item: T): void {
    if (!this.wants(score)) return;
    let i = this.items.length;
    while (i > 0 && this.items[i - 1]!.score < score) i--;
    this.items.splice(i, 0, { score, item });
    if (this.items.length > this.n) this.items.pop();
  }
  values(): T[] {
    return this.items.map((x) => x.item);
  }
}
