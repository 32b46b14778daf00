// The lane index behind the timeline queries (timeline-tiles, slice-details, timeline-search): one lane per GPU
// stream (kernels, copies, memsets), one per NVTX nesting level of each thread, one per CPU thread with CUDA
// runtime calls, and one per nesting level of each thread's CPU ops and Python functions (Kineto cpu_op,
// python_function: the slices Perfetto and TensorBoard draw nested), and above a GPU stream that ran CUDA/HIP
// graph replays one band of them (one slice per replay, over its nodes in the stream below); in each lane the
// rows ascending by start in typed arrays. Built once per model (cached).
import type { ProfileModel } from '../../core/profile.js';
import { graphReplays } from '../graphs/replays.js';
import { DenseIndex, gpuOpsInOrder, nameOf, opName, rangeLabel, sortedOrder, startOrder } from './util.js';

/**
 * Source tables of a lane's rows: 0 kernel, 1 memcpy, 2 memset (OP_KERNEL…OP_MEMSET), 3 runtime, 4 NVTX, 5 CPU op /
 * Python function, 6 graph replay (the row is the replay's index in graphReplays(model).replays).
 */
export const OP_RUNTIME = 3;
export const OP_NVTX = 4;
export const OP_CPU = 5;
export const OP_GRAPH = 6;
export const TABLE_NAMES = ['kernel', 'memcpy', 'memset', 'runtime', 'nvtx', 'cpu', 'graph'] as const;
export type TableName = (typeof TABLE_NAMES)[number];

export type LaneKind = 'gpu-stream' | 'gpu-graph' | 'nvtx' | 'cpu-thread' | 'cpu-op';

export type LaneKey = [number, number] | [number, number, number];

export interface LaneIndex {
  /** "gpu0/stream7", "graph0/stream7" (the graph replays on that stream), "nvtx1234/5678/d0" (pid/tid/depth), "cpu1234/5678" (pid/tid) or "ops1234/5678/d3" (pid/tid/depth) */
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
  /** nesting depth per CPU-op / Python-function row, on its thread (ops and functions nest together) */
  cpuDepth: Int32Array;
}

const cache = new WeakMap<ProfileModel['kernels'], Lanes>();

/** Host lanes of one thread, top to bottom: its NVTX levels, its CUDA API calls, then its op/function levels. */
const HOST_ORDER: Record<Exclude<LaneKind, 'gpu-stream' | 'gpu-graph'>, number> = { nvtx: 0, 'cpu-thread': 1, 'cpu-op': 2 };

export function laneId(kind: LaneKind, key: number[]): string {
  if (kind === 'gpu-stream') return `gpu${key[0]}/stream${key[1]}`;
  if (kind === 'gpu-graph') return `graph${key[0]}/stream${key[1]}`;
  if (kind === 'nvtx') return `nvtx${key[0]}/${key[1]}/d${key[2]}`;
  if (kind === 'cpu-op') return `ops${key[0]}/${key[1]}/d${key[2]}`;
  return `cpu${key[0]}/${key[1]}`;
}

interface Spans {
  length: number;
  start: Float64Array;
  end: Float64Array;
  pid: Int32Array;
  tid: Int32Array;
}

/**
 * Nesting depth per row of a table of host spans, per thread: rows by start (ties: longer first) over a stack of
 * the spans still open; a row goes one level below the spans open at its start (those ending after it), so a
 * span inside another is one level deeper and, since a level is reused only once its span has ended, no two
 * spans of one level overlap, even where a trace's spans overlap without nesting. A zero-length mark sits
 * inside the spans open at it.
 */
export function nestingDepths(r: Spans): Int32Array {
  const depth = new Int32Array(r.length);
  const order = sortedOrder(r.start);
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
      const mark = r.end[i]! <= s;
      while (st.length) {
        const top = st[st.length - 1]!;
        const te = r.end[top]!;
        // open: ends after s; a mark at the instant a span closes is still inside it
        if (te > s || (mark && te === s && r.start[top]! < s)) break;
        st.pop();
      }
      depth[i] = st.length;
      st.push(i);
    }
    a = b;
  }
  return depth;
}

