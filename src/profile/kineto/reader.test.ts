// The Kineto reader on small hand-written traces, one per format variant seen in real torch.profiler output.
import { afterAll, describe, expect, it } from 'vitest';
import { CopyKind, MemKind, SyncKind } from '../../core/profile.js';
import type { ProfileModel } from '../../core/profile.js';
import { openProfile } from '../open.js';
import { TempFiles } from './testing.js';

const tmp = new TempFiles();
afterAll(() => tmp.cleanup());

const T0 = 1700000000000000; // µs since the epoch, as 2023 Kineto traces write ts
const PID = 4242;
const TID = 4243;

/** A 2024-style trace: cpu_op, cuda_runtime, kernel, gpu_memcpy, gpu_memset, python_function, annotations. */
function modernTrace(): Record<string, unknown> {
  const host = { pid: PID, tid: TID };
  const gpu = { pid: 0, tid: 7 };
  return {
    schemaVersion: 1,
    deviceProperties: [{ id: 0, name: 'NVIDIA H100 80GB HBM3', totalGlobalMem: 85018279936, computeMajor: 9, computeMinor: 0, numSms: 132 }],
    distributedInfo: { backend: 'nccl', rank: 3, world_size: 8 },
    displayTimeUnit: 'ms',
    traceEvents: [
      { ph: 'M', name: 'process_name', pid: PID, tid: 0, args: { name: 'python3' } },
      { ph: 'M', name: 'process_labels', pid: PID, tid: 0, args: { labels: 'CPU' } },
      { ph: 'M', name: 'process_name', pid: 0, tid: 0, args: { name: 'python3' } },
      { ph: 'M', name: 'process_labels', pid: 0, tid: 0, args: { labels: 'GPU 0' } },
      { ph: 'M', name: 'thread_name', pid: PID, tid: TID, args: { name: 'thread 4243 (pt_main_thread)' } },
      { ph: 'M', name: 'thread_name', pid: 0, tid: 7, args: { name: 'stream 7 ' } },
      { ph: 'X', cat: 'user_annotation', name: 'ProfilerStep#5', ...host, ts: T0 + 10, dur: 1000 },
      { ph: 'X', cat: 'user_annotation', name: 'forward', ...host, ts: T0 + 20, dur: 300 },
      { ph: 'X', cat: 'python_function', name: 'train.py(57): train_step', ...host, ts: T0 + 15, dur: 900, args: { 'Python id': 1 } },
      { ph: 'X', cat: 'python_function', name: '<built-in method item of Tensor object at 0x7f1>', ...host, ts: T0 + 700, dur: 100 },
      { ph: 'X', cat: 'cpu_op', name: 'aten::mm', ...host, ts: T0 + 30.25, dur: 50.5, args: { 'External id': 77 } },
      { ph: 'X', cat: 'cuda_runtime', name: 'cudaLaunchKernel', ...host, ts: T0 + 40, dur: 8, args: { 'External id': 77, cbid: 211, correlation: 501 } },
      { ph: 's', cat: 'ac2g', name: 'ac2g', id: 501, ...host, ts: T0 + 40 },
      { ph: 'f', cat: 'ac2g', name: 'ac2g', id: 501, ...gpu, ts: T0 + 60, bp: 'e' },
      {
        ph: 'X', cat: 'kernel', name: 'void at::native::vectorized_elementwise_kernel<4, at::native::FillFunctor<float> >(int, at::native::FillFunctor<float>)',
        ...gpu, ts: T0 + 60, dur: 2.5,
        args: { 'External id': 77, device: 0, stream: 7, correlation: 501, 'registers per thread': 16, 'shared memory': 1024, grid: [128, 2, 1], block: [256, 1, 1] },
      },
      { ph: 'X', cat: 'cuda_runtime', name: 'cudaMemcpyAsync', ...host, ts: T0 + 100, dur: 30, args: { correlation: 502 } },
      { ph: 'X', cat: 'gpu_memcpy', name: 'Memcpy HtoD (Pageable -> Device)', ...gpu, ts: T0 + 110, dur: 12, args: { device: 0, stream: 7, correlation: 502, bytes: 4096 } },
      { ph: 'X', cat: 'cuda_runtime', name: 'cudaMemsetAsync', ...host, ts: T0 + 140, dur: 5, args: { correlation: 503 } },
      { ph: 'X', cat: 'gpu_memset', name: 'Memset (Device)', ...gpu, ts: T0 + 150, dur: 1, args: { device: 0, stream: 7, correlation: 503, bytes: 512 } },
      { ph: 'X', cat: 'cuda_runtime', name: 'cudaStreamSynchronize', ...host, ts: T0 + 160, dur: 40, args: { correlation: 504 } },
      { ph: 'X', cat: 'cuda_driver', name: 'cuLaunchKernel', ...host, ts: T0 + 210, dur: 6, args: { correlation: 505 } },
      { ph: 'X', cat: 'kernel', name: 'ncclDevKernel_AllReduce_Sum_f32_RING_LL(ncclDevComm*, unsigned long, ncclWork*)', pid: 0, tid: 20, ts: T0 + 220, dur: 400, args: { device: 0, stream: 20, correlation: 505, grid: [2, 1, 1], block: [640, 1, 1] } },
      { ph: 'X', cat: 'gpu_user_annotation', name: 'ProfilerStep#5', ...gpu, ts: T0 + 60, dur: 560 },
      { ph: 'i', cat: 'cpu_instant_event', name: '[memory]', s: 't', ...host, ts: T0 + 31, args: { Bytes: 16 } },
      { ph: 'X', cat: 'Trace', name: 'PyTorch Profiler (0)', pid: 'Spans', tid: 'PyTorch Profiler', ts: T0, dur: 2000 },
    ],
  };
}

