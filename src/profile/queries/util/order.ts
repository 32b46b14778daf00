// Ordering: stable sort of rows by a time column, dense ids, binary search, correlation-id joins.
import type { ProfileModel } from '../../../core/profile.js';

/** true when `key` is non-decreasing over `rows` (or over all rows). */
export function isSorted(key: Float64Array, rows?: Int32Array): boolean {
  const n = rows ? rows.length : key.length;
  let prev = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = key[rows ? rows[i]! : i]!;
    if (v < prev) return false;
    prev = v;
  }
  return true;
}

/**
 * Row indices ordered by `key` (stable), optionally restricted to `rows`. Already-sorted input costs one
 * pass; otherwise an LSD radix sort on the integer part of key − min (timestamps in ns), linear in size.
 */
export function sortedOrder(key: Float64Array, rows?: Int32Array): Int32Array {
  const n = rows ? rows.length : key.length;
  const idx = rows ? rows.slice() : new Int32Array(n);
  if (!rows) for (let i = 0; i < n; i++) idx[i] = i;
  if (isSorted(key, idx)) return idx;
  let min = Infinity;
  let max = -Infinity;
  for (let i = 0; i < n; i++) {
    const v = key[idx[i]!]!;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  const hasFraction = (() => {
    for (let i = 0; i < n; i++) if (!Number.isInteger(key[idx[i]!]!)) return true;
    return false;
  })();
  if (hasFraction || max - min > Number.MAX_SAFE_INTEGER) {
    return idx.sort((a, b) => key[a]! - key[b]! || a - b);
  }
  const RADIX = 2048;
  let src = idx;
  let dst = new Int32Array(n);
  const counts = new Int32Array(RADIX);
  for (let div = 1; div <= max - min; div *= RADIX) {
    counts.fill(0);
    for (let i = 0; i < n; i++) counts[Math.floor((key[src[i]!]! - min) / div) % RADIX]!++;
    let sum = 0;
    for (let d = 0; d < RADIX; d++) {
      const c = counts[d]!;
      counts[d] = sum;
      sum += c;
    }
    for (let i = 0; i < n; i++) {
      const r = src[i]!;
      dst[counts[Math.floor((key[r]! - min) / div) % RADIX]!++] = r;
    }
    [src, dst] = [dst, src];
  }
  return src;
}

/** Maps a few distinct integer keys (devices, streams, pids) to dense indices 0..n-1; fast on runs of one key. */
export class DenseIndex {
  readonly keys: number[] = [];
  private readonly map = new Map<number, number>();
  private lastKey = NaN;
  private lastIdx = -1;
  of(key: number): number {
    if (key === this.lastKey) return this.lastIdx;
    let i = this.map.get(key);
    if (i === undefined) {
      i = this.keys.length;
      this.keys.push(key);
      this.map.set(key, i);
    }
    this.lastKey = key;
    this.lastIdx = i;
    return i;
  }
  get size(): number {
    return this.keys.length;
  }
}

/** Rows of a table grouped by device id: deviceId → row indices (ascending row order). Two passes, no per-row allocation. */
export function rowsByDevice(deviceId: Int32Array, length: number): Map<number, Int32Array> {
  const dense = new DenseIndex();
  const slot = new Int32Array(length);
  const counts: number[] = [];
  for (let i = 0; i < length; i++) {
    const k = dense.of(deviceId[i]!);
    slot[i] = k;
    counts[k] = (counts[k] ?? 0) + 1;
  }
  const lists = counts.map((c) => new Int32Array(c));
  const fill = new Int32Array(counts.length);
  for (let i = 0; i < length; i++) {
    const k = slot[i]!;
    lists[k]![fill[k]!++] = i;
  }
  return new Map(dense.keys.map((d, k) => [d, lists[k]!]));
}

/**
 * The Python frames (cpu rows of kind 1) of each thread, keyed `pid:tid`, ascending by start and, among frames that
 * start together, outermost first: the order containment searches walk.
 */
export function pythonFramesByThread(model: ProfileModel): Map<string, number[]> {
  const c = model.cpu;
  const byThread = new Map<string, number[]>();
  for (let i = 0; i < c.length; i++) {
    if (c.kind[i] !== 1) continue;
    const key = `${c.pid[i]}:${c.tid[i]}`;
    let rows = byThread.get(key);
    if (!rows) byThread.set(key, (rows = []));
    rows.push(i);
  }
  for (const rows of byThread.values()) rows.sort((x, y) => c.start[x]! - c.start[y]! || c.end[y]! - c.end[x]!);
  return byThread;
}

/** First index of ascending `a` with a[i] >= x (a.length when none). */
export function lowerBound(a: ArrayLike<number>, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Index of the last element of ascending `a` that is <= x (-1 when none). */
export function lastAtOrBefore(a: Float64Array, x: number, length = a.length): number {
  let lo = 0;
  let hi = length - 1;
  let ans = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! <= x) {
      ans = mid;
      lo = mid + 1;
    } else hi = mid - 1;
  }
  return ans;
}


