// Rows of the trace view: every lane seen so far (a window's tiles name only the lanes with events in it, so the
// union keeps rows from jumping while panning), ordered GPU streams, NVTX levels, CPU threads; and hit testing.
import type { TileLane, TileSlice, TimelineTiles } from '../../../src/protocol/dashboard.js';
import type { Viewport } from './viewport.js';

export const LABEL_W = 170;
export const AXIS_H = 22;
export const ROW_H = 18;

export interface Row {
  id: string;
  kind: TileLane['kind'];
  label: string;
  /** sort key: kind, then its numbers */
  key: number[];
}

export function rowOf(l: TileLane): Row {
  if (l.kind === 'gpu-stream') {
    return { id: l.id, kind: l.kind, label: `GPU ${l.deviceId} · stream ${l.streamId}`, key: [0, l.deviceId ?? 0, l.streamId ?? 0] };
  }
  if (l.kind === 'nvtx') {
    return { id: l.id, kind: l.kind, label: `${'  '.repeat(l.depth ?? 0)}NVTX ${l.tid} · L${l.depth}`, key: [1, l.pid ?? 0, l.tid ?? 0, l.depth ?? 0] };
  }
  return { id: l.id, kind: l.kind, label: `CUDA API · thread ${l.tid}`, key: [2, l.pid ?? 0, l.tid ?? 0] };
}

/** Adds the lanes of a tiles answer to the known rows; returns the same array when nothing is new. */
export function mergeRows(rows: Row[], tiles: TimelineTiles): Row[] {
  const known = new Set(rows.map((r) => r.id));
  const added = tiles.lanes.filter((l) => !known.has(l.id)).map(rowOf);
  if (added.length === 0) return rows;
  return [...rows, ...added].sort((a, b) => {
    for (let i = 0; i < Math.max(a.key.length, b.key.length); i++) {
      const d = (a.key[i] ?? -1) - (b.key[i] ?? -1);
      if (d) return d;
    }
    return 0;
  });
}

/** Pixel x (inside the plot) of a time. */
export function xOf(t: number, view: Viewport, plotW: number): number {
  return ((t - view.startNs) / (view.endNs - view.startNs)) * plotW;
}

export function timeAt(x: number, view: Viewport, plotW: number): number {
  return view.startNs + (x / plotW) * (view.endNs - view.startNs);
}

export interface Hit { row: Row; slice: TileSlice }

/** The slice under a point (plot coordinates), allowing a pixel or two around thin slices. */
export function hitTest(rows: Row[], tiles: TimelineTiles | null, view: Viewport, plotW: number, x: number, y: number): Hit | null {
  if (!tiles || y < AXIS_H || x < 0 || x > plotW) return null;
  const row = rows[Math.floor((y - AXIS_H) / ROW_H)];
  if (!row) return null;
  const lane = tiles.lanes.find((l) => l.id === row.id);
  if (!lane) return null;
  let best: TileSlice | null = null;
  let bestDist = 3;
  for (const s of lane.slices) {
    const x0 = xOf(s.startNs, view, plotW);
    const x1 = Math.max(x0 + 1, xOf(s.endNs, view, plotW));
    const d = x < x0 ? x0 - x : x > x1 ? x - x1 : 0;
    if (d < bestDist || (d === 0 && best && s.startNs >= best.startNs)) [best, bestDist] = [s, d];
  }
  return best ? { row, slice: best } : null;
}
