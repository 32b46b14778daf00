// Helpers shared by the profile queries: ordering, intervals, percentiles, name normalization,
// argument parsing. One function, one place. Pure; caches are keyed by the (immutable) model tables.
import { UserError } from '../../core/errors.js';
import type { ProfileModel } from '../../core/profile.js';

export const NS_PER_US = 1e3;
export const NS_PER_MS = 1e6;

/** Sorted, disjoint intervals [start[i], end[i]). */
export interface Intervals {
  length: number;
  start: Float64Array;
  end: Float64Array;
}

// ---------------------------------------------------------------- numbers

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

// ---------------------------------------------------------------- names

/** `cudaLaunchKernel_v7000` → `cudaLaunchKernel`; also drops `_ptsz`/`_ptds` per-thread-stream suffixes. */
export function stripApiSuffix(name: string): string {
  return name.replace(/_v\d+$/, '').replace(/_pt(sz|ds)$/, '');
}

export function nameOf(model: ProfileModel, id: number): string {
  return id >= 0 && id < model.strings.length ? model.strings[id]! : '';
}

const strippedCache = new WeakMap<ProfileModel['strings'], Map<number, string>>();
/** Interned name with the API version suffix stripped (memoized per string id). */
export function apiName(model: ProfileModel, id: number): string {
  let m = strippedCache.get(model.strings);
  if (!m) strippedCache.set(model.strings, (m = new Map()));
  let s = m.get(id);
  if (s === undefined) m.set(id, (s = stripApiSuffix(nameOf(model, id))));
  return s;
}

/** PyTorch's emit_nvtx appends ", seq = N, op_id = N, sizes = [...]" to op names: the op name alone. */
export function stripRangeArgs(text: string): string {
  const m = /^(.+?), (?:seq|op_id|sizes|input_op_ids|stream|stack)\s*=/.exec(text);
  return m ? m[1]! : text;
}

const labelCache = new WeakMap<ProfileModel['strings'], Map<number, string>>();
/** NVTX range text by string id without per-call arguments (memoized per string id), for aggregation by name. */
export function rangeLabel(model: ProfileModel, id: number): string {
  let m = labelCache.get(model.strings);
  if (!m) labelCache.set(model.strings, (m = new Map()));
  let s = m.get(id);
  if (s === undefined) m.set(id, (s = stripRangeArgs(nameOf(model, id))));
  return s;
}

/**
 * A per-string-id flag (1/0) for the names matching `test`, computed lazily: only the ids actually
 * looked up are tested, so a large string table costs nothing up front.
 */
export function nameFlags(model: ProfileModel, test: (name: string) => boolean): (id: number) => boolean {
  const flags = new Int8Array(model.strings.length); // 0 unknown, 1 yes, 2 no
  return (id: number) => {
    if (id < 0 || id >= flags.length) return false;
    let f = flags[id]!;
    if (f === 0) flags[id] = f = test(model.strings[id]!) ? 1 : 2;
    return f === 1;
  };
}

// ---------------------------------------------------------------- ordering

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

// ---------------------------------------------------------------- intervals

