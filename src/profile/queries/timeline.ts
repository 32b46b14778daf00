// timeline-tiles: the level-of-detail view of a time window for the dashboard's timeline. One lane per GPU
// stream (kernels, copies, memsets) and one per CPU thread with CUDA runtime calls; in each lane the events in
// the window are merged so that consecutive merged slices start at least one pixel apart — at most
// pixels slices per lane whatever the zoom, each with its event count and busy time. A slice of one event
// keeps its table and row so the UI can ask for its details.
import { UserError } from '../../core/errors.js';
import type { ProfileModel } from '../../core/profile.js';
import { table as fmtTable } from './format.js';
import type { QueryDef } from './registry.js';
import {
  DenseIndex, LIMIT_PARAM, gpuOpsInOrder, intArg, numArg, opName, startOrder, strArg,
} from './util.js';

export const OP_RUNTIME = 3;

export interface TileSlice {
  startNs: number;
  endNs: number;
  /** events merged into this slice */
  count: number;
  /** sum of the events' durations */
  busyNs: number;
  /** name of the longest event in the slice */
  name: string;
  /** for count === 1: the source table (0 kernel, 1 memcpy, 2 memset, 3 runtime) and row */
  table?: number;
  row?: number;
}

export interface TileLane {
  /** "gpu0/stream7" or "cpu1234/5678" */
  id: string;
  kind: 'gpu-stream' | 'cpu-thread';
  deviceId?: number;
  streamId?: number;
  pid?: number;
  tid?: number;
  /** events overlapping the window */
  events: number;
  slices: TileSlice[];
}

export interface TimelineTiles {
  startNs: number;
  endNs: number;
  pixels: number;
  nsPerPixel: number;
  lanes: TileLane[];
}

interface LaneIndex {
  id: string;
  kind: TileLane['kind'];
  key: [number, number];
  /** packed (table << 28 | row) is not enough for big tables: parallel arrays instead, ascending start */
  table: Uint8Array;
  row: Int32Array;
  start: Float64Array;
  end: Float64Array;
  maxDur: number;
}

const laneCache = new WeakMap<ProfileModel['kernels'], LaneIndex[]>();

/**
 * Per-lane rows ascending by start, in two linear passes over the cached start orders (all GPU ops merged in
 * time order; runtime rows by start): count per lane, then fill typed arrays. No comparison sort.
 */
function buildLanes(model: ProfileModel): LaneIndex[] {
  const cached = laneCache.get(model.kernels);
  if (cached) return cached;
  const dense = new DenseIndex();
  const kinds: Array<TileLane['kind']> = [];
  const keys: Array<[number, number]> = [];
  const ops = gpuOpsInOrder(model);
  const rt = model.runtime;
  const rtOrder = startOrder(rt.start);
  const gpuTables = [model.kernels, model.memcpy, model.memset];
  const starts = [model.kernels.start, model.memcpy.start, model.memset.start, rt.start];
  const ends = [model.kernels.end, model.memcpy.end, model.memset.end, rt.end];
  const n = ops.length + rt.length;
  // lane of each event, in visiting order (GPU ops in time order, then runtime rows in time order)
  const laneOf = new Int32Array(n);
  const laneId = (kind: TileLane['kind'], a: number, b: number) => {
    const j = dense.of((kind === 'gpu-stream' ? 0 : 1) * 2 ** 52 + a * 2 ** 24 + b);
    if (j === kinds.length) [kinds[j], keys[j]] = [kind, [a, b]];
    return j;
  };
  for (let i = 0; i < ops.length; i++) {
    const tb = gpuTables[ops.table[i]!]!;
    const r = ops.row[i]!;
    laneOf[i] = laneId('gpu-stream', tb.deviceId[r]!, tb.streamId[r]! & 0xffffff);
  }
  for (let i = 0; i < rt.length; i++) {
    const r = rtOrder[i]!;
    laneOf[ops.length + i] = laneId('cpu-thread', rt.pid[r]!, rt.tid[r]! & 0xffffff);
  }
  const counts = new Int32Array(kinds.length);
  for (let i = 0; i < n; i++) counts[laneOf[i]!]!++;
  const lanes: LaneIndex[] = kinds.map((kind, j) => ({
    id: kind === 'gpu-stream' ? `gpu${keys[j]![0]}/stream${keys[j]![1]}` : `cpu${keys[j]![0]}/${keys[j]![1]}`,
    kind, key: keys[j]!,
    table: new Uint8Array(counts[j]!), row: new Int32Array(counts[j]!), start: new Float64Array(counts[j]!), end: new Float64Array(counts[j]!), maxDur: 0,
  }));
  const fill = new Int32Array(kinds.length);
  for (let i = 0; i < n; i++) {
    const j = laneOf[i]!;
    const L = lanes[j]!;
    const p = fill[j]!++;
    const t = i < ops.length ? ops.table[i]! : OP_RUNTIME;
    const r = i < ops.length ? ops.row[i]! : rtOrder[i - ops.length]!;
    const s = starts[t]![r]!;
    const e = ends[t]![r]!;
    L.table[p] = t;
    L.row[p] = r;
    L.start[p] = s;
    L.end[p] = e;
    if (e - s > L.maxDur) L.maxDur = e - s;
  }
  lanes.sort((a, b) => (a.kind === b.kind ? a.key[0] - b.key[0] || a.key[1] - b.key[1] : a.kind === 'gpu-stream' ? -1 : 1));
  laneCache.set(model.kernels, lanes);
  return lanes;
}

