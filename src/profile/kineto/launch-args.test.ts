// Launch calls say what they launch (args.kernel, grid, block): the only record of a kernel captured into a
// CUDA graph, whose launch runs nothing during capture. The reader keeps it on the runtime row.
import { afterAll, describe, expect, it } from 'vitest';
import { launchDimsKey } from '../../core/tables.js';
import { openProfile } from '../open.js';
import { TempFiles } from './testing.js';

const tmp = new TempFiles();
afterAll(() => tmp.cleanup());

const host = { pid: 10, tid: 10 };

describe('Kineto launch arguments', () => {
  it('keeps the kernel name and grid/block of launch calls, -1 where a call names none', async () => {
    const path = tmp.write('capture.json', {
      traceEvents: [
        { ph: 'X', cat: 'cuda_runtime', name: 'cudaStreamBeginCapture', ...host, ts: 100, dur: 1, args: { correlation: 1 } },
        {
          ph: 'X', cat: 'cuda_runtime', name: 'hipModuleLaunchKernel', ...host, ts: 110, dur: 2,
          args: { correlation: 2, kernel: 'triton_poi_fused_add_0', grid: [161, 1, 1], block: [256, 1, 1], 'shared memory': 512 },
        },
        { ph: 'X', cat: 'cuda_runtime', name: 'cudaLaunchKernel', ...host, ts: 120, dur: 2, args: { correlation: 3, kernel: 'gemm_kernel' } },
        { ph: 'X', cat: 'cuda_runtime', name: 'cudaStreamEndCapture', ...host, ts: 130, dur: 1, args: { correlation: 4 } },
      ],
    });
    const m = await openProfile(path);
    const rt = m.runtime;
    const byCorr = (c: number) => [...rt.correlationId].indexOf(c);
    const name = (row: number) => (rt.kernelNameId![row]! >= 0 ? m.strings[rt.kernelNameId![row]!] : null);
    const dims = (row: number) => (rt.launchDimsId![row]! >= 0 ? m.strings[rt.launchDimsId![row]!] : null);
    expect(name(byCorr(2))).toBe('triton_poi_fused_add_0');
    expect(dims(byCorr(2))).toBe(launchDimsKey(161, 1, 1, 256, 1, 1));
    expect(name(byCorr(3))).toBe('gemm_kernel');
    expect(dims(byCorr(3))).toBeNull();
    expect(name(byCorr(1))).toBeNull();
    expect(dims(byCorr(4))).toBeNull();
  });
});
