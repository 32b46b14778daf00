// The trace view: a canvas timeline over the whole profile — one row per GPU stream, NVTX level, CPU thread
// with CUDA calls and nesting level of a thread's CPU ops and Python functions, grouped under named rows (a GPU,
// a thread; a click on one collapses it) — drawn from level-of-detail tiles the host computes in the profile worker for the visible
// window and width only. Drag or A/D/arrows pan, wheel or W/S zoom (about the pointer), 0 resets; hover shows
// a slice, a click opens its details (slice-details), the search box jumps between matches.
import { useCallback, useEffect, useLayoutEffect, useMemo, useRef, useState } from 'react';
import { KindLegend } from '../components/Legend.js';
import { SliceDetailsRequest, type SearchHit, type SliceDetails, type TileSlice } from '../../../src/protocol/dashboard.js';
import { request } from '../host.js';
import { ns } from '../format.js';
import { Spinner } from '../components/toolkit.js';
import { DetailsPanel } from './DetailsPanel.js';
import { drawFrame, readTheme } from './draw.js';
import { AXIS_H, LABEL_W, ROW_H, type Row, hitTest, mergeRows, rowAt, timeAt, visibleRows } from './layout.js';
import { SearchBox } from './SearchBox.js';
import { useTiles } from './use-tiles.js';
import { type Viewport, applyMove, keyMove, panBy, revealRange, span, zoomAt, ZOOM_STEP } from './viewport.js';

const TABLES = ['kernel', 'memcpy', 'memset', 'runtime', 'nvtx', 'cpu', 'graph'];

interface Selected { lane: string; startNs: number; endNs: number }

