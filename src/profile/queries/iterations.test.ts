import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { detectIterations, iterationOf, iterationsResult, perIteration, sumByIteration } from './iterations.js';
import { ModelBuilder } from './model-builder.js';

const U = 1000;

/** back-to-back 10 µs kernels with the given names, starting at t=0 */
function sequence(names: string[], device = 0): ModelBuilder {
  const b = new ModelBuilder();
  names.forEach((n, i) => b.kernel(n, i * 10 * U, i * 10 * U + 8 * U, { deviceId: device }));
  return b;
}

describe('iterations', () => {
  it('uses NVTX step ranges first', () => {
    const b = sequence(['A', 'B', 'C', 'A', 'B', 'C']);
    b.range('ProfilerStep#0', 0, 100 * U, { tid: 1 });
    b.range('ProfilerStep#1', 100 * U, 250 * U, { tid: 1 });
    b.range('ProfilerStep#2', 250 * U, 350 * U, { tid: 1 });
    b.range('forward', 10 * U, 50 * U, { tid: 1 });
    const d = detectIterations(b.build());
    expect(d.method).toBe('nvtx');
    expect(d.rangeName).toBe('ProfilerStep#0');
    expect(d.iterations).toEqual([
      { index: 0, startNs: 0, endNs: 100 * U }, { index: 1, startNs: 100 * U, endNs: 250 * U }, { index: 2, startNs: 250 * U, endNs: 350 * U },
    ]);
    const r = iterationsResult(d, 2);
    expect(r).toMatchObject({ count: 3, meanMs: 0.117, medianMs: 0.1, p90Ms: 0.14, minMs: 0.1, maxMs: 0.15, truncated: true });
    expect(r.iterations).toHaveLength(2);
  });

  it('keeps the outermost of nested step ranges and accepts a custom pattern', () => {
    const b = new ModelBuilder();
    b.range('train_step', 0, 100, { tid: 1 }).range('step 0', 10, 90, { tid: 1 }).range('train_step', 100, 200, { tid: 1 });
    b.range('myloop', 0, 50, { tid: 2 }).range('myloop', 60, 70, { tid: 2 });
    const m = b.build();
    expect(detectIterations(m).iterations.map((i) => [i.startNs, i.endNs])).toEqual([[0, 100], [100, 200]]);
    expect(detectIterations(m, { pattern: '^myloop$' }).iterations.map((i) => [i.startNs, i.endNs])).toEqual([[0, 50], [60, 70]]);
    expect(() => detectIterations(m, { pattern: '(' })).toThrow(UserError);
  });

  it('reads Kineto ProfilerStep annotations from the cpu table', () => {
    const b = new ModelBuilder();
    b.cpuEvent('ProfilerStep#5', 0, 100, { kind: 2 }).cpuEvent('ProfilerStep#6', 100, 180, { kind: 0 }).cpuEvent('aten::mm', 0, 50, { kind: 0 });
    b.cpuEvent('step', 200, 300, { kind: 1 }); // a Python frame named step is not a step range
    expect(detectIterations(b.build()).iterations).toHaveLength(2);
  });

  it('finds a period-3 kernel sequence after a warm-up', () => {
    const names = ['X', 'Y', ...Array.from({ length: 5 }, () => ['A', 'B', 'C']).flat()];
    const d = detectIterations(sequence(names).build());
    expect(d).toMatchObject({ method: 'kernel-period', periodKernels: 3, anchorKernel: 'A', deviceId: 0, repeatScore: 1 });
    // A occurs at positions 2, 5, 8, 11, 14 → 4 full iterations of 3 kernels (30 µs)
    expect(d.iterations).toHaveLength(4);
    expect(d.iterations[0]).toEqual({ index: 0, startNs: 20 * U, endNs: 50 * U });
    expect(iterationsResult(d, 10).meanMs).toBe(0.03);
  });

  it('takes the rarest regular kernel as the anchor (8 element-wise kernels + 1 GEMM per step)', () => {
    const names = Array.from({ length: 6 }, () => [...Array(8).fill('elementwise'), 'gemm']).flat();
    const d = detectIterations(sequence(names).build());
    expect(d).toMatchObject({ method: 'kernel-period', periodKernels: 9, anchorKernel: 'gemm' });
    expect(d.iterations).toHaveLength(5);
  });

  it('uses the busiest device and reports none when nothing repeats', () => {
    const b = sequence(['A', 'B', 'A', 'B', 'A', 'B', 'A', 'B'], 3);
    b.kernel('Z', 0, 1, { deviceId: 0 });
    expect(detectIterations(b.build())).toMatchObject({ method: 'kernel-period', deviceId: 3, periodKernels: 2 });
    const none = detectIterations(sequence(['A', 'B', 'C', 'D', 'E', 'F', 'G']).build());
    expect(none).toEqual({ method: 'none', iterations: [] });
  });

  it('gives any metric per iteration', () => {
    const b = new ModelBuilder();
    b.range('step 0', 0, 100, { tid: 1 }).range('step 1', 100, 300, { tid: 1 });
    b.kernel('k', 10, 20).kernel('k', 30, 50).kernel('k', 150, 160).kernel('k', 400, 410);
    const m = b.build();
    const its = detectIterations(m).iterations;
    const dur = perIteration(m, its, (it) => it.endNs - it.startNs);
    expect(dur).toEqual({ values: [100, 200], mean: 150, median: 150, p90: 190 });
    const kernelTime = sumByIteration(its, m.kernels.start, m.kernels.length, (r) => m.kernels.end[r]! - m.kernels.start[r]!);
    expect(Array.from(kernelTime)).toEqual([30, 10]);
    expect(iterationOf(its, 99)).toBe(0);
    expect(iterationOf(its, 300)).toBe(-1);
  });
});
