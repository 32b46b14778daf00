import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { presetScenario, writeNsysProfile } from '../generator/index.js';
import { openProfile } from '../open.js';
import { ModelBuilder } from './model-builder.js';
import { sliceDetails, sliceDetailsQuery } from './slice-details.js';
import { timelineTiles } from './timeline.js';
import { timelineSearch, timelineSearchQuery } from './timeline-search.js';

/** A thread launching a GEMM and a copy under NVTX ranges, with a native callchain and Python frames. */
function model() {
  const b = new ModelBuilder();
  b.callchains.set(7, [{ symbol: 'cudaLaunchKernel', module: 'libcudart.so' }, { symbol: 'at::native::addmm', module: 'libtorch_cuda.so' }]);
  b.cpuEvent('train.py(30): step', 0, 1000, { pid: 1, tid: 5, kind: 1, file: 'train.py', line: 30 });
  b.cpuEvent('model.py(52): forward', 50, 600, { pid: 1, tid: 5, kind: 1, file: 'model.py', line: 52 });
  b.range('step', 0, 1000, { pid: 1, tid: 5 });
  b.range('forward', 40, 600, { pid: 1, tid: 5 });
  b.range('matmul, seq = 3, sizes = [[64, 64]]', 100, 130, { pid: 1, tid: 5 });
  b.range('backward', 600, 990, { pid: 1, tid: 5 });
  b.api('cudaLaunchKernel_v7000', 100, 120, { pid: 1, tid: 5, correlationId: 11, callchainId: 7 });
  b.api('cudaMemcpyAsync_v3020', 700, 710, { pid: 1, tid: 5, correlationId: 12 });
  b.kernel('ampere_sgemm_128x64_tn', 200, 450, {
    pid: 1, deviceId: 0, streamId: 7, correlationId: 11, gridX: 96, gridY: 8, gridZ: 1, blockX: 128, blockY: 1, blockZ: 1,
    registersPerThread: 168, sharedMemoryBytes: 49152,
  });
  b.copy(720, 800, { pid: 1, deviceId: 0, streamId: 8, correlationId: 12, copyKind: 2, srcKind: 3, dstKind: 1, bytes: 4 });
  b.kernel('vectorized_elementwise_kernel', 460, 470, { pid: 1, deviceId: 0, streamId: 7 });
  return b.build();
}

describe('timeline NVTX lanes', () => {
  it('puts each nesting level of a thread in its own lane, with its depth', () => {
    const t = timelineTiles(model(), { startNs: 0, endNs: 1000, pixels: 1000 });
    // per thread: its NVTX levels, its CUDA calls, then its Python frames' levels
    expect(t.lanes.map((l) => l.id)).toEqual(['gpu0/stream7', 'gpu0/stream8', 'nvtx1/5/d0', 'nvtx1/5/d1', 'nvtx1/5/d2', 'cpu1/5', 'ops1/5/d0', 'ops1/5/d1']);
    const d1 = t.lanes.find((l) => l.id === 'nvtx1/5/d1')!;
    expect(d1).toMatchObject({ kind: 'nvtx', pid: 1, tid: 5, depth: 1, events: 2 });
    expect(d1.slices.map((s) => s.name)).toEqual(['forward', 'backward']);
    // the range text loses PyTorch's per-call arguments in the lane; its row keeps the full text for details
    expect(t.lanes.find((l) => l.id === 'nvtx1/5/d2')!.slices[0]).toMatchObject({ name: 'matmul', table: 4, count: 1 });
  });
});

