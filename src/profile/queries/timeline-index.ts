// The trace view's first tiles without building the lanes: a tile index, small enough to keep in the profile's
// cache entry (src/profile/cache/results.ts, binary), that answers zoomed-out windows exactly as timeline-tiles
// does. Per lane: a lane of few events keeps its events (the window is merged from them, or from the pyramid
// built from them, as for any lane); a lane of many keeps the coarse levels of its pyramid (timeline-lod.ts),
// from the finest one a view of KEEP_PIXELS pixels over the lane's span could ask for, each bucket's longest event
// as its table and row. A window is answered from the index only when the live query would merge every big lane
// from one of the kept levels (a pixel at least that level's bucket wide, and more than EVENTS_PER_PIXEL_FOR_LOD
// events per pixel provably in the window); otherwise tilesFromIndex returns null and the caller builds the
// lanes. A big lane's buckets keep the name of their longest event (one list of names for the index), so that its
// tiles read no name column of the model. Profiles with CUDA graph replay lanes are not indexed (their slices are
// named from the replays).
import type { ProfileModel } from '../../core/profile.js';
import type { KeptArray, KeptBinary } from '../cache/results.js';
import { type LaneIndex, type LaneKey, type LaneKind, buildLanes, eventName } from './timeline-lanes.js';
import { EVENTS_PER_BUCKET, type LodLevel, lodLevels } from './timeline-lod.js';
import {
  EVENTS_PER_PIXEL_FOR_LOD, type TileItems, type TileOptions, type TimelineTiles, checkWindow, mergeItems, mergeLane, tileLane,
} from './timeline.js';

/** the widest view the trace asks for (src/extension/trace-requests.ts MAX_PIXELS) */
export const KEEP_PIXELS = 8192;
/**
 * a lane of at most this many events keeps them; a bigger one has a level-0 bucket narrower than a pixel of any
 * view of the whole profile up to KEEP_PIXELS wide (its width is the lane's span / events × EVENTS_PER_BUCKET)
 */
const SMALL_LANE = EVENTS_PER_BUCKET * KEEP_PIXELS;
/** no index past this many kept events in all (a profile of very many small lanes builds its lanes instead) */
const MAX_KEPT_EVENTS = 1 << 22;
/** bump when the index layout or the merge rules change */
export const TILE_INDEX_VERSION = 2;

interface KeptLevel {
  width: number;
  maxDur: number;
  start: Float64Array;
  end: Float64Array;
  count: Int32Array;
  busy: Float64Array;
  longestDur: Float64Array;
  longestTable: Uint8Array;
  longestRow: Int32Array;
  /** the longest event's name, as its index in TileIndex.names */
  longestName: Int32Array;
}

export interface IndexedLane {
  id: string;
  kind: LaneKind;
  key: LaneKey;
  /** a small lane: its events, as a LaneIndex */
  events?: LaneIndex;
  /** a big lane: its coarse levels, finest first */
  levels?: KeptLevel[];
}

export interface TileIndex {
  lanes: IndexedLane[];
  /** the names of the big lanes' longest events */
  names: string[];
}

/** The tile index of a model (builds its lanes and their pyramids), or undefined when it would not pay. */
export function buildTileIndex(model: ProfileModel): TileIndex | undefined {
  const lanes: IndexedLane[] = [];
  const names: string[] = [];
  const nameIds = new Map<string, number>();
  const nameId = (t: number, r: number) => {
    const name = eventName(model, t, r);
    let id = nameIds.get(name);
    if (id === undefined) nameIds.set(name, (id = names.push(name) - 1));
    return id;
  };
  let kept = 0;
  for (const L of buildLanes(model).lanes) {
    if (L.kind === 'gpu-graph') return undefined;
    const n = L.start.length;
    const levels = n > SMALL_LANE ? lodLevels(L) : [];
    if (levels.length === 0) {
      kept += n;
      if (kept > MAX_KEPT_EVENTS) return undefined;
      lanes.push({ id: L.id, kind: L.kind, key: L.key, events: L });
      continue;
    }
    const span = L.start[n - 1]! - L.start[0]!;
    let k0 = 0;
    levels.forEach((lv, k) => { if (lv.width <= span / (4 * KEEP_PIXELS)) k0 = k; });
    lanes.push({ id: L.id, kind: L.kind, key: L.key, levels: levels.slice(k0).map((lv) => keptLevel(L, lv, nameId)) });
  }
  return { lanes, names };
}

function keptLevel(L: LaneIndex, lv: LodLevel, nameId: (table: number, row: number) => number): KeptLevel {
  return {
    width: lv.width, maxDur: lv.maxDur, start: lv.start, end: lv.end, count: lv.count, busy: lv.busy, longestDur: lv.longestDur,
    longestTable: Uint8Array.from(lv.longest, (i) => L.table[i]!), longestRow: Int32Array.from(lv.longest, (i) => L.row[i]!),
    longestName: Int32Array.from(lv.longest, (i) => nameId(L.table[i]!, L.row[i]!)),
  };
}

