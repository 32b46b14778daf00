// Unit tests of the host-side queries (sync, memcpy, nvtx, callchain) on hand-built models. U = 1 µs in ns.
import { describe, expect, it } from 'vitest';
import { CopyKind, MemKind, SyncKind } from '../../core/profile.js';
import { UserError } from '../../core/errors.js';
import { callchains } from './callchain.js';
import { memcpyStats } from './memcpy.js';
import { ModelBuilder } from './model-builder.js';
import { nvtxTree } from './nvtx.js';
import { syncStats } from './sync.js';

const U = 1000;

describe('sync', () => {
  it('measures sync calls and the GPU idle while and after them, without double counting sync-table rows', () => {
    const b = new ModelBuilder();
    b.kernel('k', 0, 100 * U, { pid: 1 }).kernel('k', 300 * U, 400 * U, { pid: 1 });
    b.api('cudaDeviceSynchronize_v3020', 50 * U, 150 * U, { pid: 1, tid: 1, correlationId: 7 });
    b.api('cudaLaunchKernel_v7000', 160 * U, 170 * U, { pid: 1, tid: 1, correlationId: 8 });
    b.syncRow(50 * U, 150 * U, { pid: 1, tid: 1, correlationId: 7, syncKind: SyncKind.Device });
    b.syncRow(120 * U, 130 * U, { pid: 1, tid: 2, deviceId: 0, syncKind: SyncKind.Event });
    const r = syncStats(b.build());
    // both calls return inside the idle stretch [100, 300): it is charged once, to the event sync that returned first
    expect(r).toMatchObject({ calls: 2, totalNs: 110 * U, idleWhileNs: 60 * U, idleAfterNs: 170 * U });
    expect(r.byName).toEqual([
      { name: 'sync:event', kind: 'event', count: 1, totalNs: 10 * U, meanNs: 10 * U, idleWhileNs: 10 * U, idleAfterNs: 170 * U },
      { name: 'cudaDeviceSynchronize', kind: 'device', count: 1, totalNs: 100 * U, meanNs: 100 * U, idleWhileNs: 50 * U, idleAfterNs: 0 },
    ]);
    expect(r.byThread.map((t) => [t.tid, t.count, t.threadName])).toEqual([[1, 1, 'thread1'], [2, 1, 'thread2']]);
    expect(r.top[1]).toMatchObject({ name: 'cudaDeviceSynchronize', startNs: 50 * U, correlationId: 7, deviceId: 0 });
  });

  it('charges one idle stretch once and never to cudaStreamWaitEvent', () => {
    const b = new ModelBuilder();
    b.kernel('k', 0, 100 * U).kernel('k', 500 * U, 600 * U);
    b.api('cudaStreamSynchronize', 90 * U, 110 * U, { tid: 1 }); // returns at 110: idle until 500
    b.api('cudaEventSynchronize', 105 * U, 200 * U, { tid: 2 }); // same idle stretch: not charged again
    b.api('cudaStreamWaitEvent', 300 * U, 301 * U, { tid: 1 });
    const r = syncStats(b.build());
    expect(r.idleAfterNs).toBe(390 * U);
    expect(Object.fromEntries(r.byName.map((g) => [g.name, [g.idleWhileNs, g.idleAfterNs]]))).toEqual({
      cudaStreamSynchronize: [10 * U, 390 * U], cudaEventSynchronize: [95 * U, 0], cudaStreamWaitEvent: [0, 0],
    });
  });

  it('counts calls per iteration', () => {
    const b = new ModelBuilder();
    b.kernel('k', 0, 10 * U);
    b.range('step 0', 0, 100 * U).range('step 1', 100 * U, 200 * U);
    b.api('cudaStreamSynchronize', 10 * U, 20 * U).api('cudaStreamSynchronize', 30 * U, 40 * U).api('cudaStreamSynchronize', 110 * U, 130 * U);
    const r = syncStats(b.build());
    expect(r).toMatchObject({ iterationMethod: 'nvtx', iterationCount: 2, callsPerIterationMean: 1.5, msPerIterationMean: 0.02 });
  });
});

