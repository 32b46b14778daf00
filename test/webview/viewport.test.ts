// The trace view's window moves as pure functions (webview/src/trace/viewport.ts, layout.ts), without a browser.
import { describe, expect, it } from 'vitest';
import { MIN_SPAN_NS, applyMove, clampView, keyMove, panBy, revealRange, tickStep, zoomAt } from '../../webview/src/trace/viewport.js';
import { hitTest, mergeRows, rowOf, visibleRows } from '../../webview/src/trace/layout.js';
import type { TimelineTiles } from '../../src/protocol/dashboard.js';

const extent = { startNs: 1000, endNs: 101_000 };

describe('trace viewport', () => {
  it('zooms about an anchor, keeping the time under it, and never narrower than MIN_SPAN_NS', () => {
    const v = zoomAt(extent, 0.5, 0.25, extent);
    expect(v.endNs - v.startNs).toBe(50_000);
    expect(v.startNs + 0.25 * 50_000).toBe(extent.startNs + 0.25 * 100_000);
    const tiny = zoomAt({ startNs: 5000, endNs: 5100 }, 0.01, 0.5, extent);
    expect(tiny.endNs - tiny.startNs).toBe(MIN_SPAN_NS);
  });

  it('pans by a fraction of the window and stays within the profile (with a 2% margin)', () => {
    const v = panBy({ startNs: 10_000, endNs: 20_000 }, 0.5, extent);
    expect(v).toEqual({ startNs: 15_000, endNs: 25_000 });
    expect(panBy({ startNs: 90_000, endNs: 100_000 }, 5, extent)).toEqual({ startNs: 93_000, endNs: 103_000 });
    expect(clampView({ startNs: -1e9, endNs: 1e9 }, extent)).toEqual({ startNs: -1000, endNs: 103_000 });
    expect(revealRange(50_000, 60_000, extent, 0)).toEqual({ startNs: 50_000, endNs: 60_000 });
  });

  it('maps keys like the common trace viewers', () => {
    expect(['w', 'S', 'a', 'D', 'ArrowLeft', 'ArrowUp', '0', 'x'].map(keyMove)).toEqual(['zoomIn', 'zoomOut', 'panLeft', 'panRight', 'panLeft', 'zoomIn', 'reset', null]);
    expect(applyMove({ startNs: 10_000, endNs: 20_000 }, 'reset', 0.5, extent)).toEqual(extent);
    expect(applyMove({ startNs: 10_000, endNs: 20_000 }, 'zoomOut', 0.5, extent)).toEqual({ startNs: 8750, endNs: 21_250 });
  });

  it('picks round tick steps', () => {
    expect(tickStep(1e9)).toBe(1e8);
    expect(tickStep(2.4e6)).toBe(2e5);
    expect(tickStep(4.8e6)).toBe(5e5);
    expect(tickStep(800)).toBe(100);
  });
});

describe('trace rows', () => {
  const tiles: TimelineTiles = {
    startNs: 0, endNs: 1000, pixels: 100, nsPerPixel: 10, lanes: [
      { id: 'cpu1/2', kind: 'cpu-thread', pid: 1, tid: 2, events: 1, slices: [{ startNs: 0, endNs: 10, count: 1, busyNs: 10, name: 'cudaLaunchKernel', table: 3, row: 0 }] },
      { id: 'nvtx1/2/d1', kind: 'nvtx', pid: 1, tid: 2, depth: 1, events: 1, slices: [{ startNs: 100, endNs: 500, count: 1, busyNs: 400, name: 'fwd', table: 4, row: 1 }] },
      { id: 'gpu0/stream7', kind: 'gpu-stream', deviceId: 0, streamId: 7, events: 5, slices: [{ startNs: 200, endNs: 300, count: 5, busyNs: 60, name: 'gemm' }] },
      { id: 'nvtx1/2/d0', kind: 'nvtx', pid: 1, tid: 2, depth: 0, events: 1, slices: [{ startNs: 0, endNs: 900, count: 1, busyNs: 900, name: 'step', table: 4, row: 0 }] },
    ],
  };

  it('orders rows GPU streams, NVTX levels, CPU threads under their named headers, and keeps rows already seen', () => {
    const rows = mergeRows([], tiles);
    expect(rows.map((r) => r.id)).toEqual(['hdr:gpu0', 'gpu0/stream7', 'hdr:1/2', 'nvtx1/2/d0', 'nvtx1/2/d1', 'cpu1/2']);
    expect(rows.map((r) => r.group)).toEqual(['hdr:gpu0', 'hdr:gpu0', 'hdr:1/2', 'hdr:1/2', 'hdr:1/2', 'hdr:1/2']);
    expect(mergeRows(rows, { ...tiles, lanes: tiles.lanes.slice(0, 1) })).toBe(rows);
    expect(rows[0]!.label).toBe('GPU 0');
    expect(rows[2]!.label).toBe('process 1 · thread 2');
    expect(rowOf(tiles.lanes[2]!).label.trim()).toBe('stream 7');
    // a collapsed group keeps its header and hides its lanes
    expect(visibleRows(rows, new Set(['hdr:1/2'])).map((r) => r.id)).toEqual(['hdr:gpu0', 'gpu0/stream7', 'hdr:1/2']);
  });

  it('hit-tests the slice under a point, with a pixel or two of slack', () => {
    const rows = mergeRows([], tiles);
    const view = { startNs: 0, endNs: 1000 };
    // plot 100 px wide: 10 ns per px; row 0 (the GPU's header) starts below the axis, its stream is row 1
    const y = (row: number) => 22 + row * 18 + 9;
    expect(hitTest(rows, tiles, view, 100, 25, y(1))?.slice.name).toBe('gemm');
    expect(hitTest(rows, tiles, view, 100, 31.5, y(1))?.slice.name).toBe('gemm');
    expect(hitTest(rows, tiles, view, 100, 60, y(1))).toBeNull();
    expect(hitTest(rows, tiles, view, 100, 25, y(0))).toBeNull(); // a header row holds no slices
    expect(hitTest(rows, tiles, view, 100, 30, y(4))?.slice.name).toBe('fwd');
    expect(hitTest(rows, tiles, view, 100, 30, 5)).toBeNull(); // the axis
  });
});
