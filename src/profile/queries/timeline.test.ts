import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { presetScenario, writeNsysProfile } from '../generator/index.js';
import { openProfile } from '../open.js';
import { ModelBuilder } from './model-builder.js';
import { timelineTiles, timelineTilesQuery } from './timeline.js';
import { buildLanes } from './timeline-lanes.js';
import { levelFor, lodLevels } from './timeline-lod.js';

describe('timelineTiles', () => {
  const b = new ModelBuilder();
  // stream 7: 100 kernels of 10 ns every 20 ns; stream 8: one long kernel; a runtime call on a CPU thread
  for (let i = 0; i < 100; i++) b.kernel(i === 50 ? 'long_one' : 'tiny', i * 20, i * 20 + (i === 50 ? 19 : 10), { streamId: 7 });
  b.kernel('whole', -500, 5000, { streamId: 8 });
  b.api('cudaLaunchKernel', 100, 130, { pid: 9, tid: 10 });
  const model = b.build();

  it('keeps every event when zoomed in, with its row for details', () => {
    const t = timelineTiles(model, { startNs: 0, endNs: 2000, pixels: 4000 });
    const s7 = t.lanes.find((l) => l.id === 'gpu0/stream7')!;
    expect(s7.events).toBe(100);
    expect(s7.slices).toHaveLength(100);
    expect(s7.slices[50]).toMatchObject({ name: 'long_one', count: 1, table: 0, row: 50, startNs: 1000, endNs: 1019 });
    expect(t.lanes.map((l) => l.id)).toEqual(['gpu0/stream7', 'gpu0/stream8', 'cpu9/10']);
    expect(t.lanes[2]!.slices[0]!.name).toBe('cudaLaunchKernel');
  });

  it('merges to at most one slice per pixel when zoomed out, conserving counts and busy time', () => {
    const t = timelineTiles(model, { startNs: 0, endNs: 2000, pixels: 10 });
    const s7 = t.lanes.find((l) => l.id === 'gpu0/stream7')!;
    expect(s7.slices.length).toBeLessThanOrEqual(10);
    expect(s7.slices.reduce((s, x) => s + x.count, 0)).toBe(100);
    expect(s7.slices.reduce((s, x) => s + x.busyNs, 0)).toBe(99 * 10 + 19);
    expect(s7.slices.find((x) => x.startNs <= 1000 && x.endNs >= 1019)!.name).toBe('long_one'); // longest member names the slice
    expect(s7.slices.every((x) => x.count > 1 ? x.row === undefined : x.row !== undefined)).toBe(true);
    // an event begun before the window is still drawn
    expect(t.lanes.find((l) => l.id === 'gpu0/stream8')!.slices).toMatchObject([{ name: 'whole', startNs: -500, endNs: 5000 }]);
  });

  it('filters lanes and validates the window', () => {
    expect(timelineTiles(model, { startNs: 0, endNs: 100, pixels: 5, lanes: ['gpu0/stream8'] }).lanes.map((l) => l.id)).toEqual(['gpu0/stream8']);
    // a lane with nothing in the window is still answered (empty), so an idle stream keeps its row
    expect(timelineTiles(model, { startNs: 0, endNs: 50, pixels: 5 }).lanes.find((l) => l.id === 'cpu9/10')).toMatchObject({ events: 0, slices: [] });
    expect(() => timelineTiles(model, { startNs: 10, endNs: 10, pixels: 5 })).toThrow(UserError);
    expect(() => timelineTiles(model, { startNs: 0, endNs: 10, pixels: 0 })).toThrow(UserError);
    expect(timelineTilesQuery.run(model, { pixels: '100', lanes: 'cpu9/10' }).lanes).toHaveLength(1);
    expect(timelineTilesQuery.run(model, { pixels: 100, lanes: ['cpu9/10', 'gpu0/stream8'] }).lanes).toHaveLength(2);
  });
});

describe('timelineTiles from the level-of-detail pyramid', () => {
  // 40,000 kernels of 10 ns every 20 ns, one of them long, on one stream
  const b = new ModelBuilder();
  for (let i = 0; i < 40_000; i++) b.kernel(i === 31_337 ? 'the_long_one' : 'k', i * 20, i * 20 + (i === 31_337 ? 15 : 10), { streamId: 7 });
  const model = b.build();
  const lane = buildLanes(model).lanes[0]!;

  it('builds levels 4× apart and merges a zoomed-out window from buckets, conserving counts and busy time', () => {
    const levels = lodLevels(lane);
    expect(levels.length).toBeGreaterThan(1);
    expect(levels[0]!.count.reduce((s, c) => s + c, 0)).toBe(40_000);
    for (let k = 1; k < levels.length; k++) {
      expect(levels[k]!.width).toBeCloseTo(levels[k - 1]!.width * 4);
      expect(levels[k]!.count.reduce((s, c) => s + c, 0)).toBe(40_000);
      expect(levels[k]!.busy.reduce((s, c) => s + c, 0)).toBe(levels[0]!.busy.reduce((s, c) => s + c, 0));
    }
    const t = timelineTiles(model, { startNs: 0, endNs: 800_000, pixels: 100 });
    const s7 = t.lanes[0]!;
    expect(s7.events).toBe(40_000);
    expect(s7.slices.length).toBeLessThanOrEqual(101);
    expect(s7.slices.reduce((s, x) => s + x.count, 0)).toBe(40_000);
    expect(s7.slices.reduce((s, x) => s + x.busyNs, 0)).toBe(39_999 * 10 + 15);
    expect(s7.slices.find((x) => x.startNs <= 31_337 * 20 && x.endNs >= 31_337 * 20 + 15)!.name).toBe('the_long_one');
    // a pixel narrower than the finest bucket reads the events
    expect(levelFor(lane, 8000)).not.toBeNull();
    expect(levelFor(lane, levels[0]!.width / 2)).toBeNull();
  });

  it('reads the events themselves when zoomed in, with rows for details', () => {
    const t = timelineTiles(model, { startNs: 400_000, endNs: 402_000, pixels: 1000 });
    expect(t.lanes[0]!.events).toBe(100);
    expect(t.lanes[0]!.slices.every((x) => x.count === 1 && x.row !== undefined)).toBe(true);
  });
});

describe('timelineTiles on a generated ~1M-row profile', () => {
  it('returns at most 2 slices per pixel per lane at every zoom level', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysight-tiles-'));
    try {
      const file = join(dir, 'big.sqlite');
      const stats = writeNsysProfile(presetScenario('bench', 5300), file);
      expect(stats.rows).toBeGreaterThan(1_000_000);
      const model = await openProfile(file);
      const { startNs, endNs } = model.meta;
      const rows = model.kernels.length + model.memcpy.length + model.memset.length + model.runtime.length + model.nvtx.length;
      for (const pixels of [200, 1920]) {
        for (const frac of [1, 0.1, 0.001]) {
          const mid = (startNs + endNs) / 2;
          const half = ((endNs - startNs) * frac) / 2;
          const t = timelineTiles(model, { startNs: mid - half, endNs: mid + half, pixels });
          expect(t.lanes.length).toBeGreaterThan(0);
          let events = 0;
          for (const lane of t.lanes) {
            expect(lane.slices.length).toBeLessThanOrEqual(2 * pixels);
            expect(lane.slices.reduce((s, x) => s + x.count, 0)).toBe(lane.events);
            events += lane.events;
          }
          if (frac === 1) expect(events).toBe(rows);
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 600_000);
});