describe('memcpy', () => {
  it('groups copies by kind and host memory with bandwidth, tiny and synchronous copies', () => {
    const b = new ModelBuilder();
    b.copy(0, 100 * U, { copyKind: CopyKind.HtoD, srcKind: MemKind.Pageable, dstKind: MemKind.Device, bytes: 1e6, correlationId: 1 });
    b.copy(200 * U, 300 * U, { copyKind: CopyKind.HtoD, srcKind: MemKind.Pinned, dstKind: MemKind.Device, bytes: 2e6, correlationId: 2 });
    b.copy(400 * U, 402 * U, { copyKind: CopyKind.DtoH, srcKind: MemKind.Device, dstKind: MemKind.Pinned, bytes: 4, correlationId: 3 });
    b.api('cudaMemcpyAsync_v3020', 0, 1 * U, { correlationId: 1 }).api('cudaMemcpyAsync_v3020', 190 * U, 191 * U, { correlationId: 2 });
    b.api('cudaMemcpy_v3020', 399 * U, 403 * U, { correlationId: 3 });
    b.set(500 * U, 501 * U, { bytes: 256 });
    const r = memcpyStats(b.build());
    expect(r).toMatchObject({
      count: 3, bytes: 3e6 + 4, totalNs: 202 * U, pageableCount: 1, pinnedCount: 2, syncCount: 1, tinyCount: 1, tinyPct: 33.33,
      memsetCount: 1, memsetBytes: 256, memsetNs: 1 * U,
    });
    expect(r.groups.map((g) => [g.kind, g.hostMemory, g.count, g.bandwidthGBps, g.tinyCount, g.syncCount])).toEqual([
      ['HtoD', 'Pageable', 1, 10, 0, 0], ['HtoD', 'Pinned', 1, 20, 0, 0], ['DtoH', 'Pinned', 1, 0.002, 1, 1],
    ]);
  });
});

describe('nvtx', () => {
  const model = () => {
    const b = new ModelBuilder();
    b.range('step 0', 0, 1000, { tid: 1 }).range('forward', 0, 400, { tid: 1 }).range('attn', 100, 200, { tid: 1 });
    b.range('attn', 200, 300, { tid: 1 }).range('backward', 400, 900, { tid: 1 });
    b.range('step 1', 1000, 2000, { tid: 1 }).range('forward', 1000, 1500, { tid: 1 });
    b.range('mark', 50, 50, { tid: 1 });
    b.range('loader', 0, 300, { tid: 2 });
    return b.build();
  };

  it('nests ranges by time containment and aggregates children by name', () => {
    const r = nvtxTree(model(), { maxDepth: 3 });
    expect(r).toMatchObject({ ranges: 8, marks: 1 });
    const t1 = r.threads.find((t) => t.tid === 1)!;
    expect(t1.ranges).toBe(7);
    expect(t1.roots.map((n) => n.name)).toEqual(['step 0', 'step 1']);
    const step0 = t1.roots[0]!;
    expect(step0.children.map((c) => [c.name, c.count, c.totalNs])).toEqual([['backward', 1, 500], ['forward', 1, 400]]);
    expect(step0.children[1]!.children).toEqual([{ name: 'attn', count: 2, totalNs: 200, meanNs: 100, children: [] }]);
    expect(r.byName.find((f) => f.name === 'forward')).toEqual({ name: 'forward', count: 2, totalNs: 900, meanNs: 450, minDepth: 1 });
    expect(r.byName.find((f) => f.name === 'attn')!.minDepth).toBe(2);
  });

  it('aggregates PyTorch op ranges by op name, without their op ids', () => {
    const b = new ModelBuilder();
    b.range('aten::linear, op_id = 1', 0, 100).range('aten::mm, op_id = 2', 10, 90).range('aten::linear, op_id = 7', 200, 260);
    const r = nvtxTree(b.build());
    expect(r.threads[0]!.roots).toEqual([{
      name: 'aten::linear', count: 2, totalNs: 160, meanNs: 80,
      children: [{ name: 'aten::mm', count: 1, totalNs: 80, meanNs: 80, children: [] }],
    }]);
  });

  it('cuts the tree at the depth limit', () => {
    const t1 = nvtxTree(model(), { maxDepth: 2 }).threads.find((t) => t.tid === 1)!;
    expect(t1.roots[0]!.children[1]!.children).toEqual([]);
    expect(nvtxTree(model(), { maxDepth: 1 }).threads.find((t) => t.tid === 1)!.roots[0]!.children).toEqual([]);
  });

  it('keeps at most maxNodes nodes per thread, shallow levels first', () => {
    const roots = nvtxTree(model(), { maxNodes: 3 }).threads.find((t) => t.tid === 1)!.roots;
    expect(roots.map((n) => [n.name, n.children.map((c) => c.name)])).toEqual([['step 0', ['backward']], ['step 1', []]]);
    expect(roots[0]!.children[0]!.children).toEqual([]);
  });
});

