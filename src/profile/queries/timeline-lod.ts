// Level-of-detail pyramid of one timeline lane, so that a zoomed-out window costs its width, not its events: the
// lane's events bucketed by start time (level 0: about 16 events per bucket on average; each next level 4×
// wider), each bucket keeping its count, busy time, first start, last end and longest event. A window whose
// pixel is at least a level's bucket wide is merged from that level's buckets (a bucket is never split, so counts
// at the window's edges cover whole buckets); narrower windows read the events themselves. Built lazily per lane.
import type { LaneIndex } from './timeline-lanes.js';

export interface LodLevel {
  /** bucket width (ns) */
  width: number;
  /** non-empty buckets, ascending */
  start: Float64Array;
  end: Float64Array;
  count: Int32Array;
  busy: Float64Array;
  /** index (into the lane's arrays) and duration of the longest event */
  longest: Int32Array;
  longestDur: Float64Array;
  maxDur: number;
}

/** average events per level-0 bucket */
export const EVENTS_PER_BUCKET = 16;
const FANOUT = 4;
const MIN_BUCKETS = 256;

const cache = new WeakMap<LaneIndex, LodLevel[]>();

function level0(L: LaneIndex): LodLevel | null {
  const n = L.start.length;
  if (n < EVENTS_PER_BUCKET * MIN_BUCKETS) return null;
  const origin = L.start[0]!;
  const spanNs = L.start[n - 1]! - origin;
  const width = Math.max(1, (spanNs * EVENTS_PER_BUCKET) / n);
  return aggregate(n, width, (i) => Math.floor((L.start[i]! - origin) / width), (i) => ({
    s: L.start[i]!, e: L.end[i]!, c: 1, b: L.end[i]! - L.start[i]!, li: i, ld: L.end[i]! - L.start[i]!,
  }));
}

/** Buckets of items in ascending start order: consecutive items with the same bucket key merge. */
function aggregate(
  n: number, width: number, keyOf: (i: number) => number,
  item: (i: number) => { s: number; e: number; c: number; b: number; li: number; ld: number },
): LodLevel {
  let buckets = 0;
  let lastKey = NaN;
  for (let i = 0; i < n; i++) {
    const k = keyOf(i);
    if (k !== lastKey) [buckets, lastKey] = [buckets + 1, k];
  }
  const lv: LodLevel = {
    width, start: new Float64Array(buckets), end: new Float64Array(buckets), count: new Int32Array(buckets),
    busy: new Float64Array(buckets), longest: new Int32Array(buckets), longestDur: new Float64Array(buckets), maxDur: 0,
  };
  let j = -1;
  lastKey = NaN;
  for (let i = 0; i < n; i++) {
    const k = keyOf(i);
    const it = item(i);
    if (k !== lastKey) {
      lastKey = k;
      j++;
      lv.start[j] = it.s;
      lv.end[j] = it.e;
      lv.count[j] = it.c;
      lv.busy[j] = it.b;
      lv.longest[j] = it.li;
      lv.longestDur[j] = it.ld;
    } else {
      if (it.e > lv.end[j]!) lv.end[j] = it.e;
      lv.count[j] = lv.count[j]! + it.c;
      lv.busy[j] = lv.busy[j]! + it.b;
      if (it.ld > lv.longestDur[j]!) [lv.longest[j], lv.longestDur[j]] = [it.li, it.ld];
    }
    if (lv.end[j]! - lv.start[j]! > lv.maxDur) lv.maxDur = lv.end[j]! - lv.start[j]!;
  }
  return lv;
}

/** The lane's levels, finest first (empty for lanes small enough to scan). */
export function lodLevels(L: LaneIndex): LodLevel[] {
  let levels = cache.get(L);
  if (levels) return levels;
  levels = [];
  const first = level0(L);
  if (first) {
    const origin = L.start[0]!;
    levels.push(first);
    for (let prev = first; prev.start.length > MIN_BUCKETS;) {
      const width = prev.width * FANOUT;
      const p = prev;
      const next = aggregate(p.start.length, width, (i) => Math.floor((p.start[i]! - origin) / width), (i) => ({
        s: p.start[i]!, e: p.end[i]!, c: p.count[i]!, b: p.busy[i]!, li: p.longest[i]!, ld: p.longestDur[i]!,
      }));
      levels.push(next);
      prev = next;
    }
  }
  cache.set(L, levels);
  return levels;
}

/** The coarsest level whose buckets fit in one pixel of `nsPerPixel`, or null (read the events). */
export function levelFor(L: LaneIndex, nsPerPixel: number): LodLevel | null {
  let best: LodLevel | null = null;
  for (const lv of lodLevels(L)) if (lv.width <= nsPerPixel) best = lv;
  return best;
}