/** First index with start >= x. */
function lowerBound(a: Float64Array, x: number): number {
  let lo = 0;
  let hi = a.length;
  while (lo < hi) {
    const mid = (lo + hi) >> 1;
    if (a[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function eventName(model: ProfileModel, t: number, r: number): string {
  return t === OP_RUNTIME ? model.strings[model.runtime.nameId[r]!] ?? '' : opName(model, t, r);
}

export interface TileOptions {
  startNs: number;
  endNs: number;
  pixels: number;
  /** lane ids to include (default all) */
  lanes?: string[];
}

export function timelineTiles(model: ProfileModel, opts: TileOptions): TimelineTiles {
  const { startNs, endNs, pixels } = opts;
  if (!(endNs > startNs)) throw new UserError(`the window end (${endNs}) must be after its start (${startNs})`);
  if (!Number.isInteger(pixels) || pixels < 1) throw new UserError(`pixels must be a positive integer, got ${pixels}`);
  const w = (endNs - startNs) / pixels;
  const want = opts.lanes ? new Set(opts.lanes) : undefined;
  const lanes: TileLane[] = [];
  for (const L of buildLanes(model)) {
    if (want && !want.has(L.id)) continue;
    const slices: TileSlice[] = [];
    let events = 0;
    let cur: (TileSlice & { anchor: number; longest: number; lt: number; lr: number }) | undefined;
    const flush = () => {
      if (!cur) return;
      const { anchor: _a, longest: _l, lt, lr, ...s } = cur;
      s.name = eventName(model, lt, lr);
      if (s.count === 1) [s.table, s.row] = [lt, lr];
      slices.push(s);
      cur = undefined;
    };
    for (let i = lowerBound(L.start, startNs - L.maxDur), n = L.start.length; i < n; i++) {
      const s = L.start[i]!;
      if (s >= endNs) break;
      const e = L.end[i]!;
      if (e <= startNs && !(e === s && s >= startNs)) continue;
      events++;
      const d = e - s;
      // a new slice only when this event starts a pixel or more after the current slice's start (clamped to
      // the window, so that events begun before it cannot add slices): slice anchors are >= w apart
      const anchor = Math.max(s, startNs);
      if (cur && anchor - cur.anchor < w) {
        cur.count++;
        cur.busyNs += d;
        if (e > cur.endNs) cur.endNs = e;
        if (d > cur.longest) [cur.longest, cur.lt, cur.lr] = [d, L.table[i]!, L.row[i]!];
        continue;
      }
      flush();
      cur = { anchor, startNs: s, endNs: e, count: 1, busyNs: d, name: '', longest: d, lt: L.table[i]!, lr: L.row[i]! };
    }
    flush();
    if (events === 0) continue;
    lanes.push({
      id: L.id, kind: L.kind, events, slices,
      ...(L.kind === 'gpu-stream' ? { deviceId: L.key[0], streamId: L.key[1] } : { pid: L.key[0], tid: L.key[1] }),
    });
  }
  return { startNs, endNs, pixels, nsPerPixel: w, lanes };
}

export const timelineTilesQuery: QueryDef<TimelineTiles> = {
  name: 'timeline-tiles',
  description: 'Level-of-detail timeline tiles for a window: per GPU stream / CPU thread lane, events merged to at most ~1 slice per pixel, with counts',
  params: [
    { ...LIMIT_PARAM, default: 256, description: 'maximum lanes returned (GPU streams first)' },
    { name: 'startNs', type: 'number', description: 'window start, ns (default: profile start)' },
    { name: 'endNs', type: 'number', description: 'window end, ns (default: profile end)' },
    { name: 'pixels', type: 'number', description: 'width of the view in pixels', default: 1000 },
    { name: 'lanes', type: 'string', description: 'comma-separated lane ids (default: all)' },
  ],
  run(model, args) {
    const startNs = numArg(args, 'startNs', model.meta.startNs);
    const endNs = numArg(args, 'endNs', Math.max(model.meta.endNs, startNs + 1));
    // lanes: an array (worker callers) or a comma-separated string (CLI)
    const lanes = Array.isArray(args.lanes) ? args.lanes.map(String) : strArg(args, 'lanes')?.split(',').map((s) => s.trim()).filter(Boolean);
    const t = timelineTiles(model, { startNs, endNs, pixels: intArg(args, 'pixels', 1000, 1), ...(lanes ? { lanes } : {}) });
    return { ...t, lanes: t.lanes.slice(0, intArg(args, 'limit', 256, 1)) };
  },
  format: (r) => `window ${r.startNs}–${r.endNs} ns, ${r.pixels} px (${r.nsPerPixel.toFixed(1)} ns/px)\n\n` +
    fmtTable(['lane', 'events', 'slices', 'first slice'], r.lanes.map((l) => [l.id, l.events, l.slices.length, l.slices[0]?.name ?? ''])),
};
