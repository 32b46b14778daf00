// Interval sets on sorted typed arrays: merge, union, intersection, overlap, per-device merge in one pass.
import { DenseIndex, lastAtOrBefore } from './order.js';

/** Sorted, disjoint intervals [start[i], end[i]). */
export interface Intervals {
  length: number;
  start: Float64Array;
  end: Float64Array;
}

/**
 * Appends [a, b) to the first `n` intervals of s/e — a is at or after the last start — merging it into the last
 * interval when they overlap or touch; returns the new count.
 */
function appendMerged(s: Float64Array, e: Float64Array, n: number, a: number, b: number): number {
  if (n > 0 && a <= e[n - 1]!) {
    if (b > e[n - 1]!) e[n - 1] = b;
    return n;
  }
  s[n] = a;
  e[n] = b;
  return n + 1;
}

/** Union of the intervals [start[r], end[r]) over `order` (rows ascending by start). */
export function mergeIntervals(start: Float64Array, end: Float64Array, order: Int32Array): Intervals {
  const s = new Float64Array(order.length);
  const e = new Float64Array(order.length);
  let n = 0;
  for (let i = 0; i < order.length; i++) {
    const r = order[i]!;
    const a = start[r]!;
    n = appendMerged(s, e, n, a, Math.max(a, end[r]!));
  }
  return { length: n, start: s.subarray(0, n), end: e.subarray(0, n) };
}

/** Union of two interval sets. */
export function unionIntervals(a: Intervals, b: Intervals): Intervals {
  if (b.length === 0) return a;
  if (a.length === 0) return b;
  const s = new Float64Array(a.length + b.length);
  const e = new Float64Array(a.length + b.length);
  let i = 0;
  let j = 0;
  let n = 0;
  while (i < a.length || j < b.length) {
    let x: number;
    let y: number;
    if (j >= b.length || (i < a.length && a.start[i]! <= b.start[j]!)) {
      x = a.start[i]!;
      y = a.end[i++]!;
    } else {
      x = b.start[j]!;
      y = b.end[j++]!;
    }
    n = appendMerged(s, e, n, x, y);
  }
  return { length: n, start: s.subarray(0, n), end: e.subarray(0, n) };
}

export function totalLength(iv: Intervals): number {
  let t = 0;
  for (let i = 0; i < iv.length; i++) t += iv.end[i]! - iv.start[i]!;
  return t;
}

/** Length of the overlap of [a, b) with the interval set. */
export function overlapLength(iv: Intervals, a: number, b: number): number {
  if (b <= a || iv.length === 0) return 0;
  let k = lastAtOrBefore(iv.start, a, iv.length);
  if (k < 0) k = 0;
  let t = 0;
  for (; k < iv.length && iv.start[k]! < b; k++) {
    const lo = Math.max(a, iv.start[k]!);
    const hi = Math.min(b, iv.end[k]!);
    if (hi > lo) t += hi - lo;
  }
  return t;
}

/** Total overlap between two interval sets (one merge pass). */
export function intersectLength(a: Intervals, b: Intervals): number {
  let i = 0;
  let j = 0;
  let t = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a.start[i]!, b.start[j]!);
    const hi = Math.min(a.end[i]!, b.end[j]!);
    if (hi > lo) t += hi - lo;
    if (a.end[i]! < b.end[j]!) i++;
    else j++;
  }
  return t;
}

/** Start of the first interval that begins at or after t (Infinity when none). */
export function nextStartAfter(iv: Intervals, t: number): number {
  const k = lastAtOrBefore(iv.start, t, iv.length);
  if (k >= 0 && iv.start[k]! === t) return t;
  return k + 1 < iv.length ? iv.start[k + 1]! : Infinity;
}

/** true when t lies inside an interval of the set. */
export function covers(iv: Intervals, t: number): boolean {
  const k = lastAtOrBefore(iv.start, t, iv.length);
  return k >= 0 && iv.end[k]! > t;
}


/** Grows two parallel Float64Arrays of [start, end) pairs, merging overlaps as they come in start order. */
class IntervalBuilder {
  start = new Float64Array(64);
  end = new Float64Array(64);
  length = 0;
  add(a: number, b: number): void {
    const n = this.length;
    if (n > 0 && a <= this.end[n - 1]!) {
      if (b > this.end[n - 1]!) this.end[n - 1] = b;
      return;
    }
    if (n === this.start.length) {
      const s = new Float64Array(n * 2);
      const e = new Float64Array(n * 2);
      s.set(this.start);
      e.set(this.end);
      this.start = s;
      this.end = e;
    }
    this.start[n] = a;
    this.end[n] = Math.max(a, b);
    this.length = n + 1;
  }
  build(): Intervals {
    return { length: this.length, start: this.start.subarray(0, this.length), end: this.end.subarray(0, this.length) };
  }
}

/**
 * Per-device union of [start, end) over `order` (rows ascending by start), in one pass; rows for which
 * `skip(row)` is true are left out.
 */
export function mergeByDevice(
  start: Float64Array, end: Float64Array, deviceId: Int32Array, order: Int32Array, skip?: (row: number) => boolean,
): Map<number, Intervals> {
  const dense = new DenseIndex();
  const builders: IntervalBuilder[] = [];
  for (let i = 0, n = order.length; i < n; i++) {
    const r = order[i]!;
    if (skip && skip(r)) continue;
    const d = dense.of(deviceId[r]!);
    (builders[d] ??= new IntervalBuilder()).add(start[r]!, end[r]!);
  }
  return new Map(dense.keys.map((dev, j) => [dev, (builders[j] ?? new IntervalBuilder()).build()]));
}
