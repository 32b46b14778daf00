// Unit tests of the GPU-side queries on hand-built models with hand-computed numbers. U = 1 µs in ns.
import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { gaps } from './gaps.js';
import { launchStats } from './launch.js';
import { ModelBuilder } from './model-builder.js';
import { collectiveOf, ncclStats } from './nccl.js';
import { findQuery } from './registry.js';
import { topKernels } from './top-kernels.js';
import { binIntervals, utilization } from './utilization.js';
import { mergeIntervals, sortedOrder } from './util.js';
import fc from 'fast-check';

const U = 1000;

describe('top-kernels', () => {
  it('groups by short name with count, total, mean, p50, p99 and share', () => {
    const b = new ModelBuilder();
    [[0, 10], [20, 40], [50, 80], [100, 140]].forEach(([s, e]) => b.kernel('A', s!, e!));
    b.kernel('B', 200, 350);
    const r = topKernels(b.build());
    expect(r.kernelCount).toBe(5);
    expect(r.kernelTimeNs).toBe(250);
    expect(r.distinctNames).toBe(2);
    expect(r.kernels.map((k) => k.name)).toEqual(['B', 'A']);
    const a = r.kernels[1]!;
    expect(a).toMatchObject({ count: 4, totalNs: 100, meanNs: 25, p50Ns: 25, minNs: 10, maxNs: 40, sharePct: 40 });
    expect(a.p99Ns).toBeCloseTo(39.7, 5);
    expect(r.kernels[0]!.sharePct).toBe(60);
    expect(topKernels(b.build(), { limit: 1 }).kernels).toHaveLength(1);
  });

  it('restricts to one device', () => {
    const m = new ModelBuilder().kernel('A', 0, 10, { deviceId: 0 }).kernel('B', 0, 30, { deviceId: 1 }).build();
    expect(topKernels(m, { deviceId: 1 }).kernels.map((k) => k.name)).toEqual(['B']);
  });
});

describe('gaps', () => {
  const model = () => {
    const b = new ModelBuilder();
    b.kernel('K1', 0, 100 * U, { streamId: 1, pid: 1 });
    b.kernel('K2', 500 * U, 600 * U, { streamId: 1, pid: 1 });
    b.kernel('K3', 50 * U, 200 * U, { streamId: 2, pid: 1 });
    b.api('cudaStreamSynchronize_v3020', 250 * U, 450 * U, { pid: 1, tid: 10 });
    b.api('cudaLaunchKernel_v7000', 10 * U, 20 * U, { pid: 1, tid: 10 }); // before the gap: not listed
    b.os('poll', 0, 1000 * U, { pid: 1, tid: 11 });
    b.range('step 0', 0, 1000 * U, { pid: 1, tid: 10 });
    b.cpuEvent('aten::item', 240 * U, 460 * U, { pid: 1, tid: 10, kind: 0 });
    b.api('cudaDeviceSynchronize', 300 * U, 400 * U, { pid: 2, tid: 20 }); // another GPU process: filtered out
    b.kernel('other', 0, 10 * U, { pid: 2, deviceId: 1 });
    return b.build();
  };

  it('finds device-wide and per-stream gaps with the CPU activity inside', () => {
    const r = gaps(model(), { minGapNs: 100 * U });
    const dev0 = r.devices.find((d) => d.deviceId === 0)!;
    expect(dev0).toMatchObject({ spanNs: 600 * U, busyNs: 300 * U, idleNs: 300 * U, gapCount: 1, gapTotalNs: 300 * U, largestGapNs: 300 * U });
    expect(r.streams).toEqual([{ deviceId: 0, streamId: 1, gapCount: 1, gapTotalNs: 400 * U, largestGapNs: 400 * U }]);
    expect(r.gaps.map((g) => [g.scope, g.durationNs])).toEqual([['stream', 400 * U], ['device', 300 * U]]);
    const g = r.gaps[1]!;
    expect(g).toMatchObject({ deviceId: 0, streamId: null, startNs: 200 * U, endNs: 500 * U, before: 'K3', after: 'K2' });
    const byName = Object.fromEntries(g.cpu.map((a) => [`${a.kind}:${a.name}`, a.overlapNs]));
    expect(byName).toEqual({
      'osrt:poll': 300 * U, 'nvtx:step 0': 300 * U, 'cpu_op:aten::item': 220 * U, 'runtime:cudaStreamSynchronize': 200 * U,
    });
    expect(g.cpu[0]!.overlapNs).toBe(300 * U);
  });

  it('lists a stream gap that is also a device gap once, as the device gap', () => {
    const m = new ModelBuilder().kernel('a', 0, 100 * U, { streamId: 3 }).kernel('b', 300 * U, 400 * U, { streamId: 3 }).build();
    const all = gaps(m, { minGapNs: 100 * U });
    expect(all.gaps.map((g) => [g.scope, g.startNs, g.endNs])).toEqual([['device', 100 * U, 300 * U]]);
    expect(all.streams).toEqual([{ deviceId: 0, streamId: 3, gapCount: 1, gapTotalNs: 200 * U, largestGapNs: 200 * U }]);
    expect(gaps(m, { minGapNs: 100 * U, scope: 'stream' }).gaps.map((g) => [g.scope, g.streamId])).toEqual([['stream', 3]]);
  });

  it('honours scope, threshold and limit', () => {
    expect(gaps(model(), { minGapNs: 100 * U, scope: 'device' }).gaps.map((g) => g.scope)).toEqual(['device']);
    expect(gaps(model(), { minGapNs: 350 * U }).gaps.map((g) => g.durationNs)).toEqual([400 * U]);
    expect(gaps(model(), { minGapNs: 100 * U, limit: 1 }).gaps).toHaveLength(1);
    expect(gaps(model(), { minGapNs: 100 * U, cpuLimit: 2 }).gaps[1]!.cpu).toHaveLength(2);
  });
});