/** Events of [startNs - maxDur, endNs) certainly in a level's buckets: those of buckets wholly inside it. */
function eventsSurelyInWindow(lv: KeptLevel, startNs: number, endNs: number): number {
  let n = 0;
  for (let i = 0; i < lv.start.length; i++) {
    if (lv.start[i]! >= startNs - lv.maxDur && lv.end[i]! < endNs) n += lv.count[i]!;
  }
  return n;
}

/** The window's tiles from the index, exactly as timelineTiles gives them, or null when it needs the lanes. */
export function tilesFromIndex(model: ProfileModel, index: TileIndex, opts: TileOptions): TimelineTiles | null {
  const { startNs, endNs, pixels } = opts;
  const w = checkWindow(opts);
  const want = opts.lanes ? new Set(opts.lanes) : undefined;
  const lanes: TimelineTiles['lanes'] = [];
  for (const lane of index.lanes) {
    if (want && !want.has(lane.id)) continue;
    if (lane.events) {
      lanes.push(tileLane(model, lane, mergeLane(model, lane.events, startNs, endNs, w, pixels)));
      continue;
    }
    const levels = lane.levels ?? [];
    // the live query takes the coarsest level at most a pixel wide: one of the kept ones only if the finest kept fits
    if (!levels[0] || levels[0].width > w) return null;
    // and it merges from a level only with more than EVENTS_PER_PIXEL_FOR_LOD events per pixel in the window
    if (eventsSurelyInWindow(levels[0], startNs, endNs) <= EVENTS_PER_PIXEL_FOR_LOD * pixels) return null;
    let lv = levels[0];
    for (const l of levels) if (l.width <= w) lv = l;
    const items: TileItems = { ...lv, table: (i) => lv.longestTable[i]!, row: (i) => lv.longestRow[i]!, name: (i) => index.names[lv.longestName[i]!] ?? '' };
    lanes.push(tileLane(model, lane, mergeItems(model, items, startNs, endNs, w)));
  }
  return { startNs, endNs, pixels, nsPerPixel: w, lanes };
}

// ---- the index as a kept binary answer: lane descriptions in the header, every array by its index

type LaneHeader = { id: string; kind: LaneKind; key: LaneKey; events?: [number, number, number, number, number]; levels?: [number, number, number[]][] };

export function encodeTileIndex(index: TileIndex): KeptBinary {
  const arrays: KeptArray[] = [];
  const put = (a: KeptArray) => arrays.push(a) - 1;
  const lanes: LaneHeader[] = index.lanes.map((l) => {
    const h: LaneHeader = { id: l.id, kind: l.kind, key: l.key };
    if (l.events) h.events = [l.events.maxDur, put(l.events.start), put(l.events.end), put(l.events.table), put(l.events.row)];
    if (l.levels) {
      h.levels = l.levels.map((lv) => [lv.width, lv.maxDur,
        [lv.start, lv.end, lv.count, lv.busy, lv.longestDur, lv.longestTable, lv.longestRow, lv.longestName].map(put)]);
    }
    return h;
  });
  return { header: { version: TILE_INDEX_VERSION, lanes, names: index.names }, arrays };
}

/** The index back from its kept form; throws on a form that does not fit (a damaged or older answer). */
export function decodeTileIndex(kept: KeptBinary): TileIndex {
  const head = kept.header as { version?: unknown; lanes?: LaneHeader[]; names?: unknown };
  if (head.version !== TILE_INDEX_VERSION || !Array.isArray(head.lanes) || !Array.isArray(head.names)) throw new Error('not a tile index of this version');
  const names = head.names.map(String);
  const arr = <T extends KeptArray>(i: number, ctor: new (n: number) => T): T => {
    const a = kept.arrays[i];
    if (!(a instanceof ctor)) throw new Error(`tile index array ${i} missing or of the wrong type`);
    return a;
  };
  const lanes = head.lanes.map((h): IndexedLane => {
    const lane: IndexedLane = { id: h.id, kind: h.kind, key: h.key };
    if (h.events) {
      const [maxDur, s, e, t, r] = h.events;
      lane.events = { id: h.id, kind: h.kind, key: h.key, maxDur, start: arr(s, Float64Array), end: arr(e, Float64Array), table: arr(t, Uint8Array), row: arr(r, Int32Array) };
    }
    if (h.levels) {
      lane.levels = h.levels.map(([width, maxDur, [s, e, c, b, ld, lt, lr, ln]]) => ({
        width, maxDur, start: arr(s!, Float64Array), end: arr(e!, Float64Array), count: arr(c!, Int32Array), busy: arr(b!, Float64Array),
        longestDur: arr(ld!, Float64Array), longestTable: arr(lt!, Uint8Array), longestRow: arr(lr!, Int32Array),
        longestName: arr(ln!, Int32Array),
      }));
    }
    return lane;
  });
  return { lanes, names };
}