/** NVTX depth per row (nestingDepths of the NVTX table). */
export function nvtxDepths(model: ProfileModel): Int32Array {
  return nestingDepths(model.nvtx);
}

/** Whether the model's lanes have been built (a query on them is then cheap). */
export const lanesBuilt = (model: ProfileModel): boolean => cache.has(model.kernels);

/**
 * All lanes, rows ascending by start, in linear passes over cached start orders (GPU ops merged in time
 * order, runtime, NVTX and CPU rows by start): lane of each row, counts per lane, then typed arrays filled.
 */
export function buildLanes(model: ProfileModel): Lanes {
  const cached = cache.get(model.kernels);
  if (cached) return cached;
  const dense = new DenseIndex();
  const nestedKeys = new Map<string, number>();
  const kinds: LaneKind[] = [];
  const keys: LaneKey[] = [];
  const newLane = (kind: LaneKind, key: LaneKey) => {
    kinds.push(kind);
    keys.push(key);
    return kinds.length - 1;
  };
  const ops = gpuOpsInOrder(model);
  const rt = model.runtime;
  const nv = model.nvtx;
  const cpu = model.cpu;
  // visiting order: GPU ops in time order, then runtime, NVTX and CPU rows each in time order
  const orders = [rt, nv, cpu].map((t) => startOrder(t.start));
  const bases = [ops.length, ops.length + rt.length, ops.length + rt.length + nv.length];
  const n = bases[2]! + cpu.length;
  const nvtxDepth = nvtxDepths(model);
  const cpuDepth = nestingDepths(cpu);
  const gpuTables = [model.kernels, model.memcpy, model.memset];
  const starts = [model.kernels.start, model.memcpy.start, model.memset.start, rt.start, nv.start, cpu.start];
  const ends = [model.kernels.end, model.memcpy.end, model.memset.end, rt.end, nv.end, cpu.end];
  const tableAt = (i: number) => (i < bases[0]! ? ops.table[i]! : i < bases[1]! ? OP_RUNTIME : i < bases[2]! ? OP_NVTX : OP_CPU);
  const rowAt = (i: number) => (i < bases[0]! ? ops.row[i]! : orders[tableAt(i) - OP_RUNTIME]![i - bases[tableAt(i) - OP_RUNTIME]!]!);
  const laneOf = new Int32Array(n);
  const denseLane: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = tableAt(i);
    const r = rowAt(i);
    if (t === OP_NVTX || t === OP_CPU) {
      const [kind, tb, depth] = t === OP_NVTX ? ['nvtx' as const, nv, nvtxDepth] : ['cpu-op' as const, cpu, cpuDepth];
      const key: LaneKey = [tb.pid[r]!, tb.tid[r]!, depth[r]!];
      const k = `${kind}/${key.join('/')}`;
      let j = nestedKeys.get(k);
      if (j === undefined) nestedKeys.set(k, (j = newLane(kind, key)));
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
  lanes.push(...graphLanes(model));
  lanes.sort(cmpLanes);
  const out = { lanes, byId: new Map(lanes.map((l) => [l.id, l])), nvtxDepth, cpuDepth };
  cache.set(model.kernels, out);
  return out;
}

/** One band per GPU stream that ran graph replays: a row per replay, over the span of its nodes. */
function graphLanes(model: ProfileModel): LaneIndex[] {
  const byStream = new Map<string, number[]>();
  const { replays } = graphReplays(model);
  for (const r of replays) {
    if (r.deviceId < 0 || r.endNs < r.startNs) continue;
    const k = `${r.deviceId}/${r.streamId & 0xffffff}`;
    let l = byStream.get(k);
    if (!l) byStream.set(k, (l = []));
    l.push(r.index);
  }
  return [...byStream.values()].map((rows) => {
    rows.sort((a, b) => replays[a]!.startNs - replays[b]!.startNs || a - b);
    const key: LaneKey = [replays[rows[0]!]!.deviceId, replays[rows[0]!]!.streamId & 0xffffff];
    const L: LaneIndex = {
      id: laneId('gpu-graph', key), kind: 'gpu-graph', key, table: new Uint8Array(rows.length).fill(OP_GRAPH), row: Int32Array.from(rows),
      start: Float64Array.from(rows, (i) => replays[i]!.startNs), end: Float64Array.from(rows, (i) => replays[i]!.endNs), maxDur: 0,
    };
    for (let i = 0; i < rows.length; i++) L.maxDur = Math.max(L.maxDur, L.end[i]! - L.start[i]!);
    return L;
  });
}

const isGpu = (k: LaneKind) => k === 'gpu-stream' || k === 'gpu-graph';

/** GPU streams first (by device, stream; a stream's graph band right above it); then each host thread (by pid, tid) with its lanes in HOST_ORDER, levels by depth. */
function cmpLanes(a: LaneIndex, b: LaneIndex): number {
  const ga = isGpu(a.kind) ? 0 : 1;
  const gb = isGpu(b.kind) ? 0 : 1;
  if (ga !== gb) return ga - gb;
  const d = a.key[0] - b.key[0] || a.key[1] - b.key[1];
  if (d) return d;
  if (ga === 0) return (a.kind === 'gpu-graph' ? 0 : 1) - (b.kind === 'gpu-graph' ? 0 : 1);
  return HOST_ORDER[a.kind as keyof typeof HOST_ORDER] - HOST_ORDER[b.kind as keyof typeof HOST_ORDER] || (a.key[2] ?? 0) - (b.key[2] ?? 0);
}

/** Display name of a row of any lane table; a Python function as `fn · file.py:57` (the file's last part). */
export function eventName(model: ProfileModel, t: number, r: number): string {
  if (t === OP_GRAPH) {
    const rep = graphReplays(model).replays[r];
    if (!rep) return '';
    const n = rep.kernels.length;
    return `graph ${rep.graph} replay${n > 0 ? ` · ${n} kernel${n === 1 ? '' : 's'}` : ''}`;
  }
  if (t === OP_RUNTIME) return model.strings[model.runtime.nameId[r]!] ?? '';
  if (t === OP_NVTX) return rangeLabel(model, model.nvtx.textId[r]!);
  if (t === OP_CPU) {
    const c = model.cpu;
    const name = nameOf(model, c.nameId[r]!);
    const file = c.fileId[r]! >= 0 ? nameOf(model, c.fileId[r]!) : '';
    return file ? `${name} · ${file.slice(file.lastIndexOf('/') + 1)}:${c.line[r]!}` : name;
  }
  return opName(model, t, r);
}

/** The lane a row of a table sits in. */
export function laneOfRow(model: ProfileModel, t: number, r: number, lanes = buildLanes(model)): string {
  if (t === OP_GRAPH) {
    const rep = graphReplays(model).replays[r];
    return laneId('gpu-graph', [rep?.deviceId ?? -1, (rep?.streamId ?? -1) & 0xffffff]);
  }
  if (t === OP_RUNTIME) return laneId('cpu-thread', [model.runtime.pid[r]!, model.runtime.tid[r]! & 0xffffff]);
  if (t === OP_NVTX) return laneId('nvtx', [model.nvtx.pid[r]!, model.nvtx.tid[r]!, lanes.nvtxDepth[r]!]);
  if (t === OP_CPU) return laneId('cpu-op', [model.cpu.pid[r]!, model.cpu.tid[r]!, lanes.cpuDepth[r]!]);
  const tb = [model.kernels, model.memcpy, model.memset][t]!;
  return laneId('gpu-stream', [tb.deviceId[r]!, tb.streamId[r]! & 0xffffff]);
}