describe('sliceDetails', () => {
  const m = model();

  it('gives the Python frames of an nsys callchain their file and line, so the dashboard can link them', () => {
    const b = new ModelBuilder();
    b.api('cudaLaunchKernel_v7000', 100, 120, { pid: 1, tid: 5, correlationId: 1, chain: [
      { symbol: 'cudaLaunchKernel', module: 'libcudart.so' }, { symbol: 'train_step (train.py:57)', module: 'python3.10' },
    ] });
    b.kernel('gemm', 200, 300, { pid: 1, deviceId: 0, streamId: 7, correlationId: 1 });
    expect(sliceDetails(b.build(), { table: 0, row: 0 }).runtime!.frames).toEqual([
      { symbol: 'cudaLaunchKernel', module: 'libcudart.so' },
      { symbol: 'train_step', module: 'python3.10', file: 'train.py', line: 57 },
    ]);
  });

  it('gives a kernel its launch dimensions, stream, and the runtime call with callchain and Python frames', () => {
    const d = sliceDetails(m, { table: 0, row: 0 });
    expect(d).toMatchObject({
      table: 'kernel', row: 0, lane: 'gpu0/stream7', name: 'ampere_sgemm_128x64_tn', startNs: 200, endNs: 450, durationNs: 250,
      deviceId: 0, streamId: 7, grid: [96, 8, 1], block: [128, 1, 1], registersPerThread: 168, sharedMemoryBytes: 49152, correlationId: 11,
    });
    expect(d.runtime).toMatchObject({ name: 'cudaLaunchKernel', tid: 5, startNs: 100, durationNs: 20 });
    expect(d.runtime!.frames.map((f) => f.symbol)).toEqual(['cudaLaunchKernel', 'at::native::addmm']);
    expect(d.runtime!.python.map((p) => `${p.file}:${p.line}`)).toEqual(['model.py:52', 'train.py:30']); // innermost first
    expect(sliceDetailsQuery.format(d, m)).toContain('grid 96×8×1, block 128×1×1');
  });

  it('finds a slice by lane and time, nearest within a tolerance, and describes copies, runtime calls and NVTX', () => {
    expect(sliceDetails(m, { lane: 'gpu0/stream7', timeNs: 465 })).toMatchObject({ name: 'vectorized_elementwise_kernel', row: 1 });
    expect(() => sliceDetails(m, { lane: 'gpu0/stream7', timeNs: 480 })).toThrow(/no slice in lane gpu0\/stream7 at 480 ns/);
    expect(sliceDetails(m, { lane: 'gpu0/stream7', timeNs: 480, toleranceNs: 20 }).name).toBe('vectorized_elementwise_kernel');
    const copy = sliceDetails(m, { lane: 'gpu0/stream8', timeNs: 750 });
    expect(copy).toMatchObject({ table: 'memcpy', name: 'memcpy DtoH', bytes: 4, copyKind: 'DtoH', srcKind: 'Device', dstKind: 'Pageable' });
    expect(copy.runtime?.name).toBe('cudaMemcpyAsync');
    const call = sliceDetails(m, { lane: 'cpu1/5', timeNs: 110 });
    expect(call).toMatchObject({ table: 'runtime', name: 'cudaLaunchKernel_v7000', pid: 1, tid: 5 });
    expect(call.launched).toMatchObject({ table: 'kernel', row: 0, lane: 'gpu0/stream7', name: 'ampere_sgemm_128x64_tn', startNs: 200 });
    const range = sliceDetails(m, { lane: 'nvtx1/5/d2', timeNs: 120 });
    expect(range).toMatchObject({ table: 'nvtx', name: 'matmul', fullName: 'matmul, seq = 3, sizes = [[64, 64]]', depth: 2 });
    // the innermost covering range at a time is the one on the deeper lane; the outer lane gives its own
    expect(sliceDetails(m, { lane: 'nvtx1/5/d0', timeNs: 120 }).name).toBe('step');
  });

  it('rejects a missing or out-of-range selection with a one-line error', () => {
    expect(() => sliceDetails(m, {})).toThrow(UserError);
    expect(() => sliceDetails(m, { table: 0, row: 99 })).toThrow(/row 99 is out of range: the kernel table has 2 rows/);
    expect(() => sliceDetails(m, { table: 9, row: 0 })).toThrow(/table must be 0–6/);
    expect(() => sliceDetails(m, { lane: 'gpu5/stream1', timeNs: 1 })).toThrow(/no lane gpu5\/stream1/);
    expect(sliceDetailsQuery.run(m, { table: 'memcpy', row: '0' }).name).toBe('memcpy DtoH');
  });
});

