// Each profile-level detector on small generated profiles: what it names, what it costs, what it leaves alone.
import { describe, expect, it } from 'vitest';
import { ModelBuilder } from '../../profile/queries/model-builder.js';
import { diagnoseProfile } from './index.js';

const M = 1e6;
const PINNED = 2, PAGEABLE = 1, DEVICE = 3;

describe('diagnoseProfile', () => {
  it('names a sync stall by its call, the operator that made it and the copies the host waited for', () => {
    const b = new ModelBuilder();
    b.kernel('gemm', 0, 2 * M, { pid: 1 }).kernel('gemm', 98 * M, 100 * M, { pid: 1 });
    for (let t = 5; t < 90; t += 10) b.copy(t * M, (t + 9) * M, { pid: 1, copyKind: 1, srcKind: PINNED, dstKind: DEVICE, bytes: 1e9 });
    b.api('cudaStreamSynchronize_v3020', 4 * M, 96 * M, { pid: 1, tid: 1 });
    b.range('aten::is_nonzero', 3 * M, 97 * M, { pid: 1, tid: 1 }).range('aten::item', 3.5 * M, 96.5 * M, { pid: 1, tid: 1 })
      .range('aten::_local_scalar_dense', 3.6 * M, 96.4 * M, { pid: 1, tid: 1 });
    const d = diagnoseProfile(b.build());
    const f = d.findings.find((x) => x.pattern === 'profile.sync-stall');
    expect(f).toBeDefined();
    expect(f!.category).toBe('C3');
    expect(f!.subject).toMatchObject({ kind: 'api', name: 'cudaStreamSynchronize' });
    expect(f!.title).toMatch(/cudaStreamSynchronize under aten::item blocks the host 92\.0 ms while the GPU copies 8\.4 GiB host→device/);
    expect(f!.impact.ms).toBeCloseTo(92, 3);
    expect(f!.severity).toBe('critical');
    const gpuSide = f!.evidence.find((e) => e.kind === 'profile' && e.query === 'memcpy');
    expect(gpuSide && gpuSide.kind === 'profile' && gpuSide.summary).toMatch(/host→device copies 8\.4 GiB in 81\.0 ms/);
    // the copies themselves are a C4 finding of their own
    expect(d.findings.find((x) => x.pattern === 'profile.copies')?.title).toMatch(/^Host→device copies occupy the GPU 81\.0 ms: 8\.4 GiB in 9 copies, pinned memory/);
  });

  it('does not call a short sync a stall', () => {
    const b = new ModelBuilder().kernel('k', 0, 100 * M).api('cudaStreamSynchronize', 10 * M, 10.05 * M, { tid: 1 });
    expect(diagnoseProfile(b.build()).findings.filter((f) => f.pattern === 'profile.sync-stall')).toEqual([]);
  });

  it('explains a GPU idle gap by the outermost range that covers it and flags compilation', () => {
    const b = new ModelBuilder().kernel('k', 0, 1 * M).kernel('k', 101 * M, 102 * M);
    b.range('ProfilerStep#3', 0, 102 * M, { tid: 1 }); // a step holds everything: never the explanation
    b.range('KernelExecutor::compileFusion', 0.5 * M, 100.8 * M, { tid: 1 }).range('Nvrtc::CompileProgram', 10 * M, 90 * M, { tid: 1 });
    const d = diagnoseProfile(b.build());
    const f = d.findings.find((x) => x.pattern === 'profile.compile');
    expect(f).toMatchObject({ category: 'C1', subject: { kind: 'nvtx', name: 'KernelExecutor::compileFusion', chain: ['KernelExecutor::compileFusion', 'Nvrtc::CompileProgram'] } });
    expect(f!.impact.ms).toBeCloseTo(100, 3);
    expect(f!.title).toBe('GPU idle 100 ms during compilation: KernelExecutor::compileFusion › Nvrtc::CompileProgram');
    expect(d.iterations).toMatchObject({ count: 1, method: 'nvtx' });
  });

  it('groups the DataLoader waits of every step into one finding with their total and the Python line below them', () => {
    const b = new ModelBuilder();
    for (let s = 0; s < 3; s++) {
      const t = s * 30 * M;
      b.range(`ProfilerStep#${s}`, t, t + 30 * M, { tid: 7 });
      b.range('enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__', t, t + 20 * M, { tid: 7 });
      b.cpuEvent('__getitem__', t + 1 * M, t + 19 * M, { tid: 7, kind: 1, file: 'data/dataset.py', line: 42 });
      b.kernel('fwd', t + 20 * M, t + 30 * M);
    }
    const d = diagnoseProfile(b.build());
    const f = d.findings.find((x) => x.pattern === 'profile.data-loading');
    expect(f).toMatchObject({ category: 'C1', subject: { kind: 'nvtx', name: 'enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__', file: 'data/dataset.py', line: 42 } });
    expect(f!.impact).toMatchObject({ ms: 40, count: 2 }); // the first wait is before any GPU work: not a gap
    expect(f!.impact.msPerIter).toBeCloseTo(40 / 3, 3);
    expect(d.iterations).toMatchObject({ count: 3, method: 'nvtx' });
    expect(d.iterations.detail).toBe('3 steps from the "ProfilerStep#0" ranges');
  });

  it('falls back to the deepest user Python frame, then to CUDA calls, then says nothing explains the gap', () => {
    const py = new ModelBuilder().kernel('k', 0, 1 * M).kernel('k', 51 * M, 52 * M)
      .cpuEvent('main', 0, 52 * M, { tid: 1, kind: 1, file: 'train.py', line: 10 })
      .cpuEvent('tokenize', 2 * M, 50 * M, { tid: 1, kind: 1, file: 'prep.py', line: 5 })
      .cpuEvent('wait', 3 * M, 49 * M, { tid: 1, kind: 1, file: 'threading.py', line: 300 });
    const pd = diagnoseProfile(py.build());
    expect(pd.notes).toContain('No steps found: costs are totals over the whole 52 ms profile.');
    expect(pd.findings[0]).toMatchObject({ category: 'C7', pattern: 'profile.python', subject: { kind: 'python', file: 'prep.py', line: 5 } });

    const api = new ModelBuilder().kernel('k', 0, 1 * M).kernel('k', 51 * M, 52 * M).api('cuLibraryLoadData', 5 * M, 30 * M, { tid: 1 });
    expect(diagnoseProfile(api.build()).findings[0]).toMatchObject({ category: 'C2', pattern: 'profile.api-stall', subject: { kind: 'api', name: 'cuLibraryLoadData' } });

    const none = new ModelBuilder().kernel('k', 0, 1 * M).kernel('k', 51 * M, 52 * M);
    expect(diagnoseProfile(none.build()).findings[0]).toMatchObject({ pattern: 'profile.host-idle', title: 'GPU idle 50.0 ms with no recorded CPU activity to explain it' });
  });

  it('reports pageable copies once, by direction and size', () => {
    const b = new ModelBuilder().kernel('k', 0, 100 * M);
    for (let i = 0; i < 4; i++) b.copy((10 + 10 * i) * M, (12 + 10 * i) * M, { copyKind: 2, srcKind: DEVICE, dstKind: PAGEABLE, bytes: 4 << 20 });
    const d = diagnoseProfile(b.build());
    expect(d.findings.filter((f) => f.category === 'C4').map((f) => f.pattern)).toEqual(['profile.pageable-copies']);
    expect(d.findings[0]!.title).toMatch(/^4 device→host copies from pageable host memory take 8\.0 ms \(16\.0 MiB\)/);
  });

  it('reports NCCL time not overlapped with compute', () => {
    const b = new ModelBuilder().kernel('gemm', 0, 50 * M).kernel('ncclDevKernel_AllReduce_Sum_f32_RING_LL', 50 * M, 90 * M);
    const f = diagnoseProfile(b.build()).findings.find((x) => x.category === 'C6');
    expect(f).toMatchObject({ pattern: 'profile.nccl-exposed', subject: { kind: 'nccl', name: 'AllReduce' } });
    expect(f!.impact.ms).toBeCloseTo(40, 3);
  });

  it('has nothing to say about a CPU-only profile or a busy GPU, and says why', () => {
    const cpu = diagnoseProfile(new ModelBuilder().cpuEvent('aten::mm', 0, 10 * M, { tid: 1 }).build());
    expect(cpu).toMatchObject({ gpu: false, findings: [] });
    expect(cpu.notes[0]).toMatch(/^No GPU work in this profile/);
    const busy = diagnoseProfile(new ModelBuilder().kernel('k', 0, 100 * M).range('fwd', 0, 100 * M).build());
    expect(busy.findings).toEqual([]);
    expect(busy.notes.at(-1)).toMatch(/^Nothing costs 1% of the profile or more/);
  });
});