describe('utilization', () => {
  it('bins busy time per device over the common span', () => {
    const m = new ModelBuilder()
      .kernel('a', 0, 100, { deviceId: 0 }).copy(300, 400, { deviceId: 0 })
      .kernel('b', 0, 400, { deviceId: 1 })
      .build();
    const r = utilization(m, { bins: 4 });
    expect(r).toMatchObject({ startNs: 0, endNs: 400, binNs: 100, bins: 4, overallBusyPct: 75 });
    expect(r.devices[0]).toMatchObject({ deviceId: 0, busyNs: 200, busyPct: 50, kernelBusyPct: 25, binBusyFraction: [1, 0, 0, 1] });
    expect(r.devices[1]!.binBusyFraction).toEqual([1, 1, 1, 1]);
  });

  it('bins conserve busy time and never exceed the bin width (any offsets, no endless loop)', () => {
    fc.assert(fc.property(
      fc.double({ min: 0, max: 2e12, noNaN: true }),
      fc.array(fc.tuple(fc.double({ min: 0, max: 1e7, noNaN: true }), fc.double({ min: 0, max: 1e6, noNaN: true })), { minLength: 1, maxLength: 40 }),
      fc.integer({ min: 1, max: 97 }),
      (offset, raw, bins) => {
        const start = Float64Array.from(raw, ([a]) => offset + a);
        const end = Float64Array.from(raw, ([a, d]) => offset + a + d);
        const iv = mergeIntervals(start, end, sortedOrder(start));
        const lo = iv.start[0]!;
        const binNs = (iv.end[iv.length - 1]! - lo) / bins;
        const out = binIntervals(iv, lo, binNs, bins);
        let total = 0;
        for (let i = 0; i < iv.length; i++) total += iv.end[i]! - iv.start[i]!;
        const sum = out.reduce((x, y) => x + y, 0);
        expect(Math.abs(sum - (binNs > 0 ? total : 0))).toBeLessThanOrEqual(1e-6 * Math.max(1, total));
        for (const x of out) expect(x).toBeLessThanOrEqual(binNs * (1 + 1e-9) + 1e-3);
      },
    ));
  });
});

