// The trace view: a canvas timeline over the whole profile — one row per GPU stream, NVTX level, CPU thread
// with CUDA calls and nesting level of a thread's CPU ops and Python functions, grouped under named rows (a GPU,
// a thread; a click on one collapses it) — drawn from level-of-detail tiles the host computes in the profile worker for the visible
// window and width only. Drag or A/D/arrows pan, wheel or W/S zoom (about the pointer), 0 resets; hover shows
// a slice, a click opens its details (slice-details), the search box jumps between matches.
import { useCallback, useRef, useState } from 'react';
import { KindLegend } from '../components/Legend.js';
import type { SearchHit, TileSlice } from '../../../src/protocol/dashboard.js';
import { ns } from '../format.js';
import { Spinner } from '../components/toolkit.js';
import { DetailsPanel } from './DetailsPanel.js';
import { AXIS_H, LABEL_W, ROW_H, hitTest, rowAt, timeAt } from './layout.js';
import { SearchBox } from './SearchBox.js';
import { useDrawFrame, useWidth } from './use-canvas.js';
import { usePointer } from './use-pointer.js';
import { useRows, useSliceDetails } from './use-selection.js';
import { useTiles } from './use-tiles.js';
import { type Viewport, applyMove, keyMove, revealRange, span } from './viewport.js';

const TABLES = ['kernel', 'memcpy', 'memset', 'runtime', 'nvtx', 'cpu', 'graph'];

interface Hover { lane: string; slice: TileSlice; x: number; y: number }

export function TraceView(props: { extent: Viewport; view: Viewport; onView: (v: Viewport) => void; generation?: string; onSource?: (file: string, line: number) => void }) {
  const { extent, view, onView } = props;
  const wrap = useRef<HTMLDivElement>(null);
  const canvas = useRef<HTMLCanvasElement>(null);
  const cssW = useWidth(wrap);
  const plotW = Math.max(1, cssW - LABEL_W);
  const { tiles, error, requests } = useTiles(cssW > 0 ? view : null, plotW, props.generation);
  const { rows, collapsed, toggle, reveal } = useRows(tiles);
  const [hover, setHover] = useState<Hover | null>(null);
  const slice = useSliceDetails();
  const { select } = slice;
  const cssH = AXIS_H + Math.max(1, rows.length) * ROW_H;
  useDrawFrame(canvas, { cssW, cssH, plotW, rows, tiles, view, originNs: extent.startNs, selected: slice.selected, hovered: hover, collapsed });

  const pointer = usePointer({
    canvas, wrap, view, extent, plotW, onView,
    onHover: (p) => {
      const h = p && hitTest(rows, tiles, view, plotW, p.x, p.y);
      setHover(p && h ? { lane: h.row.id, slice: h.slice, x: p.x + LABEL_W, y: p.y } : null);
    },
    onClick: (x, y) => {
      const header = rowAt(rows, y);
      if (header?.kind === 'header') return toggle(header.id);
      const h = hitTest(rows, tiles, view, plotW, x, y);
      if (!h) return;
      const s = h.slice;
      if (s.count === 1 && s.table !== undefined && s.row !== undefined) select(h.row.id, s.startNs, s.endNs, { table: s.table, row: s.row });
      else select(h.row.id, s.startNs, s.endNs, { lane: h.row.id, timeNs: timeAt(x, view, plotW), toleranceNs: (3 * span(view)) / plotW });
    },
  });

  const onJump = useCallback((hit: SearchHit) => {
    // a match inside a folded group unfolds it
    reveal(hit.lane);
    const pad = Math.max(hit.endNs - hit.startNs, 1000);
    onView(revealRange(hit.startNs - pad, hit.endNs + pad, extent, 0));
    select(hit.lane, hit.startNs, hit.endNs, { table: TABLES.indexOf(hit.table), row: hit.row });
  }, [reveal, extent, onView, select]);

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
          onView(applyMove(view, m, pointer.anchor(), extent));
        }}
      >
        <canvas ref={canvas} data-testid="trace-canvas" style={{ width: cssW, height: cssH }} {...pointer.handlers} />
        {hover && <Tooltip hover={hover} originNs={extent.startNs} maxLeft={Math.max(0, cssW - 320)} />}
      </div>
      <p className="muted keys">Drag or A/D ←/→ to pan · wheel or W/S ↑/↓ to zoom · 0 resets · click a slice for details, a GPU or thread row to fold it · NVTX ranges, CPU ops and Python functions have a colour per name</p>
      <DetailsPanel
        details={slice.details} error={slice.error} originNs={extent.startNs} onSource={props.onSource}
        onOpen={onJump}
        onClose={slice.close}
      />
    </section>
  );
}

/** The hovered slice: its name, and its time (one event) or its events and busy time (a merged run). */
function Tooltip(props: { hover: Hover; originNs: number; maxLeft: number }) {
  const { x, y, slice: s } = props.hover;
  return (
    <div className="trace-tooltip" data-testid="trace-tooltip" style={{ left: Math.min(x + 12, props.maxLeft), top: y + 14 }}>
      <div className="mono">{s.name}</div>
      <div className="muted">
        {s.count > 1
          ? `${s.count.toLocaleString()} events, busy ${ns(s.busyNs)} over ${ns(s.endNs - s.startNs)}`
          : `${ns(s.endNs - s.startNs)} at ${ns(s.startNs - props.originNs)}`}
      </div>
    </div>
  );
}
