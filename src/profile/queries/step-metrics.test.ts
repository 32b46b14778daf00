import { describe, expect, it } from 'vitest';
import { ModelBuilder } from './model-builder.js';
import { projectToGpu, stepMetrics } from './step-metrics.js';

const U = 1000; // 1 µs in ns

/** `steps` steps of 1000 µs: gemm, 10 µs gap, gemm, a copy, then a stream sync the GPU idles after. */
function syncSteps(steps: number): ModelBuilder {
  const b = new ModelBuilder();
  for (let j = 0; j < steps; j++) {
    const t = j * 1000 * U;
    b.range(`step ${j}`, t, t + 1000 * U, { tid: 1 });
    b.kernel('gemm', t, t + 300 * U).kernel('gemm', t + 310 * U, t + 600 * U);
    b.copy(t + 600 * U, t + 650 * U, { copyKind: 2, bytes: 4 });
    b.api('cudaStreamSynchronize_v3020', t + 620 * U, t + 660 * U, { tid: 1 });
  }
  return b;
}

describe('stepMetrics', () => {
  it('attributes GPU idle to sync (C3), short gaps (C2) and host-bound idle (C1/C7), copies to C4', () => {
    const m = stepMetrics(syncSteps(4).build());
    expect(m.iterations).toHaveLength(4);
    expect(m.basis).toBe('cpu-ranges');
    expect(m.gpuCount).toBe(1);
    const at = (v: Float64Array) => v[1]! / U;
    expect(at(m.durationNs)).toBe(1000);
    expect(at(m.kernelNs)).toBe(590);
    expect(at(m.idleNs)).toBe(360);
    expect(at(m.categories.C2)).toBe(10); // the 10 µs gap between the GEMMs
    expect(at(m.categories.C3)).toBe(350); // 10 µs idle while waiting + 340 µs after the sync returns
    expect(at(m.categories['C1/C7'])).toBe(0); // the long gap is explained by the sync
    expect(at(m.categories.C4)).toBe(50);
    expect(m.syncCount[1]).toBe(1);
    expect(m.memcpyCount[1]).toBe(1);
    expect(m.kernelNames).toEqual(['gemm']);
    expect(at(m.kernelPerStep[0]!)).toBe(590);
    expect(m.kernelTotals.get('gemm')).toEqual({ totalNs: 4 * 590 * U, count: 8 });
  });

  it('counts a long gap with no sync as host-bound idle, copy/fill kernels and memsets as C5, exposed NCCL as C6', () => {
    const b = new ModelBuilder();
    for (let j = 0; j < 3; j++) {
      const t = j * 1000 * U;
      b.range(`step ${j}`, t, t + 1000 * U, { tid: 1 });
      b.kernel('gemm', t + 400 * U, t + 700 * U, { streamId: 7 });
      b.kernel('ncclDevKernel_AllReduce_Sum_bf16_RING_LL', t + 600 * U, t + 800 * U, { streamId: 13 });
      b.kernel('at::native::direct_copy_kernel_cuda', t + 800 * U, t + 820 * U, { streamId: 7 });
      b.set(t + 820 * U, t + 830 * U, { bytes: 64 });
    }
    const m = stepMetrics(b.build());
    const at = (v: Float64Array) => v[0]! / U;
    expect(at(m.categories['C1/C7'])).toBe(570); // 400 µs before the work + 170 µs after it
    expect(at(m.categories.C3)).toBe(0);
    expect(at(m.categories.C5)).toBe(30);
    expect(at(m.categories.C6)).toBe(100); // 200 µs of NCCL, 100 µs overlapped by the GEMM
    expect(at(m.ncclNs)).toBe(200);
  });

  it('projects CPU step ranges onto the GPU by correlation id', () => {
    const b = new ModelBuilder();
    // the CPU issues each step in 100 µs; the GPU runs each step's 400 µs kernel later, back to back
    for (let j = 0; j < 3; j++) {
      b.range(`step ${j}`, j * 100 * U, (j + 1) * 100 * U, { tid: 1 });
      b.api('cudaLaunchKernel', j * 100 * U + 10 * U, j * 100 * U + 15 * U, { tid: 1, correlationId: j + 1 });
      b.kernel('k', 50 * U + j * 400 * U, 50 * U + (j + 1) * 400 * U, { correlationId: j + 1 });
    }
    const model = b.build();
    const p = projectToGpu(model, [0, 1, 2].map((j) => ({ index: j, startNs: j * 100 * U, endNs: (j + 1) * 100 * U })))!;
    expect(p.map((i) => [i.startNs / U, i.endNs / U])).toEqual([[50, 450], [450, 850], [850, 1250]]);
    const m = stepMetrics(model);
    expect(m.basis).toBe('gpu-projected');
    expect(Array.from(m.durationNs, (d) => d / U)).toEqual([400, 400, 400]);
    expect(Array.from(m.kernelNs, (d) => d / U)).toEqual([400, 400, 400]);
  });

  it('is empty, not wrong, without steps', () => {
    const m = stepMetrics(new ModelBuilder().kernel('a', 0, 10).build());
    expect(m.iterations).toEqual([]);
    expect(m.durationNs).toHaveLength(0);
  });
});
