// The lane index behind the timeline queries (timeline-tiles, slice-details, timeline-search): one lane per GPU
// stream (kernels, copies, memsets), one per NVTX nesting level of each thread, one per CPU thread with CUDA
// runtime calls; in each lane the rows ascending by start in typed arrays. Built once per model (cached).
import type { ProfileModel } from '../../core/profile.js';
import { DenseIndex, gpuOpsInOrder, opName, rangeLabel, sortedOrder, startOrder } from './util.js';

/** Source tables of a lane's rows: 0 kernel, 1 memcpy, 2 memset (OP_KERNEL…OP_MEMSET), 3 runtime, 4 NVTX. */
export const OP_RUNTIME = 3;
export const OP_NVTX = 4;
export const TABLE_NAMES = ['kernel', 'memcpy', 'memset', 'runtime', 'nvtx'] as const;
export type TableName = (typeof TABLE_NAMES)[number];

export type LaneKind = 'gpu-stream' | 'nvtx' | 'cpu-thread';

export type LaneKey = [number, number] | [number, number, number];

export interface LaneIndex {
  /** "gpu0/stream7", "nvtx1234/5678/d0" (pid/tid/depth) or "cpu1234/5678" (pid/tid) */
  id: string;
  kind: LaneKind;
  /** [device, stream] | [pid, tid, depth] | [pid, tid] */
  key: LaneKey;
  table: Uint8Array;
  row: Int32Array;
  start: Float64Array;
  end: Float64Array;
  /** longest event: a window query looks back this far for events begun before it */
  maxDur: number;
}

export interface Lanes {
  lanes: LaneIndex[];
  byId: Map<string, LaneIndex>;
  /** NVTX nesting depth per NVTX row (by time containment on its thread, 0 = outermost) */
  nvtxDepth: Int32Array;
}

const cache = new WeakMap<ProfileModel['kernels'], Lanes>();

const KIND_ORDER: Record<LaneKind, number> = { 'gpu-stream': 0, nvtx: 1, 'cpu-thread': 2 };

export function laneId(kind: LaneKind, key: number[]): string {
  if (kind === 'gpu-stream') return `gpu${key[0]}/stream${key[1]}`;
  if (kind === 'nvtx') return `nvtx${key[0]}/${key[1]}/d${key[2]}`;
  return `cpu${key[0]}/${key[1]}`;
}

/**
 * NVTX depth per row: per thread, rows by start (ties: longer first), a stack of open ranges; a range is
 * nested in the top of the stack when it ends no later than the top. A mark sits inside the ranges open at it.
 */
export function nvtxDepths(model: ProfileModel): Int32Array {
  const r = model.nvtx;
  const depth = new Int32Array(r.length);
  const order = sortedOrder(r.start);
  // stable by start; resolve equal starts (longer first) per thread while scanning
  const stacks = new Map<number, number[]>();
  const threadKey = (i: number) => r.pid[i]! * 2 ** 24 + (r.tid[i]! & 0xffffff);
  for (let a = 0; a < order.length;) {
    let b = a + 1;
    while (b < order.length && r.start[order[b]!] === r.start[order[a]!]) b++;
    const group = Array.from(order.subarray(a, b)).sort((x, y) => r.end[y]! - r.end[x]!);
    for (const i of group) {
      const k = threadKey(i);
      let st = stacks.get(k);
      if (!st) stacks.set(k, (st = []));
      const s = r.start[i]!;
      const e = r.end[i]!;
      // the stack holds ranges begun at or before s: nested when the top ends no earlier than this one
      while (st.length && r.end[st[st.length - 1]!]! < e) st.pop();
      depth[i] = st.length;
      if (e > s) st.push(i);
    }
    a = b;
  }
  return depth;
}

/**
 * All lanes, rows ascending by start, in linear passes over cached start orders (GPU ops merged in time
 * order, runtime and NVTX rows by start): lane of each row, counts per lane, then typed arrays filled.
 */
