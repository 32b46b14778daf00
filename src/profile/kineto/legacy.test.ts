// The legacy autograd-profiler format (torch without Kineto: a bare JSON list, pid "CPU functions"), on the
// fixture recorded here by scripts/record_cpu_trace.py with Debian's python3-torch 1.13.
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { ProfileModel } from '../../core/profile.js';
import { openProfile } from '../open.js';
import { parseLegacyTolerant } from './legacy.js';
import { TempFiles } from './testing.js';

const FIXTURE = resolve(__dirname, '../../../test/fixtures/legacy_cpu_train.json');
const tmp = new TempFiles();
afterAll(() => tmp.cleanup());

function ranges(m: ProfileModel): { text: string; start: number; end: number; depth: number }[] {
  return Array.from({ length: m.nvtx.length }, (_, i) => ({
    text: m.strings[m.nvtx.textId[i]!]!, start: m.nvtx.start[i]!, end: m.nvtx.end[i]!, depth: m.nvtx.depth[i]!,
  }));
}

describe('legacy autograd-profiler trace (recorded fixture)', () => {
  // Facts from python3's json module on the fixture: 1227 events, all ph "X", tid 1, pid "CPU functions";
  // 32 record_function ranges (ProfilerStep#0..3 and per step: enumerate(DataLoader)#…, train_step,
  // forward, backward, Optimizer.zero_grad#SGD.zero_grad, optimizer_step, Optimizer.step#SGD.step);
  // 1195 operators (aten::/autograd:: names, *Backward0 nodes, AccumulateGrad, 24 bare "detach");
  // smallest ts 190 µs; ProfilerStep#0 ts 223 dur 1002, #1 1245/562, #2 1831/524, #3 2371/692; 12 aten::addmm.
  it('reads operators into the cpu table and record_function ranges into nvtx', async () => {
    const m = await openProfile(FIXTURE);
    expect(m.meta.format).toBe('autograd-legacy-json');
    expect(m.cpu.length).toBe(1195);
    expect(m.nvtx.length).toBe(32);
    expect(m.meta.clockOriginUs).toBe(190);
    const steps = ranges(m).filter((r) => r.text.startsWith('ProfilerStep#'));
    expect(steps).toEqual([
      { text: 'ProfilerStep#0', start: 33_000, end: 1_035_000, depth: 0 },
      { text: 'ProfilerStep#1', start: 1_055_000, end: 1_617_000, depth: 0 },
      { text: 'ProfilerStep#2', start: 1_641_000, end: 2_165_000, depth: 0 },
      { text: 'ProfilerStep#3', start: 2_181_000, end: 2_873_000, depth: 0 },
    ]);
    const depthOf = (text: string): number[] => [...new Set(ranges(m).filter((r) => r.text === text).map((r) => r.depth))];
    expect(depthOf('train_step')).toEqual([1]);
    expect(depthOf('forward')).toEqual([2]);
    expect(depthOf('Optimizer.step#SGD.step')).toEqual([3]);
    const addmm = m.strings.indexOf('aten::addmm');
    expect(m.cpu.nameId.filter((id) => id === addmm).length).toBe(12);
    expect(m.cpu.kind.every((k) => k === 0)).toBe(true);
    expect(m.meta.processes).toEqual([{ pid: 0, name: 'CPU functions' }]);
    expect(m.meta.threads).toEqual([{ pid: 0, tid: 1, name: '' }]);
    expect(m.meta.capabilities).toMatchObject({ kernels: false, runtime: false, pythonStacks: false, cpuOps: true, nvtx: true });
    expect(m.meta.notes[0]).toMatch(/^legacy autograd-profiler trace .*no GPU kernels.*no Python stacks/);
    expect(m.meta.tables).toEqual({ 'ph:X': 1227 });
  });

  it('reads the gzip of the fixture to the same model', async () => {
    const plain = await openProfile(FIXTURE);
    const gz = await openProfile(tmp.write('legacy.json.gz', readFileSync(FIXTURE), true));
    expect(gz.cpu).toEqual(plain.cpu);
    expect(gz.nvtx).toEqual(plain.nvtx);
  });

  it('reads a legacy file whose record_function name has an unescaped quote (torch writes names raw)', async () => {
    const text = '[{"name": "aten::mm", "ph": "X", "ts": 10, "dur": 5, "tid": 1, "pid": "CPU functions", "args": {}}, ' +
      '{"name": "load "cfg" file", "ph": "X", "ts": 2, "dur": 30, "tid": 1, "pid": "CPU functions", "args": {}}, ' +
      '{"name": "aten::mm", "ph": "s", "ts": 10, "tid": 1, "pid": "CPU functions", "id": 0, "cat": "cpu_to_cuda", "args": {}}]';
    expect(() => JSON.parse(text)).toThrow();
    const m = await openProfile(tmp.write('quoted.json', text));
    expect(m.meta.format).toBe('autograd-legacy-json');
    expect(ranges(m)).toEqual([{ text: 'load "cfg" file', start: 0, end: 30_000, depth: 0 }]);
    expect(m.cpu.length).toBe(1);
    expect(m.meta.tables).toEqual({ 'ph:X': 2, cpu_to_cuda: 1 });
  });

  it('the tolerant parser accepts only the exact legacy layout', () => {
    expect(parseLegacyTolerant('[{"name": "a", "ph": "X", "ts": 1, "dur": 2, "tid": 1, "pid": "CPU functions", "args": {}}]'))
      .toEqual([{ name: 'a', ph: 'X', ts: 1, dur: 2, tid: 1, pid: 'CPU functions', args: {} }]);
    // cut off, or with anything between events: not a legacy file
    expect(parseLegacyTolerant('[{"name": "a", "ph": "X", "ts": 1, "dur": 2, "tid": 1, "pid": "CPU functions", "args": {}}, {"name": "b"')).toBeUndefined();
    expect(parseLegacyTolerant('[{"name": "a", "ph": "X", "ts": 1, "dur": 2, "tid": 1, "pid": "CPU functions", "args": {}}, 7, ' +
      '{"name": "b", "ph": "X", "ts": 1, "dur": 2, "tid": 1, "pid": "CPU functions", "args": {}}]')).toBeUndefined();
    expect(parseLegacyTolerant('{"traceEvents": []}')).toBeUndefined();
  });

  it('remote events (tid given as a string) get a synthetic thread that keeps the string as its name', async () => {
    const m = await openProfile(tmp.write('remote.json', [
      { name: 'rpc_async#udf', ph: 'X', ts: 1, dur: 9, tid: ' node_id:1, thread_id:3 ', pid: 'CPU functions', args: {} },
      { name: 'aten::add', ph: 'X', ts: 2, dur: 1, tid: 1, pid: 'CPU functions', args: {} },
    ]));
    expect(m.meta.threads).toContainEqual({ pid: 0, tid: m.nvtx.tid[0], name: 'node_id:1, thread_id:3' });
    expect(m.nvtx.tid[0]).toBeLessThan(-1);
  });

  it('torch ≤1.8 with use_cuda: "CUDA functions" events become per-device GPU rows, with a note saying what they are', async () => {
    const m = await openProfile(tmp.write('use-cuda.json', [
      { name: 'aten::mm', ph: 'X', ts: 10, dur: 30, tid: 1, pid: 'CPU functions', args: {} },
      { name: 'aten::mm', ph: 's', ts: 10, tid: 1, pid: 'CPU functions', id: 0, cat: 'cpu_to_cuda', args: {} },
      { name: 'aten::mm', ph: 'f', ts: 12, tid: 0, pid: 'CUDA functions', id: 0, cat: 'cpu_to_cuda', args: {} },
      { name: 'aten::mm', ph: 'X', ts: 12, dur: 25, tid: 0, pid: 'CUDA functions', args: {} },
    ]));
    expect(m.meta.format).toBe('autograd-legacy-json');
    expect([m.kernels.length, m.kernels.deviceId[0], m.kernels.streamId[0], m.kernels.start[0], m.kernels.end[0]]).toEqual([1, 0, -1, 2000, 27_000]);
    expect(m.strings[m.kernels.nameId[0]!]).toBe('aten::mm');
    expect(m.cpu.length).toBe(1);
    expect(m.meta.gpus).toEqual([{ deviceId: 0, name: 'GPU 0' }]);
    expect(m.meta.processes).toEqual([{ pid: 0, name: 'CPU functions' }]);
    expect(m.meta.notes[0]).toMatch(/use_cuda: its 1 "CUDA functions" events .* not individual kernels/);
  });
});