function name(m: ProfileModel, id: number): string {
  return m.strings[id]!;
}

describe('Kineto reader: 2024-style trace', () => {
  it('reads every category into its table, times in ns from the earliest event', async () => {
    const m = await openProfile(tmp.write('modern.json', modernTrace()));
    expect(m.meta.format).toBe('kineto-json');
    expect(m.meta.clockOriginUs).toBe(T0);
    // startNs/endNs span the rows (ProfilerStep#5 at +10 µs … +1010 µs), not the profiler's own span.
    expect(m.meta.startNs).toBe(10_000);
    expect(m.meta.endNs).toBe(1_010_000);

    expect(m.kernels.length).toBe(2);
    expect(name(m, m.kernels.nameId[0]!)).toBe('vectorized_elementwise_kernel');
    expect(name(m, m.kernels.fullNameId[0]!)).toContain('FillFunctor<float>');
    expect([m.kernels.start[0], m.kernels.end[0]]).toEqual([60_000, 62_500]);
    expect([m.kernels.deviceId[0], m.kernels.streamId[0], m.kernels.pid[0], m.kernels.correlationId[0]]).toEqual([0, 7, PID, 501]);
    expect([m.kernels.gridX[0], m.kernels.gridY[0], m.kernels.gridZ[0], m.kernels.blockX[0]]).toEqual([128, 2, 1, 256]);
    expect([m.kernels.registersPerThread[0], m.kernels.sharedMemoryBytes[0]]).toEqual([16, 1024]);
    expect(name(m, m.kernels.nameId[1]!)).toBe('ncclDevKernel_AllReduce_Sum_f32_RING_LL');
    expect(m.kernels.streamId[1]).toBe(20);

    // cuda_runtime and cuda_driver calls are both API rows, with their correlation ids.
    expect(Array.from(m.runtime.nameId, (id) => name(m, id))).toEqual(['cudaLaunchKernel', 'cudaMemcpyAsync', 'cudaMemsetAsync', 'cudaStreamSynchronize', 'cuLaunchKernel']);
    expect(Array.from(m.runtime.correlationId)).toEqual([501, 502, 503, 504, 505]);
    expect(Array.from(m.runtime.tid)).toEqual([TID, TID, TID, TID, TID]);

    expect(m.memcpy.length).toBe(1);
    expect([m.memcpy.copyKind[0], m.memcpy.srcKind[0], m.memcpy.dstKind[0], m.memcpy.bytes[0], m.memcpy.pid[0]])
      .toEqual([CopyKind.HtoD, MemKind.Pageable, MemKind.Device, 4096, PID]);
    expect([m.memset.length, m.memset.bytes[0], m.memset.streamId[0]]).toEqual([1, 512, 7]);

    // No cuda_sync events: the runtime's cudaStreamSynchronize is the sync row, on the calling thread.
    expect(m.sync.length).toBe(1);
    expect([m.sync.syncKind[0], m.sync.pid[0], m.sync.tid[0], m.sync.start[0], m.sync.end[0]]).toEqual([SyncKind.Stream, PID, TID, 160_000, 200_000]);
    expect(m.meta.notes.join('\n')).toContain('derived from CUDA runtime calls');

    // Annotations are ranges with nesting depth; the GPU-side copy is not.
    expect(Array.from(m.nvtx.textId, (id) => name(m, id))).toEqual(['ProfilerStep#5', 'forward']);
    expect(Array.from(m.nvtx.depth)).toEqual([0, 1]);

    // cpu table: python frames (kind 1) with file and line, ops (kind 0) with their External id.
    const rows = Array.from({ length: m.cpu.length }, (_, i) => ({
      name: name(m, m.cpu.nameId[i]!), kind: m.cpu.kind[i], file: m.cpu.fileId[i]! >= 0 ? name(m, m.cpu.fileId[i]!) : undefined,
      line: m.cpu.line[i], corr: m.cpu.correlationId[i],
    }));
    expect(rows).toEqual([
      { name: 'train_step', kind: 1, file: 'train.py', line: 57, corr: -1 },
      { name: 'aten::mm', kind: 0, file: undefined, line: 0, corr: 77 },
      { name: '<built-in method item of Tensor object at 0x7f1>', kind: 1, file: undefined, line: 0, corr: -1 },
    ]);
    expect([m.cpu.start[1], m.cpu.end[1]]).toEqual([30_250, 80_750]);

    // Calls and ops inside train.py(57) get that Python stack as their callchain; the kernel leads to it.
    const chain = m.callchains.get(m.runtime.callchainId[0]!);
    expect(chain).toEqual([{ symbol: 'train_step', file: 'train.py', line: 57 }]);
    expect(m.cpu.callchainId![1]).toBe(m.runtime.callchainId[0]);
    expect(new Set(m.runtime.callchainId)).toEqual(new Set([m.runtime.callchainId[0]])); // all five calls sit in train_step
    expect(m.meta.capabilities.cudaCallchains).toBe(true);

    expect(m.meta.processes).toEqual([{ pid: PID, name: 'python3', rank: 3 }]);
    expect(m.meta.threads).toEqual([{ pid: PID, tid: TID, name: 'thread 4243 (pt_main_thread)' }]);
    expect(m.meta.gpus).toEqual([{ deviceId: 0, name: 'NVIDIA H100 80GB HBM3', computeCapability: '9.0', smCount: 132, memoryBytes: 85018279936 }]);
    expect(m.meta.distributed).toEqual({ rank: 3, worldSize: 8, backend: 'nccl' });
    expect(m.meta.schemaVersion).toBe('1');
    expect(m.meta.capabilities).toMatchObject({ kernels: true, runtime: true, memcpy: true, memset: true, sync: true, nvtx: true, pythonStacks: true, cpuOps: true, osrt: false });
    expect(m.meta.tables).toMatchObject({ kernel: 2, cuda_runtime: 4, cuda_driver: 1, ac2g: 2, gpu_user_annotation: 1, cpu_instant_event: 1, 'ph:M': 6 });
    expect(m.meta.notes.join('\n')).toContain('displayTimeUnit "ms"');
    expect(m.meta.notes.join('\n')).not.toContain('no python stacks');
  });

  it('reads the gzip file to the same model', async () => {
    const plain = await openProfile(tmp.write('same.json', modernTrace()));
    const gz = await openProfile(tmp.write('same.json.gz', modernTrace(), true));
    expect({ ...gz, meta: { ...gz.meta, source: '' } }).toEqual({ ...plain, meta: { ...plain.meta, source: '' } });
  });

  it('keeps sub-microsecond precision for epoch timestamps (µs × 1000 would round to 256 ns steps)', async () => {
    const t = modernTrace();
    // T0 + 5000.25 is exact in a float64 (its spacing there is 0.25 µs); in ns since the epoch it would not be.
    (t.traceEvents as Record<string, unknown>[]).push({ ph: 'X', cat: 'kernel', name: 'k', pid: 0, tid: 7, ts: T0 + 5000.25, dur: 0.5, args: { device: 0, stream: 7 } });
    const m = await openProfile(tmp.write('precise.json', t));
    const i = m.kernels.nameId.indexOf(m.strings.indexOf('k'));
    expect([m.kernels.start[i], m.kernels.end[i]]).toEqual([5_000_250, 5_000_750]);
  });

  it('notes what a trace without python stacks, annotations or GPU work lacks', async () => {
    const m = await openProfile(tmp.write('cpu-only.json', {
      traceEvents: [{ ph: 'X', cat: 'cpu_op', name: 'aten::add', pid: 1, tid: 1, ts: 5, dur: 2 }],
    }));
    const notes = m.meta.notes.join('\n');
    expect(notes).toContain('no python stacks: record with with_stack=True for line-level localization');
    expect(notes).toContain('no GPU activity');
    expect(notes).toContain('no user annotations');
    expect(m.meta.capabilities.kernels).toBe(false);
  });
});