export function buildLanes(model: ProfileModel): Lanes {
  const cached = cache.get(model.kernels);
  if (cached) return cached;
  const dense = new DenseIndex();
  const nvtxKeys = new Map<string, number>();
  const kinds: LaneKind[] = [];
  const keys: LaneKey[] = [];
  const newLane = (kind: LaneKind, key: LaneKey) => {
    kinds.push(kind);
    keys.push(key);
    return kinds.length - 1;
  };
  const ops = gpuOpsInOrder(model);
  const rt = model.runtime;
  const rtOrder = startOrder(rt.start);
  const nv = model.nvtx;
  const nvOrder = startOrder(nv.start);
  const nvtxDepth = nvtxDepths(model);
  const gpuTables = [model.kernels, model.memcpy, model.memset];
  const starts = [model.kernels.start, model.memcpy.start, model.memset.start, rt.start, nv.start];
  const ends = [model.kernels.end, model.memcpy.end, model.memset.end, rt.end, nv.end];
  const n = ops.length + rt.length + nv.length;
  // visiting order: GPU ops in time order, runtime rows in time order, NVTX rows in time order
  const tableAt = (i: number) => (i < ops.length ? ops.table[i]! : i < ops.length + rt.length ? OP_RUNTIME : OP_NVTX);
  const rowAt = (i: number) => (i < ops.length ? ops.row[i]! : i < ops.length + rt.length ? rtOrder[i - ops.length]! : nvOrder[i - ops.length - rt.length]!);
  const laneOf = new Int32Array(n);
  const denseLane: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = tableAt(i);
    const r = rowAt(i);
    if (t === OP_NVTX) {
      const key: LaneKey = [nv.pid[r]!, nv.tid[r]!, nvtxDepth[r]!];
      const k = key.join('/');
      let j = nvtxKeys.get(k);
      if (j === undefined) nvtxKeys.set(k, (j = newLane('nvtx', key)));
      laneOf[i] = j;
      continue;
    }
    const [kind, a, b] = t === OP_RUNTIME
      ? ['cpu-thread' as const, rt.pid[r]!, rt.tid[r]! & 0xffffff]
      : ['gpu-stream' as const, gpuTables[t]!.deviceId[r]!, gpuTables[t]!.streamId[r]! & 0xffffff];
    const d = dense.of((kind === 'gpu-stream' ? 0 : 1) * 2 ** 52 + a * 2 ** 24 + b);
    if (d === denseLane.length) denseLane.push(newLane(kind, [a, b]));
    laneOf[i] = denseLane[d]!;
  }
  const counts = new Int32Array(kinds.length);
  for (let i = 0; i < n; i++) counts[laneOf[i]!]!++;
  const lanes: LaneIndex[] = kinds.map((kind, j) => ({
    id: laneId(kind, keys[j]!), kind, key: keys[j]!,
    table: new Uint8Array(counts[j]!), row: new Int32Array(counts[j]!),
    start: new Float64Array(counts[j]!), end: new Float64Array(counts[j]!), maxDur: 0,
  }));
  const fill = new Int32Array(kinds.length);
  for (let i = 0; i < n; i++) {
    const j = laneOf[i]!;
    const L = lanes[j]!;
    const p = fill[j]!++;
    const t = tableAt(i);
    const r = rowAt(i);
    const s = starts[t]![r]!;
    const e = ends[t]![r]!;
    L.table[p] = t;
    L.row[p] = r;
    L.start[p] = s;
    L.end[p] = e;
    if (e - s > L.maxDur) L.maxDur = e - s;
  }
  lanes.sort((a, b) => KIND_ORDER[a.kind] - KIND_ORDER[b.kind] || cmpKeys(a.key, b.key));
  const out = { lanes, byId: new Map(lanes.map((l) => [l.id, l])), nvtxDepth };
  cache.set(model.kernels, out);
  return out;
}

function cmpKeys(a: LaneKey, b: LaneKey): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! - b[i]!;
  return 0;
}

/** First index with a[i] >= x. */
export function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** Display name of a row of any lane table. */
export function eventName(model: ProfileModel, t: number, r: number): string {
  if (t === OP_RUNTIME) return model.strings[model.runtime.nameId[r]!] ?? '';
  if (t === OP_NVTX) return rangeLabel(model, model.nvtx.textId[r]!);
  return opName(model, t, r);
}

/** The lane a row of a table sits in. */
export function laneOfRow(model: ProfileModel, t: number, r: number, lanes = buildLanes(model)): string {
  if (t === OP_RUNTIME) return laneId('cpu-thread', [model.runtime.pid[r]!, model.runtime.tid[r]! & 0xffffff]);
  if (t === OP_NVTX) return laneId('nvtx', [model.nvtx.pid[r]!, model.nvtx.tid[r]!, lanes.nvtxDepth[r]!]);
  const tb = [model.kernels, model.memcpy, model.memset][t]!;
  return laneId('gpu-stream', [tb.deviceId[r]!, tb.streamId[r]! & 0xffffff]);
}