describe('callchain', () => {
  const model = () => {
    const b = new ModelBuilder();
    b.api('cudaStreamSynchronize_v3020', 200, 300, { pid: 1, tid: 5, correlationId: 42, callchainId: 9 });
    b.api('cudaLaunchKernel_v7000', 10, 20, { pid: 1, tid: 5, correlationId: 41 });
    b.callchains.set(9, [{ symbol: 'cudaStreamSynchronize', module: 'libcudart.so' }, { symbol: 'at::native::item', module: 'libtorch.so' }]);
    b.cpuEvent('train.py(10): main', 0, 1000, { pid: 1, tid: 5, kind: 1, file: 'train.py', line: 10 });
    b.cpuEvent('model.py(5): forward', 150, 400, { pid: 1, tid: 5, kind: 1, file: 'model.py', line: 5 });
    b.cpuEvent('aten::item', 190, 310, { pid: 1, tid: 5, kind: 0 });
    b.cpuEvent('other.py(1): f', 0, 1000, { pid: 1, tid: 6, kind: 1 });
    b.cpuEvent('late.py(1): g', 250, 1000, { pid: 1, tid: 5, kind: 1 });
    return b.build();
  };

  it('returns the native callchain and the enclosing Python frames, innermost first', () => {
    const r = callchains(model(), { correlationId: 42 });
    expect(r).toMatchObject({ runtimeCalls: 2, callsWithCallchain: 1, callchains: 1, hasPythonFrames: true });
    const c = r.calls[0]!;
    expect(c).toMatchObject({ row: 0, name: 'cudaStreamSynchronize', durationNs: 100, callchainId: 9 });
    expect(c.frames.map((f) => f.symbol)).toEqual(['cudaStreamSynchronize', 'at::native::item']);
    expect(c.python.map((p) => [p.kind, p.name, p.file, p.line])).toEqual([
      ['cpu_op', 'aten::item', undefined, undefined], ['python', 'model.py(5): forward', 'model.py', 5], ['python', 'train.py(10): main', 'train.py', 10],
    ]);
  });

  it('selects by row, lists calls with callchains first, and rejects unknown ids', () => {
    expect(callchains(model(), { row: 1 }).calls[0]!.name).toBe('cudaLaunchKernel');
    expect(callchains(model(), {}).calls.map((c) => c.row)).toEqual([0, 1]);
    expect(callchains(model(), { name: 'cudaLaunchKernel' }).calls.map((c) => c.row)).toEqual([1]);
    expect(() => callchains(model(), { correlationId: 999 })).toThrow(UserError);
    expect(() => callchains(model(), { row: 5 })).toThrow(UserError);
  });
});