const orderCache = new WeakMap<Float64Array, Int32Array>();

/** All rows of a table ascending by start (cached per column; identity when the table is sorted). */
export function startOrder(start: Float64Array): Int32Array {
  let o = orderCache.get(start);
  if (!o) orderCache.set(start, (o = sortedOrder(start)));
  return o;
}


export interface CorrelationIndex {
  /** correlation ids, ascending */
  ids: Float64Array;
  /** row in the table for ids[i] */
  rows: Int32Array;
  /** the table's pid column: correlation ids are unique per process only */
  pid: Int32Array;
}

const corrCache = new WeakMap<Float64Array, CorrelationIndex>();

/** Sorted index over a table's correlationId column (rows with id < 0 left out). Cached per column. */
export function correlationIndex(table: { correlationId: Float64Array; pid: Int32Array; length: number }): CorrelationIndex {
  const { correlationId, length } = table;
  const cached = corrCache.get(correlationId);
  if (cached) return cached;
  let n = 0;
  for (let i = 0; i < length; i++) if (correlationId[i]! >= 0) n++;
  const rows = new Int32Array(n);
  n = 0;
  for (let i = 0; i < length; i++) if (correlationId[i]! >= 0) rows[n++] = i;
  const order = sortedOrder(correlationId, rows);
  const ids = new Float64Array(order.length);
  for (let i = 0; i < order.length; i++) ids[i] = correlationId[order[i]!]!;
  const idx = { ids, rows: order, pid: table.pid };
  corrCache.set(correlationId, idx);
  return idx;
}

/**
 * Row with this correlation id, or -1. When several processes used the same id, the row of `pid` wins
 * (else the first); Kineto traces, whose GPU rows carry a device pid, still join on the id alone.
 */
export function lookupCorrelation(idx: CorrelationIndex, id: number, pid = -1): number {
  if (id < 0) return -1;
  let k = lastAtOrBefore(idx.ids, id);
  if (k < 0 || idx.ids[k] !== id) return -1;
  if (pid < 0 || k === 0 || idx.ids[k - 1] !== id) return idx.rows[k]!;
  for (let j = k; j >= 0 && idx.ids[j] === id; j--) {
    if (idx.pid[idx.rows[j]!] === pid) return idx.rows[j]!;
    k = j;
  }
  return idx.rows[k]!;
}

/**
 * Joins a small table (copies, sync rows) to its runtime calls by correlation id, keeping only calls that pass
 * `isApi` (a test on the call's name id): one scan over the runtime table, memory proportional to the small
 * table. When ids repeat across processes the call of the row's own pid wins. Returns, per row of `table`, the
 * runtime row or -1.
 */
export function runtimeRowsFor(
  model: ProfileModel,
  table: { correlationId: Float64Array; pid: Int32Array; length: number },
  isApi: (nameId: number) => boolean,
): Int32Array {
  const out = new Int32Array(table.length).fill(-1);
  const byCorr = new Map<number, number | number[]>();
  const { correlationId: tCorr, pid: tPid } = table;
  for (let i = 0, n = table.length; i < n; i++) {
    const c = tCorr[i]!;
    if (c < 0) continue;
    const v = byCorr.get(c);
    byCorr.set(c, v === undefined ? i : Array.isArray(v) ? [...v, i] : [v, i]);
  }
  if (byCorr.size === 0) return out;
  const { correlationId: rCorr, pid: rPid, nameId } = model.runtime;
  for (let r = 0, n = model.runtime.length; r < n; r++) {
    if (!isApi(nameId[r]!)) continue;
    const v = byCorr.get(rCorr[r]!);
    if (v === undefined) continue;
    for (const i of Array.isArray(v) ? v : [v]) {
      const cur = out[i]!;
      if (cur < 0 || (rPid[r] === tPid[i] && rPid[cur] !== tPid[i])) out[i] = r;
    }
  }
  return out;
}
