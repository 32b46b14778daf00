// Mouse and wheel on the trace canvas: drag pans, a press without a drag is a click, the wheel zooms about
// the pointer (or pans, when it scrolls sideways); the pointer's position anchors the keyboard's zoom.
import { type RefObject, useEffect, useRef } from 'react';
import { LABEL_W } from './layout.js';
import { type Viewport, panBy, zoomAt, ZOOM_STEP } from './viewport.js';

export interface PointerOptions {
  canvas: RefObject<HTMLCanvasElement | null>;
  /** focused on a press, so the keys work after a click */
  wrap: RefObject<HTMLElement | null>;
  view: Viewport;
  extent: Viewport;
  plotW: number;
  onView: (v: Viewport) => void;
  /** plot coordinates (x from the plot's left edge), or null when the pointer leaves */
  onHover: (p: { x: number; y: number } | null) => void;
  onClick: (x: number, y: number) => void;
}

export function usePointer(o: PointerOptions) {
  const { canvas, wrap, view, extent, plotW, onView } = o;
  const pointer = useRef<number | null>(null);
  const drag = useRef<{ x: number; view: Viewport; moved: boolean } | null>(null);
  const viewRef = useRef(view);
  viewRef.current = view;

  // a listener of our own because React's wheel listener is passive
  useEffect(() => {
    const c = canvas.current;
    if (!c) return;
    const onWheel = (e: WheelEvent) => {
      e.preventDefault();
      const v = viewRef.current;
      if (Math.abs(e.deltaX) > Math.abs(e.deltaY)) return onView(panBy(v, e.deltaX / Math.max(1, plotW), extent));
      const x = e.offsetX - LABEL_W;
      const factor = Math.pow(ZOOM_STEP, -e.deltaY / 100);
      onView(zoomAt(v, factor, Math.min(1, Math.max(0, x / plotW)), extent));
    };
    c.addEventListener('wheel', onWheel, { passive: false });
    return () => c.removeEventListener('wheel', onWheel);
  }, [plotW, extent, onView]);

  const local = (e: React.MouseEvent) => {
    const r = canvas.current!.getBoundingClientRect();
    return { x: e.clientX - r.left - LABEL_W, y: e.clientY - r.top };
  };

  return {
    /** where a keyboard zoom centres: the pointer, else the middle of the plot */
    anchor: () => (pointer.current === null ? 0.5 : pointer.current / plotW),
    handlers: {
      onMouseDown: (e: React.MouseEvent) => { drag.current = { x: e.clientX, view, moved: false }; wrap.current?.focus(); },
      onMouseMove: (e: React.MouseEvent) => {
        const p = local(e);
        pointer.current = p.x;
        const d = drag.current;
        if (d) {
          const dx = e.clientX - d.x;
          if (Math.abs(dx) > 2) d.moved = true;
          if (d.moved) onView(panBy(d.view, -dx / plotW, extent));
          return;
        }
        o.onHover(p);
      },
      onMouseUp: (e: React.MouseEvent) => {
        const d = drag.current;
        drag.current = null;
        if (d && !d.moved) {
          const p = local(e);
          o.onClick(p.x, p.y);
        }
      },
      onMouseLeave: () => { drag.current = null; pointer.current = null; o.onHover(null); },
    },
  };
}
