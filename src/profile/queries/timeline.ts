// timeline-tiles: the level-of-detail view of a time window for the dashboard's timeline. One lane per GPU
// stream (kernels, copies, memsets), one per NVTX nesting level of a thread, one per CPU thread with CUDA
// runtime calls and one per nesting level of a thread's CPU ops and Python functions (lanes: timeline-lanes.ts),
// each named from the profile's metadata (GPU model, process name and rank, thread name); in each lane the events (or, zoomed out, the buckets of the lane's
// level-of-detail pyramid, timeline-lod.ts, so the cost follows the width rather than the events) in
// the window are merged so that consecutive merged slices start at least one pixel apart — at most
// pixels slices per lane whatever the zoom, each with its event count and busy time. A slice of one event
// keeps its table and row so the UI can ask for its details.
import { UserError } from '../../core/errors.js';
import type { ProfileModel } from '../../core/profile.js';
import { optional } from '../../core/optional.js';
import { table as fmtTable } from './format.js';
import type { QueryDef } from './query-def.js';
import { type LaneIndex, type LaneKind, buildLanes, eventName } from './timeline-lanes.js';
import { levelFor } from './timeline-lod.js';
import { LIMIT_PARAM, intArg, lowerBound, numArg, strArg } from './util.js';

export { OP_RUNTIME, OP_NVTX } from './timeline-lanes.js';

export interface TileSlice {
  startNs: number;
  endNs: number;
  /** events merged into this slice */
  count: number;
  /** sum of the events' durations */
  busyNs: number;
  /** name of the longest event in the slice */
  name: string;
  /** for count === 1: the source table (0 kernel, 1 memcpy, 2 memset, 3 runtime, 4 NVTX, 5 CPU op / Python function, 6 graph replay) and row */
  table?: number;
  row?: number;
}