export function TraceView(props: { extent: Viewport; view: Viewport; onView: (v: Viewport) => void; generation?: string; onSource?: (file: string, line: number) => void }) {
  const { extent, view, onView } = props;
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const [cssW, setCssW] = useState(0);
  const plotW = Math.max(1, cssW - LABEL_W);
  const { tiles, error, requests } = useTiles(cssW > 0 ? view : null, plotW, props.generation);
  const [allRows, setRows] = useState<Row[]>([]);
  const [collapsed, setCollapsed] = useState<ReadonlySet<string>>(new Set());
  const rows = useMemo(() => visibleRows(allRows, collapsed), [allRows, collapsed]);
  const [hover, setHover] = useState<{ lane: string; slice: TileSlice; x: number; y: number } | null>(null);
  const [selected, setSelected] = useState<Selected | null>(null);
  const [details, setDetails] = useState<SliceDetails | null>(null);
  const [detailsError, setDetailsError] = useState<string | null>(null);
  const pointer = useRef<number | null>(null);
  const drag = useRef<{ x: number; view: Viewport; moved: boolean } | null>(null);
  const frames = useRef(0);
  const maxDrawn = useRef(0);
  const viewRef = useRef(view);
  viewRef.current = view;

  useEffect(() => { if (tiles) setRows((r) => mergeRows(r, tiles)); }, [tiles]);

  useLayoutEffect(() => {
    const el = wrap.current;
    if (!el) return;
    const ro = new ResizeObserver(() => setCssW(Math.floor(el.clientWidth)));
    ro.observe(el);
    setCssW(Math.floor(el.clientWidth));
    return () => ro.disconnect();
  }, []);

  const cssH = AXIS_H + Math.max(1, rows.length) * ROW_H;

  // one frame per change of view, tiles, rows, hover or selection
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
      const drawn = drawFrame(ctx, cssW, cssH, {
        rows, tiles, view, originNs: extent.startNs, selected, hovered: hover ? { lane: hover.lane, slice: hover.slice } : null, collapsed,
      }, readTheme(c));
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
  }, [rows, tiles, view, hover, selected, collapsed, cssW, cssH, extent.startNs, plotW]);

  const anchor = () => (pointer.current === null ? 0.5 : pointer.current / plotW);

  // wheel zoom about the pointer; a listener of our own because React's wheel listener is passive
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

  const select = useCallback((lane: string, startNs: number, endNs: number, params: { table: number; row: number } | { lane: string; timeNs: number; toleranceNs: number }) => {
    setSelected({ lane, startNs, endNs });
    setDetailsError(null);
    request(SliceDetailsRequest, params).then((d) => {
      setDetails(d);
      setSelected({ lane: d.lane, startNs: d.startNs, endNs: d.endNs });
    }, (e: Error) => { if (e.message !== 'cancelled') { setDetails(null); setDetailsError(e.message); } });
  }, []);

  const onClick = (x: number, y: number) => {
    const header = rowAt(rows, y);
    if (header?.kind === 'header') {
      setCollapsed((c) => {
        const next = new Set(c);
        if (!next.delete(header.id)) next.add(header.id);
        return next;
      });
      return;
    }
    const h = hitTest(rows, tiles, view, plotW, x, y);
    if (!h) return;
    const s = h.slice;
    if (s.count === 1 && s.table !== undefined && s.row !== undefined) select(h.row.id, s.startNs, s.endNs, { table: s.table, row: s.row });
    else select(h.row.id, s.startNs, s.endNs, { lane: h.row.id, timeNs: timeAt(x, view, plotW), toleranceNs: (3 * span(view)) / plotW });
  };

  const onJump = useCallback((hit: SearchHit) => {
    // a match inside a folded group unfolds it
    const group = allRows.find((r) => r.id === hit.lane)?.group;
    if (group) setCollapsed((c) => (c.has(group) ? new Set([...c].filter((g) => g !== group)) : c));
    const pad = Math.max(hit.endNs - hit.startNs, 1000);
    onView(revealRange(hit.startNs - pad, hit.endNs + pad, extent, 0));
    select(hit.lane, hit.startNs, hit.endNs, { table: TABLES.indexOf(hit.table), row: hit.row });
  }, [allRows, extent, onView, select]);

  const local = (e: React.MouseEvent) => {
    const r = canvas.current!.getBoundingClientRect();
    return { x: e.clientX - r.left - LABEL_W, y: e.clientY - r.top };
  };

  return (
    <section className="card trace" aria-label="Trace view">
      <div className="card-head">
        <h2>Trace</h2>
        <SearchBox onJump={onJump} />
        <span className="spacer" />
        <span className="muted" data-testid="trace-window">{ns(view.startNs - extent.startNs)} – {ns(view.endNs - extent.startNs)} ({ns(span(view))})</span>
        <button className="link" data-testid="trace-reset" onClick={() => onView({ ...extent })}>reset zoom</button>
      </div>
      <KindLegend kinds={['kernel', 'memcpy', 'memset', 'nccl', 'cpu', 'waiting']} testId="trace-legend" />
      {error && <p className="banner error" data-testid="trace-error">{error}</p>}
      {!tiles && !error && (
        <p className="muted" data-testid="trace-loading"><Spinner /> Reading the timeline (the first view of a large profile builds its index)…</p>
      )}
      <div
        ref={wrap}
        className="trace-canvas"
        tabIndex={0}
        data-testid="trace"
        data-requests={requests}
        onKeyDown={(e) => {
          const m = keyMove(e.key);
          if (!m) return;
          e.preventDefault();
          onView(applyMove(view, m, anchor(), extent));
        }}
      >
        <canvas
          ref={canvas}
          data-testid="trace-canvas"
          style={{ width: cssW, height: cssH }}
          onMouseDown={(e) => { drag.current = { x: e.clientX, view, moved: false }; wrap.current?.focus(); }}
          onMouseMove={(e) => {
            const p = local(e);
            pointer.current = p.x;
            const d = drag.current;
            if (d) {
              const dx = e.clientX - d.x;
              if (Math.abs(dx) > 2) d.moved = true;
              if (d.moved) onView(panBy(d.view, -dx / plotW, extent));
              return;
            }
            const h = hitTest(rows, tiles, view, plotW, p.x, p.y);
            setHover(h ? { lane: h.row.id, slice: h.slice, x: p.x + LABEL_W, y: p.y } : null);
          }}
          onMouseUp={(e) => {
            const d = drag.current;
            drag.current = null;
            if (d && !d.moved) {
              const p = local(e);
              onClick(p.x, p.y);
            }
          }}
          onMouseLeave={() => { drag.current = null; pointer.current = null; setHover(null); }}
        />
        {hover && (
          <div className="trace-tooltip" data-testid="trace-tooltip" style={{ left: Math.min(hover.x + 12, Math.max(0, cssW - 320)), top: hover.y + 14 }}>
            <div className="mono">{hover.slice.name}</div>
            <div className="muted">
              {hover.slice.count > 1
                ? `${hover.slice.count.toLocaleString()} events, busy ${ns(hover.slice.busyNs)} over ${ns(hover.slice.endNs - hover.slice.startNs)}`
                : `${ns(hover.slice.endNs - hover.slice.startNs)} at ${ns(hover.slice.startNs - extent.startNs)}`}
            </div>
          </div>
        )}
      </div>
      <p className="muted keys">Drag or A/D ←/→ to pan · wheel or W/S ↑/↓ to zoom · 0 resets · click a slice for details, a GPU or thread row to fold it · NVTX ranges, CPU ops and Python functions have a colour per name</p>
      <DetailsPanel
        details={details} error={detailsError} originNs={extent.startNs} onSource={props.onSource}
        onOpen={onJump}
        onClose={() => { setDetails(null); setDetailsError(null); setSelected(null); }}
      />
    </section>
  );
}
