import { describe, expect, it } from 'vitest';
import { formatGpuTime, gpuTime } from './gpu-time.js';
import { ModelBuilder } from './model-builder.js';

const M = 1e6;

describe('gpu-time', () => {
  it('splits GPU time by kind and copies by direction and host memory, and marks sync calls as waiting', () => {
    const b = new ModelBuilder()
      .kernel('gemm', 0, 10 * M).kernel('ncclDevKernel_AllReduce', 10 * M, 14 * M)
      .copy(20 * M, 22 * M, { copyKind: 1, srcKind: 2, dstKind: 3, bytes: 1000 })
      .copy(22 * M, 23 * M, { copyKind: 1, srcKind: 1, dstKind: 3, bytes: 10 })
      .copy(23 * M, 26 * M, { copyKind: 2, srcKind: 3, dstKind: 1, bytes: 50 })
      .set(26 * M, 27 * M, { bytes: 64 })
      .kernel('gemm', 30 * M, 40 * M, { deviceId: 1 })
      .api('cudaLaunchKernel_v7000', 0, 1 * M).api('cudaLaunchKernel', 2 * M, 3 * M).api('cudaStreamSynchronize', 3 * M, 9 * M)
      .range('forward', 0, 20 * M).range('forward', 20 * M, 25 * M).range('loss', 25 * M, 26 * M);
    const r = gpuTime(b.build());
    expect(r.kernels).toEqual({ count: 2, ns: 20 * M });
    expect(r.nccl).toEqual({ count: 1, ns: 4 * M });
    expect(r.memsets).toEqual({ count: 1, bytes: 64, ns: 1 * M });
    expect(r.copies).toEqual([
      { direction: 'DtoH', hostMemory: 'Pageable', count: 1, bytes: 50, ns: 3 * M },
      { direction: 'HtoD', hostMemory: 'Pinned', count: 1, bytes: 1000, ns: 2 * M },
      { direction: 'HtoD', hostMemory: 'Pageable', count: 1, bytes: 10, ns: 1 * M },
    ]);
    expect(r.devices[0]).toMatchObject({ deviceId: 0, name: 'Test GPU 0', spanNs: 27 * M, kernelNs: 10 * M, ncclNs: 4 * M, copyNs: 6 * M, memsetNs: 1 * M, idleNs: 6 * M });
    expect(r.devices[1]).toMatchObject({ deviceId: 1, kernelNs: 10 * M, idleNs: 0 });
    expect(r.api).toEqual([
      { name: 'cudaStreamSynchronize', count: 1, ns: 6 * M, waiting: true },
      { name: 'cudaLaunchKernel', count: 2, ns: 2 * M, waiting: false },
    ]);
    expect(r.syncWaitNs).toBe(6 * M);
    expect(r.nvtx).toEqual([{ name: 'forward', count: 2, ns: 25 * M }, { name: 'loss', count: 1, ns: 1 * M }]);
    expect(formatGpuTime(r)).toMatch(/cudaStreamSynchronize\s+1\s+6\s+waiting/);
  });
});