describe('Kineto reader: older and other variants', () => {
  it('2021 format: Operator/Runtime/Kernel/Memcpy/Memset, string tids, async flows, Call stack', async () => {
    const stack = 'lib/torch/profiler/profiler.py(312): step;resnet50.py(54): <module>';
    const m = await openProfile(tmp.write('tb2021.pt.trace.json', {
      schemaVersion: 1,
      traceEvents: [
        { ph: 'X', cat: 'Operator', name: 'aten::conv2d', pid: 25738, tid: '25738', ts: 1623142623460111, dur: 25, args: { 'External id': 2, 'Call stack': stack } },
        { ph: 'X', cat: 'Runtime', name: 'cudaLaunchKernel', pid: 25738, tid: '25738', ts: 1623142623460115, dur: 5, args: { cbid: 211, correlation: 34441, 'external id': 2 } },
        { ph: 's', cat: 'async', name: 'launch', id: 34441, pid: 25738, tid: 25738, ts: 1623142623460115 },
        { ph: 'X', cat: 'Kernel', name: 'volta_scudnn_128x64_relu_medium_nn_v1', pid: 0, tid: 'stream 7', ts: 1623142623460125, dur: 605, args: { device: 0, stream: 7, correlation: 34441, 'external id': 2, 'registers per thread': 128, 'shared memory': 16384, grid: [3136, 1, 1], block: [128, 1, 1] } },
        { ph: 'X', cat: 'Memcpy', name: 'Memcpy DtoH (Device -> Pageable)', pid: 0, tid: 'stream 7', ts: 1623142623460800, dur: 3, args: { device: 0, stream: 7, correlation: 34450, bytes: 4 } },
        { ph: 'X', cat: 'Memset', name: 'Memset (Device)', pid: 0, tid: 'stream 7', ts: 1623142623460810, dur: 1, args: { device: 0, stream: 7, correlation: 34451, bytes: 128000 } },
      ],
    }));
    expect([m.kernels.length, m.runtime.length, m.memcpy.length, m.memset.length, m.cpu.length]).toEqual([1, 1, 1, 1, 1]);
    expect([m.kernels.streamId[0], m.kernels.pid[0], m.kernels.registersPerThread[0]]).toEqual([7, 25738, 128]);
    expect(m.memcpy.copyKind[0]).toBe(CopyKind.DtoH);
    expect(m.runtime.tid[0]).toBe(25738);
    expect(m.cpu.correlationId[0]).toBe(2);
    expect(m.callchains.get(m.cpu.callchainId![0]!)).toEqual([
      { symbol: 'step', file: 'lib/torch/profiler/profiler.py', line: 312 },
      { symbol: '<module>', file: 'resnet50.py', line: 54 },
    ]);
    expect(m.meta.capabilities.pythonStacks).toBe(true);
    expect(m.runtime.callchainId[0]).toBe(m.cpu.callchainId![0]); // joined by the operator's External id
    expect(m.meta.tables).toMatchObject({ Operator: 1, Runtime: 1, Kernel: 1, Memcpy: 1, Memset: 1, async: 1 });
  });

  it('cuda_sync events are the sync rows; their runtime calls are not counted twice', async () => {
    const m = await openProfile(tmp.write('cuda-sync.json', {
      traceEvents: [
        { ph: 'X', cat: 'cuda_runtime', name: 'cudaStreamSynchronize', pid: 9, tid: 9, ts: 100, dur: 6, args: { correlation: 1512 } },
        { ph: 'X', cat: 'cuda_sync', name: 'Stream Sync', pid: 0, tid: 7, ts: 101, dur: 5, args: { cuda_sync_kind: 'Stream Sync', stream: 7, correlation: 1512, device: 0 } },
        { ph: 'X', cat: 'cuda_runtime', name: 'cudaDeviceSynchronize', pid: 9, tid: 9, ts: 200, dur: 8, args: { correlation: 1549 } },
        { ph: 'X', cat: 'cuda_sync', name: 'Context Sync', pid: 0, tid: -1, ts: 201, dur: 6, args: { cuda_sync_kind: 'Context Sync', stream: -1, correlation: 1549, device: 0 } },
        { ph: 'X', cat: 'cuda_runtime', name: 'cudaEventSynchronize', pid: 9, tid: 9, ts: 300, dur: 3, args: { correlation: 1600 } },
      ],
    }));
    expect(m.sync.length).toBe(3);
    expect(Array.from(m.sync.syncKind)).toEqual([SyncKind.Stream, SyncKind.Context, SyncKind.Event]);
    expect(Array.from(m.sync.tid)).toEqual([9, 9, 9]);
    expect(Array.from(m.sync.streamId)).toEqual([7, -1, -1]);
    expect([m.sync.start[0], m.sync.end[0]]).toEqual([1000, 6000]);
  });

  it('ROCm: hip runtime calls under cuda_runtime, kind args on copies', async () => {
    const m = await openProfile(tmp.write('rocm.json', {
      traceEvents: [
        { ph: 'X', cat: 'cuda_runtime', name: 'hipMemcpyAsync', pid: 251, tid: 251, ts: 10, dur: 10, args: { correlation: 7 } },
        { ph: 'X', cat: 'gpu_memcpy', name: 'Memcpy DtoH (Device -> Host)', pid: 9, tid: 3, ts: 30, dur: 4, args: { device: 9, stream: 3, correlation: 7, kind: 'DtoH', bytes: 256 } },
      ],
    }));
    expect([m.memcpy.copyKind[0], m.memcpy.deviceId[0], m.memcpy.pid[0]]).toEqual([CopyKind.DtoH, 9, 251]);
    expect(m.meta.gpus).toEqual([{ deviceId: 9, name: 'GPU 9' }]);
    expect(m.meta.notes.join('\n')).toContain('ROCm');
  });

  it('a bare list of Kineto events (Chrome JSON array format) is read as Kineto', async () => {
    const m = await openProfile(tmp.write('array.json', [
      { ph: 'X', cat: 'kernel', name: 'k1', pid: 0, tid: 7, ts: 1, dur: 1, args: { device: 0, stream: 7 } },
    ]));
    expect(m.meta.format).toBe('kineto-json');
    expect(m.kernels.length).toBe(1);
  });
});