describe('timelineSearch', () => {
  const m = model();

  it('finds kernels and NVTX ranges by substring, case-insensitive, in time order with their lanes', () => {
    const r = timelineSearch(m, { query: 'SGEMM' });
    expect(r).toMatchObject({ total: 1, kernels: 1, nvtx: 0, truncated: false });
    expect(r.hits).toEqual([{ table: 'kernel', row: 0, lane: 'gpu0/stream7', name: 'ampere_sgemm_128x64_tn', startNs: 200, endNs: 450 }]);
    const w = timelineSearch(m, { query: 'ward' });
    expect(w.hits.map((h) => [h.name, h.lane])).toEqual([['forward', 'nvtx1/5/d1'], ['model.py(52): forward · model.py:52', 'ops1/5/d1'], ['backward', 'nvtx1/5/d1']]);
    expect(w).toMatchObject({ kernels: 0, nvtx: 2, cpu: 1 });
    // NVTX arguments are searchable; a from-time pages through the matches while the totals stay whole
    expect(timelineSearch(m, { query: 'seq = 3' }).hits.map((h) => h.name)).toEqual(['matmul']);
    const e = timelineSearch(m, { query: 'r', limit: 2 });
    expect(e.hits.map((h) => h.startNs)).toEqual([0, 40]); // the Python frame train.py(30): step, then the range forward
    expect(e.total).toBe(6);
    expect(e.truncated).toBe(true);
    const later = timelineSearch(m, { query: 'r', limit: 2, fromNs: 450 });
    expect(later.hits.map((h) => h.name)).toEqual(['vectorized_elementwise_kernel', 'backward']);
    expect(later.total).toBe(e.total);
    expect(timelineSearch(m, { query: 'nothing-like-this' })).toMatchObject({ total: 0, hits: [] });
    expect(() => timelineSearch(m, { query: '  ' })).toThrow(UserError);
    expect(() => timelineSearchQuery.run(m, {})).toThrow(/--query/);
  });
});

describe('slice details and search on a generated profile', () => {
  it('every single-event tile slice has details that agree with it; search hits land in the tiles', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysight-slices-'));
    try {
      const file = join(dir, 'p.sqlite');
      writeNsysProfile(presetScenario('healthy', 4), file);
      const pm = await openProfile(file);
      const { startNs, endNs } = pm.meta;
      const t = timelineTiles(pm, { startNs, endNs, pixels: 200_000 });
      expect(t.lanes.some((l) => l.kind === 'nvtx')).toBe(true);
      let kernelsWithStack = 0;
      for (const lane of t.lanes) {
        for (const s of lane.slices.filter((x) => x.count === 1).slice(0, 40)) {
          const d = sliceDetails(pm, { table: s.table!, row: s.row! });
          expect(d).toMatchObject({ lane: lane.id, name: s.name, startNs: s.startNs, endNs: s.endNs });
          if (d.table === 'kernel' && d.runtime?.frames.some((f) => f.module?.endsWith('.py'))) kernelsWithStack++;
        }
      }
      // the generator records Python backtraces for launches: kernels lead back to their source lines
      expect(kernelsWithStack).toBeGreaterThan(0);
      const r = timelineSearch(pm, { query: 'gemm', limit: 5 });
      expect(r.total).toBeGreaterThan(5);
      expect(r.hits).toHaveLength(5);
      for (const h of r.hits) {
        const w = timelineTiles(pm, { startNs: h.startNs, endNs: h.endNs + 1, pixels: 10, lanes: [h.lane] });
        expect(w.lanes[0]!.slices.some((s) => s.name === h.name)).toBe(true);
      }
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }, 120_000);
});
