// The trace canvas: its width as laid out, and one frame drawn per change of what it shows (with the numbers
// the tests read from its data attributes).
import { type RefObject, useEffect, useLayoutEffect, useRef, useState } from 'react';
import { type Frame, drawFrame, readTheme } from './draw.js';

/** The element's width in CSS pixels, kept current as it resizes (0 before layout). */
export function useWidth(el: RefObject<HTMLElement | null>): number {
  const [width, setWidth] = useState(0);
  useLayoutEffect(() => {
    const e = el.current;
    if (!e) return;
    const ro = new ResizeObserver(() => setWidth(Math.floor(e.clientWidth)));
    ro.observe(e);
    setWidth(Math.floor(e.clientWidth));
    return () => ro.disconnect();
  }, []);
  return width;
}

export interface FrameInput extends Frame {
  cssW: number;
  cssH: number;
  plotW: number;
  collapsed: ReadonlySet<string>;
}

/** Draws one frame per change of view, tiles, rows, hover or selection, at the device's pixel ratio. */
export function useDrawFrame(canvas: RefObject<HTMLCanvasElement | null>, f: FrameInput): void {
  const frames = useRef(0);
  const maxDrawn = useRef(0);
  const { cssW, cssH, plotW, rows, tiles, view, originNs, selected, hovered, collapsed } = f;
  useEffect(() => {
    const c = canvas.current;
    if (!c || cssW === 0) return;
    const id = requestAnimationFrame(() => {
      const dpr = window.devicePixelRatio || 1;
      if (c.width !== Math.round(cssW * dpr) || c.height !== Math.round(cssH * dpr)) {
        c.width = Math.round(cssW * dpr);
        c.height = Math.round(cssH * dpr);
      }
      const ctx = c.getContext('2d');
      if (!ctx) return;
      ctx.setTransform(dpr, 0, 0, dpr, 0, 0);
      const drawn = drawFrame(ctx, cssW, cssH, { rows, tiles, view, originNs, selected, hovered, collapsed }, readTheme(c));
      frames.current++;
      maxDrawn.current = Math.max(maxDrawn.current, drawn);
      c.dataset.slicesDrawn = String(drawn);
      c.dataset.maxSlicesDrawn = String(maxDrawn.current);
      c.dataset.frames = String(frames.current);
      c.dataset.viewStart = String(view.startNs);
      c.dataset.viewEnd = String(view.endNs);
      c.dataset.tilesStart = String(tiles?.startNs ?? '');
      c.dataset.tilesEnd = String(tiles?.endNs ?? '');
      c.dataset.tilesSlices = String(tiles ? tiles.lanes.reduce((s, l) => s + l.slices.length, 0) : 0);
      c.dataset.plotWidth = String(plotW);
      c.dataset.lanes = String(rows.length);
      c.dataset.rowIds = rows.map((r) => r.id).join(',');
      c.dataset.rowLabels = rows.map((r) => r.label.trim()).join('|');
    });
    return () => cancelAnimationFrame(id);
  }, [rows, tiles, view, hovered, selected, collapsed, cssW, cssH, originNs, plotW]);
}
