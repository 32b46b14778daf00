// The kept tile index answers zoomed-out windows exactly as timeline-tiles does, and declines the rest.
import { describe, expect, it } from 'vitest';
import { decodeKeptBinary, encodeKeptBinary } from '../cache/results.js';
import { ModelBuilder } from './model-builder.js';
import { timelineTiles } from './timeline.js';
import { buildTileIndex, decodeTileIndex, encodeTileIndex, tilesFromIndex } from './timeline-index.js';

function model() {
  const b = new ModelBuilder();
  // stream 7: 140,000 kernels (a big lane: its coarse pyramid levels are kept), bursts with gaps, durations varying
  for (let i = 0; i < 140_000; i++) {
    const t = i * 100 + Math.floor(i / 1000) * 50_000;
    b.kernel(i % 97 === 0 ? `long_${i % 5}` : `k${i % 7}`, t, t + 20 + (i % 13) * 5 + (i % 97 === 0 ? 60 : 0), { streamId: 7 });
  }
  // stream 8: 6,000 kernels (a small lane: its events are kept, and its pyramid is built from them), a CPU thread's runtime calls
  for (let i = 0; i < 6000; i++) b.kernel(`s${i % 3}`, i * 900, i * 900 + 300 + (i % 11), { streamId: 8 });
  for (let i = 0; i < 300; i++) b.api('cudaLaunchKernel', i * 10_000, i * 10_000 + 40, { pid: 9, tid: 10 });
  return b.build();
}

describe('tile index', () => {
  const m = model();
  const kept = decodeTileIndex(decodeKeptBinary(encodeKeptBinary(encodeTileIndex(buildTileIndex(m)!))));
  const span = { startNs: m.meta.startNs, endNs: m.meta.endNs };

  it('gives the whole profile at any view width exactly as the query does, through its kept (binary) form', () => {
    for (const pixels of [300, 1000, 1600, 4000, 8192]) {
      const fresh = model();
      expect(tilesFromIndex(fresh, kept, { ...span, pixels })).toEqual(timelineTiles(fresh, { ...span, pixels }));
    }
    const t = tilesFromIndex(m, kept, { ...span, pixels: 1000 })!;
    expect(t.lanes.map((l) => l.id)).toEqual(['gpu0/stream7', 'gpu0/stream8', 'cpu9/10']);
    expect(t.lanes[0]!.events).toBe(140_000);
    expect(t.lanes[0]!.slices.some((s) => s.name.startsWith('long_'))).toBe(true);
  });

  it('answers a zoomed-out part of the profile and a lane filter the same way', () => {
    const w = { startNs: span.startNs + 300_000, endNs: span.startNs + 4_000_000, pixels: 600 };
    expect(tilesFromIndex(m, kept, w)).toEqual(timelineTiles(m, w));
    expect(tilesFromIndex(m, kept, { ...w, lanes: ['gpu0/stream8'] })).toEqual(timelineTiles(m, { ...w, lanes: ['gpu0/stream8'] }));
  });

  it("names a big lane's slices from the index: no column of the model is read for them", () => {
    const fresh = model();
    const w = { ...span, pixels: 1000, lanes: ['gpu0/stream7'] };
    const expected = timelineTiles(fresh, w);
    // a model whose kernel columns cannot be read: only the index can name the slices
    const sealed = { ...fresh, kernels: new Proxy(fresh.kernels, { get: (t, k) => {
      if (k !== 'length') throw new Error(`read kernels.${String(k)}`);
      return t.length;
    } }) };
    expect(tilesFromIndex(sealed, kept, w)).toEqual(expected);
    expect(kept.names).toEqual(expect.arrayContaining(['long_0', 'k1']));
  });

  it('declines a window the kept levels cannot answer exactly (zoomed in: the events are needed)', () => {
    expect(tilesFromIndex(m, kept, { startNs: span.startNs, endNs: span.startNs + 20_000, pixels: 1000 })).toBeNull();
    expect(tilesFromIndex(m, kept, { startNs: span.startNs, endNs: span.startNs + 2_000_000, pixels: 8192 })).toBeNull();
  });

  it('rejects a kept form of another version or with arrays missing', () => {
    const enc = encodeTileIndex(buildTileIndex(m)!);
    expect(() => decodeTileIndex({ header: { ...(enc.header as object), version: 0 }, arrays: enc.arrays })).toThrow(/version/);
    expect(() => decodeTileIndex({ header: enc.header, arrays: enc.arrays.slice(0, 2) })).toThrow(/missing or of the wrong type/);
  });
});
