// Draws one frame of the trace view on a canvas: time axis, lane labels, and the slices of the latest tiles
// that fall in the view. At most one rectangle per pixel column per lane (runs of sub-pixel slices are
// coalesced), so a frame's work is bounded by the view's size whatever the profile holds. Returns the number
// of slices drawn.
import type { TileLane, TileSlice, TimelineTiles } from '../../../src/protocol/dashboard.js';
import { KIND_VARS, type WorkKind } from '../components/Legend.js';
import { ns } from '../format.js';
import { AXIS_H, LABEL_W, ROW_H, type Row, xOf } from './layout.js';
import { tickStep, type Viewport } from './viewport.js';

export interface Theme {
  fg: string;
  muted: string;
  bg: string;
  border: string;
  focus: string;
  palette: string[];
  /** the kinds' colours of the Summary's legend (styles.css --sy-*) */
  kinds: Record<WorkKind, string>;
  font: string;
}

/** CUDA calls that block the host until the GPU catches up: drawn as waiting, not as CPU work. */
const WAITING = /Synchronize|^cu(da)?Memcpy(2D|3D|Peer|ToSymbol|FromSymbol)?$|^cu(da)?(Stream|Event)Query$/;

/** The kind a slice is coloured by: GPU work by table (or name, when merged), CPU calls work or waiting; NVTX ranges, CPU ops and Python functions none (a colour per name). */
export function sliceKind(lane: Pick<TileLane, 'kind'>, s: Pick<TileSlice, 'table' | 'name'>): WorkKind | null {
  if (lane.kind === 'gpu-stream') {
    if (s.table === 1 || (s.table === undefined && /^memcpy/i.test(s.name))) return 'memcpy';
    if (s.table === 2 || (s.table === undefined && /^memset/i.test(s.name))) return 'memset';
    return /nccl/i.test(s.name) ? 'nccl' : 'kernel';
  }
  if (lane.kind === 'cpu-thread') return WAITING.test(s.name) ? 'waiting' : 'cpu';
  // a graph replay's band is no kind of work of its own (its nodes are the kernels in the stream below): pale, like a range
  return null;
}

/** Colours from the VS Code theme variables (read at draw time, so a theme change applies). */
export function readTheme(el: Element): Theme {
  const cs = getComputedStyle(el);
  const v = (name: string, dflt: string) => cs.getPropertyValue(name).trim() || dflt;
  return {
    fg: v('--vscode-foreground', '#ccc'),
    muted: v('--vscode-descriptionForeground', '#999'),
    bg: v('--vscode-editor-background', '#1e1e1e'),
    border: v('--vscode-panel-border', 'rgba(128,128,128,0.35)'),
    focus: v('--vscode-focusBorder', '#007fd4'),
    palette: [
      v('--vscode-charts-blue', '#3794ff'), v('--vscode-charts-green', '#89d185'), v('--vscode-charts-orange', '#d18616'),
      v('--vscode-charts-purple', '#b180d7'), v('--vscode-charts-yellow', '#cca700'), v('--vscode-charts-red', '#f14c4c'),
    ],
    kinds: Object.fromEntries((Object.keys(KIND_VARS) as WorkKind[]).map((k) => [k, v(KIND_VARS[k], '#3794ff')])) as Record<WorkKind, string>,
    font: `11px ${cs.fontFamily || 'sans-serif'}`,
  };
}

function hash(s: string): number {
  let h = 2166136261;
  for (let i = 0; i < s.length; i++) h = Math.imul(h ^ s.charCodeAt(i), 16777619);
  return h >>> 0;
}

/** The text cut (with an ellipsis) to fit `room` pixels; '' when not even a few characters fit. */
function fit(ctx: CanvasRenderingContext2D, text: string, room: number): string {
  const w = ctx.measureText(text).width;
  if (w <= room) return text;
  const n = Math.floor((text.length * room) / w) - 1;
  return n >= 3 ? `${text.slice(0, n)}…` : '';
}

export interface Frame {
  rows: Row[];
  tiles: TimelineTiles | null;
  view: Viewport;
  /** the profile's span, for axis labels relative to its start */
  originNs: number;
  selected: { lane: string; startNs: number; endNs: number } | null;
  hovered: { lane: string; slice: TileSlice } | null;
  /** header ids of the groups shown collapsed (their lanes are not in rows) */
  collapsed?: ReadonlySet<string>;
}

