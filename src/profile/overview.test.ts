import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { API_COLUMNS, KERNEL_COLUMNS, MEMCPY_COLUMNS, RANGE_COLUMNS, StringInterner, TableBuilder, emptyTables } from '../core/tables.js';
import type { ProfileModel } from '../core/profile.js';
import { buildOverview, findIterations, mergeIntervals } from './overview.js';

function model(parts: {
  kernels?: Array<[number, number, number, number, string]>; // start, end, device, stream, name
  copies?: Array<[number, number, number, number]>;
  api?: Array<[number, number]>;
  nvtx?: Array<[number, number, string]>;
  span: [number, number];
}): ProfileModel {
  const s = new StringInterner();
  const k = new TableBuilder(KERNEL_COLUMNS), m = new TableBuilder(MEMCPY_COLUMNS), a = new TableBuilder(API_COLUMNS), n = new TableBuilder(RANGE_COLUMNS);
  for (const [start, end, deviceId, streamId, name] of parts.kernels ?? []) k.push({ start, end, deviceId, streamId, nameId: s.intern(name) });
  for (const [start, end, deviceId, streamId] of parts.copies ?? []) m.push({ start, end, deviceId, streamId, copyKind: 1 });
  for (const [start, end] of parts.api ?? []) a.push({ start, end, nameId: s.intern('cudaLaunchKernel') });
  for (const [start, end, text] of parts.nvtx ?? []) n.push({ start, end, textId: s.intern(text), depth: 0 });
  return {
    meta: {
      format: 'nsys-sqlite', source: 'p.sqlite', startNs: parts.span[0], endNs: parts.span[1], gpus: [{ deviceId: 0, name: 'GPU' }],
      processes: [], threads: [], tables: {}, notes: [],
      capabilities: { kernels: true, runtime: true, memcpy: true, memset: false, sync: false, nvtx: true, osrt: false, cudaCallchains: false, osrtCallchains: false, cpuSampling: false, pythonStacks: false, cpuOps: false },
    },
    strings: s.strings, ...emptyTables(),
    kernels: k.build() as ProfileModel['kernels'], memcpy: m.build() as ProfileModel['memcpy'],
    runtime: a.build() as ProfileModel['runtime'], nvtx: n.build() as ProfileModel['nvtx'], callchains: new Map(),
  };
}

