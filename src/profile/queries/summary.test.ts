import { describe, expect, it } from 'vitest';
import { ModelBuilder } from './model-builder.js';
import { QUERIES, findQuery } from './registry.js';
import { formatSummary, profileSummary } from './summary.js';

const U = 1000;

function workload() {
  const b = new ModelBuilder();
  b.notes.push('no callchains: localization will be static');
  for (let step = 0; step < 3; step++) {
    const t0 = step * 1000 * U;
    b.range(`step ${step}`, t0, t0 + 1000 * U, { pid: 1, tid: 1 });
    b.api('cudaLaunchKernel_v7000', t0, t0 + 5 * U, { pid: 1, tid: 1, correlationId: step * 10 + 1 });
    b.kernel('gemm', t0 + 10 * U, t0 + 410 * U, { pid: 1, correlationId: step * 10 + 1, streamId: 7 });
    b.kernel('relu', t0 + 410 * U, t0 + 415 * U, { pid: 1, streamId: 7 });
    b.kernel('ncclKernel_AllReduce_RING_LL_Sum_float', t0 + 300 * U, t0 + 500 * U, { pid: 1, streamId: 9 });
    b.copy(t0 + 600 * U, t0 + 700 * U, { pid: 1, copyKind: 1, srcKind: 1, dstKind: 3, bytes: 1e6 });
    b.api('cudaStreamSynchronize_v3020', t0 + 700 * U, t0 + 750 * U, { pid: 1, tid: 1 });
  }
  return b.build('run.sqlite');
}

describe('summary', () => {
  it('gives the headline numbers in one object', () => {
    const s = profileSummary(workload());
    expect(s).toMatchObject({
      source: 'run.sqlite', format: 'nsys-sqlite', durationMs: 3, hasGpuActivity: true, kernelTimeMs: 1.815,
      counts: { kernels: 9, runtime: 6, memcpy: 3, nvtx: 3, callchains: 0 },
      iterations: { method: 'nvtx', count: 3, meanMs: 1 },
      sync: { calls: 3, totalMs: 0.15 },
      memcpy: { count: 3, bytes: 3e6, totalMs: 0.3, pageableCount: 3, tinyPct: 0 },
      // per step NCCL [300,500) overlaps compute [10,415) for 115 µs
      nccl: { kernels: 3, totalMs: 0.6, exposedMs: 0.255, overlapPct: 57.5 },
      tinyKernelPct: 33.33,
      notes: ['no callchains: localization will be static'],
    });
    // device 0: busy [10,500) ∪ [600,700) per step = 590 µs of a 2690 µs span
    expect(s.devices).toEqual([{ deviceId: 0, name: 'Test GPU 0', kernels: 9, busyMs: 1.77, spanMs: 2.69, busyPct: 65.8 }]);
    expect(s.topKernels.map((k) => [k.name, k.count, k.totalNs])).toEqual([
      ['gemm', 3, 1200 * U], ['ncclKernel_AllReduce_RING_LL_Sum_float', 3, 600 * U], ['relu', 3, 15 * U],
    ]);
    // idle right after each sync: 750 → next GPU work at the next step's 1010
    expect(s.sync.idleAfterMs).toBe(0.52);
    const text = formatSummary(s);
    expect(text).toContain('gemm');
    expect(text).toContain('no callchains: localization will be static');
  });

  it('still summarizes a profile without GPU activity, with a note', () => {
    const s = profileSummary(new ModelBuilder().os('read', 0, 100).build('cpu.sqlite'));
    expect(s.hasGpuActivity).toBe(false);
    expect(s.notes.join(' ')).toContain('no GPU activity');
    expect(formatSummary(s)).not.toContain('Top kernels');
  });
});

describe('registry', () => {
  it('registers every query once, each JSON-serializable, bounded by limit and formatted', () => {
    const names = QUERIES.map((q) => q.name);
    expect(new Set(names).size).toBe(names.length);
    expect(names.sort()).toEqual(['callchain', 'gaps', 'graphs', 'iterations', 'launch', 'memcpy', 'mfu', 'nccl', 'nvtx', 'slice-details', 'steps', 'summary', 'sync', 'timeline-search', 'timeline-tiles', 'top-kernels', 'utilization']);
    const m = workload();
    for (const q of QUERIES) {
      // slice-details needs a slice and timeline-search a text: the others ignore those arguments
      const r = q.run(m, { limit: 1, minGapUs: 1, table: 0, row: 0, query: 'e' });
      const json = JSON.parse(JSON.stringify(r));
      expect(json, q.name).toEqual(r);
      for (const [k, v] of Object.entries(r as object)) {
        if (Array.isArray(v) && q.params.some((p) => p.name === 'limit') && k !== 'binBusyFraction') expect(v.length, `${q.name}.${k}`).toBeLessThanOrEqual(1);
      }
      expect(q.format(r, m).length, q.name).toBeGreaterThan(0);
    }
    expect(findQuery('nope')).toBeUndefined();
  });
});
