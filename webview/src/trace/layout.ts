// Rows of the trace view: every lane seen so far (a window's tiles name only the lanes with events in it, so the
// union keeps rows from jumping while panning), grouped under header rows named from the profile: each GPU (its
// model) with its streams (a stream that ran CUDA graph replays has their band right above it), then each host thread (process, rank, thread name) with its NVTX levels, its CUDA
// calls and the nested levels of its CPU ops and Python functions; a group can be collapsed; and hit testing.
import type { TileLane, TileSlice, TimelineTiles } from '../../../src/protocol/dashboard.js';
import type { Viewport } from './viewport.js';

export const LABEL_W = 170;
export const AXIS_H = 22;
export const ROW_H = 18;

export interface Row {
  id: string;
  /** a lane's kind, or 'header': the named row above a GPU's streams or a thread's lanes */
  kind: TileLane['kind'] | 'header';
  label: string;
  /** the header row's id this row sits under (a header: its own id) */
  group: string;
  /** sort key: GPUs then host threads, a group's header first, then its lanes */
  key: number[];
}

const INDENT = '  ';

/** The named row above a lane's group: a GPU with its model, or a thread with its process, rank and name. */
export function headerOf(l: TileLane): Row {
  if (l.kind === 'gpu-stream' || l.kind === 'gpu-graph') {
    const id = `hdr:gpu${l.deviceId}`;
    return { id, kind: 'header', label: `GPU ${l.deviceId}${l.gpu ? ` · ${l.gpu}` : ''}`, group: id, key: [0, l.deviceId ?? 0, -Infinity] };
  }
  const id = `hdr:${l.pid}/${l.tid}`;
  const rank = l.rank !== undefined ? `rank ${l.rank} · ` : '';
  const proc = `${l.process ?? 'process'} ${l.pid}`;
  const thread = l.thread ?? `thread ${l.tid}`;
  return { id, kind: 'header', label: `${rank}${proc} · ${thread}`, group: id, key: [1, l.pid ?? 0, l.tid ?? 0, -Infinity] };
}

export function rowOf(l: TileLane): Row {
  const group = headerOf(l).id;
  const depth = l.depth ?? 0;
  const indent = INDENT.repeat(1 + Math.min(depth, 8));
  if (l.kind === 'gpu-stream') {
    return { id: l.id, kind: l.kind, label: `${INDENT}stream ${l.streamId}`, group, key: [0, l.deviceId ?? 0, l.streamId ?? 0] };
  }
  // the stream's graph replays, above it (a missing key part sorts as -1)
  if (l.kind === 'gpu-graph') return { id: l.id, kind: l.kind, label: `${INDENT}graphs · stream ${l.streamId}`, group, key: [0, l.deviceId ?? 0, l.streamId ?? 0, -2] };
  const host = [1, l.pid ?? 0, l.tid ?? 0];
  if (l.kind === 'nvtx') return { id: l.id, kind: l.kind, label: `${indent}NVTX${depth > 0 ? ` L${depth}` : ''}`, group, key: [...host, 0, depth] };
  if (l.kind === 'cpu-op') return { id: l.id, kind: l.kind, label: `${indent}${depth > 0 ? `L${depth}` : 'Python / ops'}`, group, key: [...host, 2, depth] };
  return { id: l.id, kind: l.kind, label: `${INDENT}CUDA API`, group, key: [...host, 1, 0] };
}

function cmpRows(a: Row, b: Row): number {
  for (let i = 0; i < Math.max(a.key.length, b.key.length); i++) {
    const d = (a.key[i] ?? -1) - (b.key[i] ?? -1);
    if (d) return d;
  }
  return 0;
}

/** Adds the lanes of a tiles answer (and their groups' headers) to the known rows; returns the same array when nothing is new. */
export function mergeRows(rows: Row[], tiles: TimelineTiles): Row[] {
  const known = new Set(rows.map((r) => r.id));
  const added: Row[] = [];
  for (const l of tiles.lanes) {
    if (known.has(l.id)) continue;
    const h = headerOf(l);
    if (!known.has(h.id)) {
      known.add(h.id);
      added.push(h);
    }
    known.add(l.id);
    added.push(rowOf(l));
  }
  if (added.length === 0) return rows;
  return [...rows, ...added].sort(cmpRows);
}

/** The rows shown: every header, and the lanes of the groups not collapsed. */
export function visibleRows(rows: Row[], collapsed: ReadonlySet<string>): Row[] {
  return collapsed.size === 0 ? rows : rows.filter((r) => r.kind === 'header' || !collapsed.has(r.group));
}

/** The row at a y (canvas coordinates), or undefined. */
export function rowAt(rows: Row[], y: number): Row | undefined {
  return y < AXIS_H ? undefined : rows[Math.floor((y - AXIS_H) / ROW_H)];
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
  if (!tiles || x < 0 || x > plotW) return null;
  const row = rowAt(rows, y);
  if (!row || row.kind === 'header') return null;
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
