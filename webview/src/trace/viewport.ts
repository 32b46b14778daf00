// The visible time window of the trace view and the moves on it, as pure functions: zoom about a point, pan by
// a fraction of the window, reveal a range, keys like the common trace viewers (W/S zoom, A/D and arrows pan).
export interface Viewport { startNs: number; endNs: number }

/** narrowest window: 100 ns across the view */
export const MIN_SPAN_NS = 100;
/** one W/S key press or wheel notch zooms by this factor */
export const ZOOM_STEP = 0.8;
/** one A/D or arrow press pans by this fraction of the window */
export const PAN_STEP = 0.15;

export function span(v: Viewport): number {
  return v.endNs - v.startNs;
}

/** Keeps the window inside the profile (a little margin on each side) and no narrower than MIN_SPAN_NS. */
export function clampView(v: Viewport, extent: Viewport): Viewport {
  const margin = span(extent) * 0.02;
  const lo = extent.startNs - margin;
  const hi = extent.endNs + margin;
  let w = Math.min(Math.max(span(v), MIN_SPAN_NS), hi - lo);
  if (!Number.isFinite(w) || w <= 0) w = MIN_SPAN_NS;
  let s = v.startNs;
  if (s < lo) s = lo;
  if (s + w > hi) s = hi - w;
  return { startNs: s, endNs: s + w };
}

/** Zooms by `factor` (< 1 zooms in) keeping the time under `anchor` (0..1 across the view) where it is. */
export function zoomAt(v: Viewport, factor: number, anchor: number, extent: Viewport): Viewport {
  const a = Math.min(1, Math.max(0, anchor));
  const t = v.startNs + a * span(v);
  const w = Math.max(MIN_SPAN_NS, span(v) * factor);
  return clampView({ startNs: t - a * w, endNs: t - a * w + w }, extent);
}

/** Pans by a fraction of the window (positive: later in time). */
export function panBy(v: Viewport, fraction: number, extent: Viewport): Viewport {
  const d = fraction * span(v);
  return clampView({ startNs: v.startNs + d, endNs: v.endNs + d }, extent);
}

/** A window showing [startNs, endNs] with some room around it. */
export function revealRange(startNs: number, endNs: number, extent: Viewport, pad = 0.05): Viewport {
  const w = Math.max(endNs - startNs, MIN_SPAN_NS);
  return clampView({ startNs: startNs - w * pad, endNs: startNs + w * (1 + pad) }, extent);
}

export type KeyMove = 'zoomIn' | 'zoomOut' | 'panLeft' | 'panRight' | 'reset';

export function keyMove(key: string): KeyMove | null {
  switch (key) {
    case 'w': case 'W': case 'ArrowUp': case '+': case '=': return 'zoomIn';
    case 's': case 'S': case 'ArrowDown': case '-': return 'zoomOut';
    case 'a': case 'A': case 'ArrowLeft': return 'panLeft';
    case 'd': case 'D': case 'ArrowRight': return 'panRight';
    case '0': return 'reset';
    default: return null;
  }
}

export function applyMove(v: Viewport, move: KeyMove, anchor: number, extent: Viewport): Viewport {
  if (move === 'zoomIn') return zoomAt(v, ZOOM_STEP, anchor, extent);
  if (move === 'zoomOut') return zoomAt(v, 1 / ZOOM_STEP, anchor, extent);
  if (move === 'panLeft') return panBy(v, -PAN_STEP, extent);
  if (move === 'panRight') return panBy(v, PAN_STEP, extent);
  return { ...extent };
}

/** A round tick step (1, 2 or 5 × 10^k ns) giving about `target` ticks across the span. */
export function tickStep(spanNs: number, target = 8): number {
  const raw = spanNs / target;
  const p = 10 ** Math.floor(Math.log10(raw));
  const m = raw / p;
  return (m < 1.5 ? 1 : m < 3.5 ? 2 : m < 7.5 ? 5 : 10) * p;
}