/** Union of the intervals [start[r], end[r]) over `order` (rows ascending by start). */
export function mergeIntervals(start: Float64Array, end: Float64Array, order: Int32Array): Intervals {
  const s = new Float64Array(order.length);
  const e = new Float64Array(order.length);
  let n = 0;
  for (let i = 0; i < order.length; i++) {
    const r = order[i]!;
    const a = start[r]!;
    const b = Math.max(a, end[r]!);
    if (n > 0 && a <= e[n - 1]!) {
      if (b > e[n - 1]!) e[n - 1] = b;
    } else {
      s[n] = a;
      e[n] = b;
      n++;
    }
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
    if (n > 0 && x <= e[n - 1]!) {
      if (y > e[n - 1]!) e[n - 1] = y;
    } else {
      s[n] = x;
      e[n] = y;
      n++;
    }
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

// ---------------------------------------------------------------- GPU activity

export function hasGpuActivity(model: ProfileModel): boolean {
  return model.kernels.length + model.memcpy.length + model.memset.length > 0;
}

/** For the GPU-only queries: a profile without kernels or copies is bad input (exit 2). */
export function requireGpu(model: ProfileModel, query: string): void {
  if (hasGpuActivity(model)) return;
  const found = Object.entries(model.meta.tables).filter(([, n]) => n > 0).map(([t]) => t);
  throw new UserError(
    `${query}: ${model.meta.source} has no GPU activity (no kernels or copies): ` +
      (found.length ? `it holds only ${found.slice(0, 6).join(', ')}` : 'it holds no events'),
  );
}

export interface DeviceBusy {
  deviceId: number;
  /** union of kernels, copies and memsets on the device */
  busy: Intervals;
  /** union of kernels only */
  kernels: Intervals;
}

const busyCache = new WeakMap<ProfileModel['kernels'], DeviceBusy[]>();

/** Per-device busy intervals (kernels ∪ memcpy ∪ memset), ascending device id. Cached per model. */
export function deviceBusy(model: ProfileModel): DeviceBusy[] {
  const cached = busyCache.get(model.kernels);
  if (cached) return cached;
  const { kernels: kt, memcpy: ct, memset: st } = model;
  const k = mergeByDevice(kt.start, kt.end, kt.deviceId, startOrder(kt.start));
  const c = mergeByDevice(ct.start, ct.end, ct.deviceId, startOrder(ct.start));
  const s = mergeByDevice(st.start, st.end, st.deviceId, startOrder(st.start));
  const devices = [...new Set([...k.keys(), ...c.keys(), ...s.keys()])].sort((a, b) => a - b);
  const none: Intervals = { length: 0, start: new Float64Array(0), end: new Float64Array(0) };
  const out = devices.map((deviceId): DeviceBusy => {
    const kernels = k.get(deviceId) ?? none;
    const busy = unionIntervals(unionIntervals(kernels, c.get(deviceId) ?? none), s.get(deviceId) ?? none);
    return { deviceId, busy, kernels };
  });
  busyCache.set(model.kernels, out);
  return out;
}

const orderCache = new WeakMap<Float64Array, Int32Array>();

/** All rows of a table ascending by start (cached per column; identity when the table is sorted). */
export function startOrder(start: Float64Array): Int32Array {
  let o = orderCache.get(start);
  if (!o) orderCache.set(start, (o = sortedOrder(start)));
  return o;
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

/** For each pid that issued GPU work: the device where it ran the most kernels and copies. */
export function primaryDeviceByPid(model: ProfileModel): Map<number, number> {
  const pairs = new DenseIndex();
  const counts: number[] = [];
  for (const t of [model.kernels, model.memcpy]) {
    const pid = t.pid;
    const dev = t.deviceId;
    for (let i = 0, n = t.length; i < n; i++) {
      const k = pairs.of(pid[i]! * 65536 + dev[i]! + 32768);
      counts[k] = (counts[k] ?? 0) + 1;
    }
  }
  const best = new Map<number, [number, number]>();
  pairs.keys.forEach((key, k) => {
    const pid = Math.floor(key / 65536);
    const dev = key - pid * 65536 - 32768;
    const b = best.get(pid);
    if (!b || counts[k]! > b[1]) best.set(pid, [dev, counts[k]!]);
  });
  return new Map([...best].map(([pid, [dev]]) => [pid, dev]));
}

// ---------------------------------------------------------------- correlation

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

// ---------------------------------------------------------------- arguments

export function numArg(args: Record<string, unknown>, name: string, dflt: number): number {
  const v = args[name];
  if (v === undefined || v === null || v === '') return dflt;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw new UserError(`--${kebab(name)} must be a number, got "${String(v)}"`);
  return n;
}

export function intArg(args: Record<string, unknown>, name: string, dflt: number, min = 0): number {
  const n = numArg(args, name, dflt);
  if (!Number.isInteger(n) || n < min) throw new UserError(`--${kebab(name)} must be an integer >= ${min}, got "${String(args[name])}"`);
  return n;
}

export function strArg(args: Record<string, unknown>, name: string): string | undefined {
  const v = args[name];
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The `limit` parameter every query takes. */
export const LIMIT_PARAM = { name: 'limit', type: 'number', description: 'maximum rows returned', default: 20 } as const;

// ---------------------------------------------------------------- all GPU work in time order

export const OP_KERNEL = 0;
export const OP_MEMCPY = 1;
export const OP_MEMSET = 2;

/** Every kernel, copy and memset, ascending by start: table (OP_*) and row. */
export interface GpuOps {
  length: number;
  table: Uint8Array;
  row: Int32Array;
}

const opsCache = new WeakMap<ProfileModel['kernels'], GpuOps>();

export function gpuOpsInOrder(model: ProfileModel): GpuOps {
  const cached = opsCache.get(model.kernels);
  if (cached) return cached;
  const tables = [model.kernels, model.memcpy, model.memset];
  const starts = tables.map((t) => t.start);
  const orders = tables.map((t) => startOrder(t.start));
  const lens = tables.map((t) => t.length);
  const n = lens[0]! + lens[1]! + lens[2]!;
  const table = new Uint8Array(n);
  const row = new Int32Array(n);
  const at = [0, 0, 0];
  // next start of each table (Infinity when exhausted)
  const head = [0, 1, 2].map((t) => (lens[t]! > 0 ? starts[t]![orders[t]![0]!]! : Infinity));
  for (let i = 0; i < n; i++) {
    const best = head[0]! <= head[1]! ? (head[0]! <= head[2]! ? 0 : 2) : head[1]! <= head[2]! ? 1 : 2;
    const o = orders[best]!;
    const a = at[best]!;
    table[i] = best;
    row[i] = o[a]!;
    at[best] = a + 1;
    head[best] = a + 1 < lens[best]! ? starts[best]![o[a + 1]!]! : Infinity;
  }
  const ops = { length: n, table, row };
  opsCache.set(model.kernels, ops);
  return ops;
}

/** Short display name of a GPU op: kernel name, or "memcpy HtoD" / "memset". */
export function opName(model: ProfileModel, table: number, row: number): string {
  if (table === OP_KERNEL) return nameOf(model, model.kernels.nameId[row]!);
  if (table === OP_MEMCPY) return `memcpy ${COPY_KIND_NAMES[model.memcpy.copyKind[row]!] ?? 'Unknown'}`;
  return 'memset';
}

export const COPY_KIND_NAMES = ['Unknown', 'HtoD', 'DtoH', 'DtoD', 'HtoH', 'PtoP'];
export const MEM_KIND_NAMES = ['Unknown', 'Pageable', 'Pinned', 'Device', 'Array', 'Managed'];

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