describe('launch', () => {
  it('measures launch vs kernel time, queue delay, tiny kernels and launch-bound idle', () => {
    const b = new ModelBuilder();
    b.api('cudaLaunchKernel_v7000', 0, 5 * U, { correlationId: 1 });
    b.api('cudaLaunchKernel_v7000', 6 * U, 11 * U, { correlationId: 2 });
    b.api('cuLaunchKernel', 100 * U, 105 * U, { correlationId: 3 });
    b.api('cudaMemcpyAsync_v3020', 120 * U, 130 * U, { correlationId: 4 });
    b.kernel('k1', 10 * U, 30 * U, { correlationId: 1 });
    b.kernel('k2', 30 * U, 35 * U, { correlationId: 2 });
    b.kernel('k3', 110 * U, 112 * U, { correlationId: 3 });
    const r = launchStats(b.build());
    expect(r).toMatchObject({
      launchCalls: 3, launchApiNs: 15 * U, kernelCount: 3, kernelNs: 27 * U, launchToKernelRatio: 0.556,
      matchedKernels: 3, queueDelayP50Ns: 10 * U, tinyKernelCount: 2, tinyKernelPct: 66.67, tinyKernelTimePct: 25.93,
      launchBoundIdleNs: 75 * U, spanNs: 102 * U, gpuStarvedPct: 73.53,
    });
    expect(r.queueDelayP99Ns).toBeCloseTo(23.72 * U, 1);
    expect(r.apis.map((a) => [a.name, a.count])).toEqual([['cudaLaunchKernel', 2], ['cuLaunchKernel', 1]]);
  });

  it('counts HIP launch calls (ROCm traces) as launches, graph launches included', () => {
    const b = new ModelBuilder();
    b.api('hipLaunchKernel', 0, 4 * U, { correlationId: 1 }).kernel('k1', 10 * U, 12 * U, { correlationId: 1 });
    b.api('hipExtModuleLaunchKernel', 20 * U, 26 * U, { correlationId: 2 }).kernel('triton_poi_fused_add_0', 30 * U, 31 * U, { correlationId: 2 });
    b.api('hipGraphLaunch', 40 * U, 50 * U, { correlationId: 3 });
    b.kernel('g1', 60 * U, 61 * U, { correlationId: 3 }).kernel('g2', 62 * U, 63 * U, { correlationId: 3 });
    b.api('hipMemcpyAsync', 70 * U, 80 * U, { correlationId: 4 });
    const r = launchStats(b.build());
    expect(r).toMatchObject({ launchCalls: 3, launchApiNs: 20 * U, matchedKernels: 4, graphKernelCount: 2 });
    expect(r.apis.map((a) => a.name).sort()).toEqual(['hipExtModuleLaunchKernel', 'hipGraphLaunch', 'hipLaunchKernel']);
  });

  it('joins kernels to the launch call of their own process when correlation ids repeat across processes', () => {
    const b = new ModelBuilder();
    b.api('cudaLaunchKernel', 50 * U, 51 * U, { pid: 2, correlationId: 5 }).api('cudaLaunchKernel', 0, 1 * U, { pid: 1, correlationId: 5 });
    b.kernel('k', 60 * U, 70 * U, { pid: 2, correlationId: 5 });
    expect(launchStats(b.build()).queueDelayP50Ns).toBe(10 * U);
  });

  it('counts launches per iteration as kernels when iterations come from the kernel sequence', () => {
    const b = new ModelBuilder();
    for (let i = 0; i < 12; i++) {
      b.api('cudaLaunchKernel', i * 10 * U, i * 10 * U + 1 * U, { correlationId: i + 1 });
      b.kernel(['A', 'B', 'C'][i % 3]!, 500 * U + i * 10 * U, 500 * U + i * 10 * U + 5 * U, { correlationId: i + 1 });
    }
    expect(launchStats(b.build())).toMatchObject({ iterationMethod: 'kernel-period', iterationCount: 3, launchesPerIterationMean: 3 });
  });

  it('does not count idle as launch-bound when the launch was issued before the GPU went idle', () => {
    const b = new ModelBuilder();
    b.api('cudaLaunchKernel', 0, 5 * U, { correlationId: 1 }).kernel('k1', 10 * U, 30 * U, { correlationId: 1 });
    b.api('cudaLaunchKernel', 6 * U, 8 * U, { correlationId: 2 }).kernel('k2', 50 * U, 60 * U, { correlationId: 2 });
    expect(launchStats(b.build()).launchBoundIdleNs).toBe(0);
  });
});

describe('nccl', () => {
  it('splits NCCL time into overlapped with compute on other streams and exposed', () => {
    const b = new ModelBuilder();
    b.kernel('ncclKernel_AllReduce_RING_LL_Sum_float', 0, 100 * U, { streamId: 7 });
    b.kernel('gemm', 50 * U, 80 * U, { streamId: 1 });
    b.kernel('gemm', 90 * U, 150 * U, { streamId: 1 });
    b.kernel('ncclDevKernel_AllGather_RING_LL', 200 * U, 250 * U, { streamId: 7 });
    const r = ncclStats(b.build());
    expect(r).toMatchObject({ kernels: 2, totalNs: 150 * U, overlappedNs: 40 * U, exposedNs: 110 * U, overlapPct: 26.67, ncclSharePct: 62.5 });
    expect(r.collectives.map((c) => [c.collective, c.overlappedNs, c.exposedNs])).toEqual([
      ['AllReduce', 40 * U, 60 * U], ['AllGather', 0, 50 * U],
    ]);
    expect(r.devices[0]).toMatchObject({ deviceId: 0, computeNs: 90 * U });
  });

  it('names collectives', () => {
    expect(collectiveOf('ncclAllReduceRingLLKernel_sum_f32')).toBe('AllReduce');
    expect(collectiveOf('ncclKernel_ReduceScatter_RING_LL_Sum_half')).toBe('ReduceScatter');
    expect(collectiveOf('ncclDevKernel_SendRecv')).toBe('SendRecv');
    expect(collectiveOf('ncclDevKernel_Broadcast_RING_LL')).toBe('Broadcast');
    expect(collectiveOf('ncclSomething')).toBe('Other');
  });
});

describe('GPU-only queries on a profile with no GPU activity', () => {
  it('throw a UserError naming the missing activity', () => {
    const m = new ModelBuilder().api('cudaGetDeviceCount', 0, 10).os('read', 0, 100).build('cpu-only.sqlite');
    for (const q of ['top-kernels', 'gaps', 'utilization', 'launch', 'nccl']) {
      let err: unknown;
      try {
        findQuery(q)!.run(m, {});
      } catch (e) {
        err = e;
      }
      expect(err, q).toBeInstanceOf(UserError);
      expect((err as Error).message).toContain('cpu-only.sqlite has no GPU activity (no kernels or copies)');
    }
    for (const q of ['summary', 'sync', 'memcpy', 'nvtx', 'iterations', 'callchain']) expect(() => findQuery(q)!.run(m, {})).not.toThrow();
  });
});