export interface TileLane {
  /** "gpu0/stream7", "graph0/stream7" (graph replays), "nvtx1234/5678/d1", "cpu1234/5678" or "ops1234/5678/d2" */
  id: string;
  kind: LaneKind;
  deviceId?: number;
  streamId?: number;
  pid?: number;
  tid?: number;
  /** NVTX and CPU-op lanes: nesting level on the thread, 0 = outermost */
  depth?: number;
  /** GPU lanes: the device's model when the profile records it ("NVIDIA H100 80GB HBM3") */
  gpu?: string;
  /** host lanes: the process's name, its distributed rank when the profile says it, the thread's name */
  process?: string;
  rank?: number;
  thread?: string;
  /**
   * events overlapping the window; when a zoomed-out window is merged from the lane's pyramid (timeline-lod.ts),
   * the buckets at its two edges count whole
   */
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

export interface TileOptions {
  startNs: number;
  endNs: number;
  pixels: number;
  /** lane ids to include (default all) */
  lanes?: string[];
}

/**
 * What a lane's window is merged from: its events, or the buckets of one level of its pyramid (count, busy time and
 * longest event per bucket). `table`/`row` give the source row of item i's longest event (its name, its details).
 */
export interface TileItems {
  start: Float64Array;
  end: Float64Array;
  maxDur: number;
  count?: Int32Array | undefined;
  busy?: Float64Array | undefined;
  longestDur?: Float64Array | undefined;
  table(i: number): number;
  row(i: number): number;
  /** the name of item i's longest event when known without the model (a kept tile index); default eventName */
  name?: ((i: number) => string) | undefined;
}

const eventItems = (L: LaneIndex): TileItems => ({ start: L.start, end: L.end, maxDur: L.maxDur, table: (i) => L.table[i]!, row: (i) => L.row[i]! });

/** The lane's events in [startNs - maxDur, endNs): the decision between its events and its pyramid counts them. */
export const eventsInWindow = (L: LaneIndex, startNs: number, endNs: number) => lowerBound(L.start, endNs) - lowerBound(L.start, startNs - L.maxDur);

/** A window holding more than this many events per pixel is merged from the lane's pyramid (timeline-lod.ts). */
export const EVENTS_PER_PIXEL_FOR_LOD = 4;

/**
 * One lane's slices in the window: items (events, or the buckets of a pyramid level when a pixel is at least a
 * bucket wide and the window holds many events) merged so that slice anchors are at least a pixel apart.
 */
export function mergeLane(model: ProfileModel, L: LaneIndex, startNs: number, endNs: number, w: number, pixels: number): { slices: TileSlice[]; events: number } {
  const lv = eventsInWindow(L, startNs, endNs) > EVENTS_PER_PIXEL_FOR_LOD * pixels ? levelFor(L, w) : null;
  const items: TileItems = lv
    ? { ...lv, table: (i) => L.table[lv.longest[i]!]!, row: (i) => L.row[lv.longest[i]!]! }
    : eventItems(L);
  return mergeItems(model, items, startNs, endNs, w);
}

/** Merges the items in the window into slices whose anchors are at least `w` apart. */
export function mergeItems(model: ProfileModel, it: TileItems, startNs: number, endNs: number, w: number): { slices: TileSlice[]; events: number } {
  const { start, end, maxDur, count, busy, longestDur } = it;
  const slices: TileSlice[] = [];
  let events = 0;
  let cur: (TileSlice & { anchor: number; longest: number; li: number }) | undefined;
  const flush = () => {
    if (!cur) return;
    const { anchor: _a, longest: _l, li, ...s } = cur;
    const [t, r] = [it.table(li), it.row(li)];
    s.name = it.name ? it.name(li) : eventName(model, t, r);
    if (s.count === 1) [s.table, s.row] = [t, r];
    slices.push(s);
    cur = undefined;
  };
  for (let i = lowerBound(start, startNs - maxDur), n = start.length; i < n; i++) {
    const s = start[i]!;
    if (s >= endNs) break;
    const e = end[i]!;
    if (e <= startNs && !(e === s && s >= startNs)) continue;
    const c = count ? count[i]! : 1;
    const b = busy ? busy[i]! : e - s;
    const ld = longestDur ? longestDur[i]! : e - s;
    events += c;
    // a new slice only when this item starts a pixel or more after the current slice's start (clamped to the
    // window, so that items begun before it cannot add slices): slice anchors are >= w apart
    const anchor = Math.max(s, startNs);
    if (cur && anchor - cur.anchor < w) {
      cur.count += c;
      cur.busyNs += b;
      if (e > cur.endNs) cur.endNs = e;
      if (ld > cur.longest) [cur.longest, cur.li] = [ld, i];
      continue;
    }
    flush();
    cur = { anchor, startNs: s, endNs: e, count: c, busyNs: b, name: '', longest: ld, li: i };
  }
  flush();
  return { slices, events };
}

interface LaneNames {
  gpu: Map<number, string>;
  host(pid: number, tid: number): { process?: string; rank?: number; thread?: string };
}

const namesCache = new WeakMap<ProfileModel['meta'], LaneNames>();

/** Names from the profile's metadata: GPU models by device, process names and ranks by pid, thread names. */
function laneNames(model: ProfileModel): LaneNames {
  const cached = namesCache.get(model.meta);
  if (cached) return cached;
  const { gpus, processes, threads } = model.meta;
  // a name the reader made up ("GPU 3" for a device without properties) says nothing the lane id does not
  const gpu = new Map(gpus.filter((g) => g.name && g.name !== `GPU ${g.deviceId}`).map((g) => [g.deviceId, g.name]));
  const procs = new Map(processes.map((p) => [p.pid, p]));
  const thr = new Map(threads.filter((t) => t.name).map((t) => [`${t.pid}/${t.tid & 0xffffff}`, t.name]));
  const out: LaneNames = {
    gpu,
    host: (pid, tid) => {
      const p = procs.get(pid);
      return { ...optional('process', p?.name || undefined), ...optional('rank', p?.rank), ...optional('thread', thr.get(`${pid}/${tid & 0xffffff}`)) };
    },
  };
  namesCache.set(model.meta, out);
  return out;
}

/** The lane as the view gets it: its id, kind, key, names from the profile's metadata, and its slices. */
export function tileLane(model: ProfileModel, L: Pick<LaneIndex, 'id' | 'kind' | 'key'>, merged: { slices: TileSlice[]; events: number }): TileLane {
  const names = laneNames(model);
  const gpu = L.kind === 'gpu-stream' || L.kind === 'gpu-graph';
  return {
    id: L.id, kind: L.kind, events: merged.events, slices: merged.slices,
    ...(gpu ? { deviceId: L.key[0], streamId: L.key[1] } : { pid: L.key[0], tid: L.key[1] }),
    ...optional('depth', L.key[2]),
    ...(gpu ? optional('gpu', names.gpu.get(L.key[0])) : names.host(L.key[0], L.key[1])),
  };
}

export function checkWindow(opts: TileOptions): number {
  const { startNs, endNs, pixels } = opts;
  if (!(endNs > startNs)) throw new UserError(`the window end (${endNs}) must be after its start (${startNs})`);
  if (!Number.isInteger(pixels) || pixels < 1) throw new UserError(`pixels must be a positive integer, got ${pixels}`);
  return (endNs - startNs) / pixels;
}

export function timelineTiles(model: ProfileModel, opts: TileOptions): TimelineTiles {
  const { startNs, endNs, pixels } = opts;
  const w = checkWindow(opts);
  const want = opts.lanes ? new Set(opts.lanes) : undefined;
  const lanes: TileLane[] = [];
  for (const L of buildLanes(model).lanes) {
    if (want && !want.has(L.id)) continue;
    // every lane, even one with nothing in the window: an idle GPU stream is what the view has to show
    lanes.push(tileLane(model, L, mergeLane(model, L, startNs, endNs, w, pixels)));
  }
  return { startNs, endNs, pixels, nsPerPixel: w, lanes };
}

/** The query's arguments as a window (the profile's span by default) and the lane limit. */
export function tileArgs(model: ProfileModel, args: Record<string, unknown>): { opts: TileOptions; limit: number } {
  const startNs = numArg(args, 'startNs', model.meta.startNs);
  const endNs = numArg(args, 'endNs', Math.max(model.meta.endNs, startNs + 1));
  // lanes: an array (worker callers) or a comma-separated string (CLI)
  const lanes = Array.isArray(args.lanes) ? args.lanes.map(String) : strArg(args, 'lanes')?.split(',').map((s) => s.trim()).filter(Boolean);
  return { opts: { startNs, endNs, pixels: intArg(args, 'pixels', 1000, 1), ...(lanes ? { lanes } : {}) }, limit: intArg(args, 'limit', 256, 1) };
}

export const timelineTilesQuery: QueryDef<TimelineTiles> = {
  name: 'timeline-tiles',
  description: 'Level-of-detail timeline tiles for a window: per GPU stream / NVTX level / CPU thread / CPU-op level lane, events merged to at most ~1 slice per pixel, with counts',
  params: [
    { ...LIMIT_PARAM, default: 256, description: 'maximum lanes returned (GPU streams first, then per thread its NVTX levels, CUDA calls and op levels)' },
    { name: 'startNs', type: 'number', description: 'window start, ns (default: profile start)' },
    { name: 'endNs', type: 'number', description: 'window end, ns (default: profile end)' },
    { name: 'pixels', type: 'number', description: 'width of the view in pixels', default: 1000 },
    { name: 'lanes', type: 'string', description: 'comma-separated lane ids (default: all)' },
  ],
  run(model, args) {
    const { opts, limit } = tileArgs(model, args);
    const t = timelineTiles(model, opts);
    return { ...t, lanes: t.lanes.slice(0, limit) };
  },
  format: (r) => `window ${r.startNs}–${r.endNs} ns, ${r.pixels} px (${r.nsPerPixel.toFixed(1)} ns/px)\n\n` +
    fmtTable(['lane', 'events', 'slices', 'first slice'], r.lanes.map((l) => [l.id, l.events, l.slices.length, l.slices[0]?.name ?? ''])),
};