export function drawFrame(ctx: CanvasRenderingContext2D, cssW: number, cssH: number, f: Frame, th: Theme): number {
  const plotW = Math.max(1, cssW - LABEL_W);
  ctx.clearRect(0, 0, cssW, cssH);
  ctx.font = th.font;
  ctx.textBaseline = 'middle';
  // axis
  const step = tickStep(f.view.endNs - f.view.startNs);
  ctx.fillStyle = th.muted;
  ctx.strokeStyle = th.border;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let t = Math.ceil((f.view.startNs - f.originNs) / step) * step + f.originNs; t <= f.view.endNs; t += step) {
    const x = Math.round(LABEL_W + xOf(t, f.view, plotW)) + 0.5;
    ctx.moveTo(x, AXIS_H - 6);
    ctx.lineTo(x, cssH);
    ctx.fillText(ns(t - f.originNs), x + 3, AXIS_H / 2);
  }
  ctx.moveTo(LABEL_W, AXIS_H + 0.5);
  ctx.lineTo(cssW, AXIS_H + 0.5);
  ctx.stroke();
  const lanes = new Map((f.tiles?.lanes ?? []).map((l) => [l.id, l]));
  let drawn = 0;
  f.rows.forEach((row, i) => {
    const y = AXIS_H + i * ROW_H;
    if (row.kind === 'header') {
      // a group's named row across the whole width: a band, a rule above it, its name and a collapse marker
      ctx.fillStyle = th.border;
      ctx.globalAlpha = 0.35;
      ctx.fillRect(0, y, cssW, ROW_H);
      ctx.globalAlpha = 1;
      if (i > 0) ctx.fillRect(0, y, cssW, 1);
      ctx.fillStyle = th.fg;
      ctx.font = `bold ${th.font}`;
      ctx.fillText(fit(ctx, `${f.collapsed?.has(row.id) ? '▸' : '▾'} ${row.label}`, cssW - 8), 4, y + ROW_H / 2);
      ctx.font = th.font;
      return;
    }
    ctx.fillStyle = th.muted;
    ctx.fillText(fit(ctx, row.label, LABEL_W - 8), 4, y + ROW_H / 2);
    const lane = lanes.get(row.id);
    if (!lane) return;
    ctx.save();
    ctx.beginPath();
    ctx.rect(LABEL_W, y, plotW, ROW_H);
    ctx.clip();
    let lastPx = -Infinity;
    let lastEnd = -Infinity;
    for (const s of lane.slices) {
      if (s.endNs < f.view.startNs || s.startNs > f.view.endNs) continue;
      const x0 = xOf(s.startNs, f.view, plotW);
      const x1 = xOf(s.endNs, f.view, plotW);
      const px = Math.floor(x0);
      // a slice starting in the pixel column already drawn, and ending inside it, adds nothing visible
      if (px === lastPx && x1 <= lastEnd) continue;
      lastPx = px;
      lastEnd = Math.max(x1, px + 1);
      const w = Math.max(1, x1 - x0);
      // GPU and CPU-call slices by kind (the Summary's legend); ranges one colour per name, numbers aside
      const kind = sliceKind(lane, s);
      ctx.fillStyle = kind ? th.kinds[kind] : th.palette[hash(s.name.replace(/\d+/g, '')) % th.palette.length]!;
      // ranges are paler than the kinds of work, so the legend's colours keep one meaning
      ctx.globalAlpha = (s.count > 1 ? 0.7 : 1) * (kind ? 1 : 0.5);
      ctx.fillRect(LABEL_W + x0, y + 2, w, ROW_H - 4);
      drawn++;
      if (w > 40) {
        ctx.globalAlpha = 1;
        ctx.fillStyle = kind ? th.bg : th.fg;
        const label = fit(ctx, s.count > 1 ? `${s.name} +${s.count - 1}` : s.name, Math.min(x1, plotW) - Math.max(x0, 0) - 6);
        if (label) ctx.fillText(label, LABEL_W + Math.max(x0, 0) + 3, y + ROW_H / 2);
      }
    }
    ctx.globalAlpha = 1;
    ctx.restore();
  });
  // hover and selection outlines
  const outline = (lane: string, s: number, e: number, color: string, width: number) => {
    const i = f.rows.findIndex((r) => r.id === lane);
    if (i < 0) return;
    const x0 = LABEL_W + xOf(s, f.view, plotW);
    const x1 = LABEL_W + xOf(e, f.view, plotW);
    ctx.strokeStyle = color;
    ctx.lineWidth = width;
    ctx.strokeRect(Math.max(LABEL_W, x0) - 1, AXIS_H + i * ROW_H + 1, Math.max(2, Math.min(cssW, x1) - Math.max(LABEL_W, x0) + 2), ROW_H - 2);
  };
  if (f.hovered) outline(f.hovered.lane, f.hovered.slice.startNs, f.hovered.slice.endNs, th.fg, 1);
  if (f.selected) outline(f.selected.lane, f.selected.startNs, f.selected.endNs, th.focus, 2);
  return drawn;
}