describe('buildOverview', () => {
  it('bins kernels, copies and NCCL per lane, and measures CPU/GPU overlap exactly', () => {
    const o = buildOverview(model({
      span: [0, 1000],
      kernels: [[0, 250, 0, 7, 'gemm'], [500, 600, 0, 7, 'gemm'], [100, 200, 1, 3, 'ncclKernel_AllReduce']],
      copies: [[250, 300, 0, 8]],
      api: [[150, 400]],
    }), { bins: 10 });
    expect(o.binNs).toBe(100);
    expect(o.lanes.map((l) => [l.deviceId, l.streamId, l.busyNs])).toEqual([[0, 7, 350], [0, 8, 50], [1, 3, 100]]);
    expect(o.lanes[0]!.busy.kernel).toEqual([1, 1, 0.5, 0, 0, 1, 0, 0, 0, 0]);
    expect(o.lanes[1]!.busy.memcpy).toEqual([0, 0, 0.5, 0, 0, 0, 0, 0, 0, 0]);
    expect(o.lanes[2]!.busy.nccl).toEqual([0, 1, 0, 0, 0, 0, 0, 0, 0, 0]);
    // GPU union [0,300) ∪ [500,600) = 400; host [150,400) = 250; both [150,300) = 150
    expect(o.overlap).toEqual({ both: 0.15, gpuOnly: 0.25, cpuOnly: 0.1, nvtxOnly: 0, idle: 0.5 });
    expect(o.gpuBusy.slice(0, 4)).toEqual([1, 1, 1, 0]);
    expect(o.cpuBusy.slice(0, 5)).toEqual([0, 0.5, 1, 1, 0]);
    expect(o.topKernels.map((t) => [t.name, t.count, t.totalNs])).toEqual([['gemm', 2, 350], ['ncclKernel_AllReduce', 1, 100]]);
    expect(o.notes).toContain('No steps found: no step-like NVTX or annotation ranges and no repeating kernel sequence.');
    expect(o.iterationMethod).toBe('none');
  });

  it('takes the steps of the one step detector, says how they were found, and zooms into a range', () => {
    const nvtx: Array<[number, number, string]> = [[0, 100, 'ProfilerStep#0'], [100, 300, 'ProfilerStep#1'], [300, 400, 'ProfilerStep#2'], [0, 400, 'forward']];
    const m = model({ span: [0, 400], nvtx, kernels: [[50, 150, 0, 7, 'k']] });
    expect(findIterations(m).map((i) => i.label)).toEqual(['ProfilerStep 1 of 3', 'ProfilerStep 2 of 3', 'ProfilerStep 3 of 3']);
    const whole = buildOverview(m, { bins: 10 });
    expect(whole.iterationMs).toBe(0.0001);
    expect([whole.iterationMethod, whole.iterationDetail]).toEqual(['nvtx', '3 steps from the "ProfilerStep#0" ranges']);
    expect(whole.gpuTime?.kernels).toEqual({ count: 1, ns: 100 });
    const z = buildOverview(m, { bins: 10, range: [100, 300] });
    expect([z.startNs, z.endNs, z.binNs]).toEqual([100, 300, 20]);
    expect(z.iterations.map((i) => i.label)).toEqual(['ProfilerStep 2 of 3']);
    expect(z.gpuTime).toBeUndefined();
    expect(z.lanes[0]!.busy.kernel.slice(0, 4)).toEqual([1, 1, 0.5, 0]); // kernel [50,150) in bins of 20 ns from 100
    const m2 = model({ span: [0, 400], nvtx: [[0, 100, 'train step 1'], [100, 200, 'train step 2'], [0, 50, 'load']] });
    expect(findIterations(m2).map((i) => i.label)).toEqual(['train step 1 of 2', 'train step 2 of 2']);
  });

  it('counts time inside an NVTX range with no GPU work and no CPU call as NVTX-only, not idle; step ranges do not count', () => {
    const o = buildOverview(model({
      span: [0, 1000],
      kernels: [[0, 200, 0, 7, 'gemm'], [700, 800, 0, 7, 'gemm']],
      api: [[150, 250]],
      // a compile range over the gap [250, 700) (and over the API call it began in); a step range over everything
      nvtx: [[200, 600, 'KernelExecutor::compileFusion'], [0, 1000, 'ProfilerStep#0']],
    }), { bins: 10 });
    // GPU [0,200) ∪ [700,800) = 300; host [150,250) = 100, both 50; range [200,600) outside them: [250,600) = 350
    expect(o.overlap).toEqual({ both: 0.05, gpuOnly: 0.25, cpuOnly: 0.05, nvtxOnly: 0.35, idle: 0.3 });
  });

  it('keeps every bin a fraction in [0, 1] and the overlap shares summing to 1 (property)', () => {
    const interval = fc.tuple(fc.integer({ min: 0, max: 10_000 }), fc.integer({ min: 1, max: 3_000 })).map(([s, d]) => [s, s + d] as const);
    fc.assert(fc.property(fc.array(interval, { maxLength: 40 }), fc.array(interval, { maxLength: 40 }), fc.array(interval, { maxLength: 10 }), fc.integer({ min: 10, max: 300 }), (ks, as, rs, bins) => {
      const o = buildOverview(model({
        span: [0, 13_000], kernels: ks.map(([s, e], i) => [s, e, 0, i % 3, `k${i % 4}`]), api: as.map(([s, e]) => [s, e]),
        nvtx: rs.map(([s, e], i) => [s, e, i % 2 ? `ProfilerStep#${i}` : `range${i}`]),
      }), { bins });
      for (const v of Object.values(o.overlap)) expect(v).toBeGreaterThanOrEqual(0);
      for (const l of o.lanes) for (const v of l.busy.kernel) expect(v >= 0 && v <= 1).toBe(true);
      for (const v of [...o.gpuBusy, ...o.cpuBusy]) expect(v >= 0 && v <= 1).toBe(true);
      const sum = o.overlap.both + o.overlap.gpuOnly + o.overlap.cpuOnly + o.overlap.nvtxOnly! + o.overlap.idle;
      expect(Math.abs(sum - 1)).toBeLessThan(0.0026);
    }), { numRuns: 60 });
  });

  it('merges overlapping intervals', () => {
    const [s, e] = mergeIntervals([5, 0, 2, 20], [8, 3, 6, 21]);
    expect([...s!]).toEqual([0, 20]);
    expect([...e!]).toEqual([8, 21]);
  });
});
