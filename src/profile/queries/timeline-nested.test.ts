// The trace view's nested host rows: CPU ops and Python functions (Kineto cpu_op, python_function) as one lane per
// nesting level of each thread, named from the profile's metadata, with their details and search. A small
// built model always; the real OWLv2 trace of ../shared/traces when it is there (its expected numbers were
// computed from the raw JSON with python3's json/gzip: per thread, events by start (ties longer first) over a
// stack of open spans, a level reused only once its span ended).
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { ProfileModel } from '../../core/profile.js';
import { openProfile } from '../open.js';
import { ModelBuilder } from './model-builder.js';
import { sliceDetails } from './slice-details.js';
import { timelineTiles } from './timeline.js';
import { OP_CPU, buildLanes, nestingDepths } from './timeline-lanes.js';
import { timelineSearch } from './timeline-search.js';

function model(): ProfileModel {
  const b = new ModelBuilder();
  const t = { pid: 9, tid: 10 };
  // train.py(5): step ⊃ aten::linear ⊃ aten::mm; a sibling op after it; a span that overlaps aten::linear without nesting
  b.cpuEvent('step', 0, 100, { ...t, kind: 1, line: 5, file: 'src/train.py' });
  b.cpuEvent('aten::linear', 10, 50, { ...t, kind: 0 });
  b.callchains.set(3, [{ symbol: 'forward', file: 'model.py', line: 9 }]);
  b.cpuEvent('aten::mm', 20, 40, { ...t, kind: 0, callchainId: 3 });
  b.cpuEvent('aten::relu', 60, 90, { ...t, kind: 0 });
  b.cpuEvent('overlapping', 45, 55, { ...t, kind: 0 });
  // another thread, one level
  b.cpuEvent('loader', 0, 30, { pid: 9, tid: 11, kind: 1, line: 12, file: 'data.py' });
  // a 2021-style op with its own "Call stack" and no Python functions around it
  b.cpuEvent('aten::copy_', 40, 45, { pid: 9, tid: 12, kind: 0, callchainId: 3 });
  b.range('ProfilerStep#0', 0, 100, t);
  b.api('cudaLaunchKernel', 25, 30, t);
  b.kernel('gemm', 30, 60, { streamId: 7 });
  return b.build('test.json');
}

describe('nested CPU-op and Python-function lanes', () => {
  const m = model();

  it('puts each span one level below the spans open at its start, never two overlapping spans in one level', () => {
    const depth = Array.from(buildLanes(m).cpuDepth);
    // step 0, linear 1, mm 2, relu 1, overlapping 2 (linear is still open at 45), loader 0
    expect(depth).toEqual([0, 1, 2, 1, 2, 0, 0]);
    // a zero-length mark at the instant a span closes sits inside it; a span starting there reuses the level
    const spans = { length: 3, start: Float64Array.of(0, 10, 12), end: Float64Array.of(10, 10, 20), pid: Int32Array.of(1, 1, 1), tid: Int32Array.of(1, 1, 1) };
    expect(Array.from(nestingDepths(spans))).toEqual([0, 1, 0]);
  });

  it('orders lanes GPU first, then per thread its NVTX levels, CUDA calls and op levels, named from the metadata', () => {
    const t = timelineTiles(m, { startNs: 0, endNs: 100, pixels: 1000 });
    expect(t.lanes.map((l) => l.id)).toEqual([
      'gpu0/stream7', 'nvtx9/10/d0', 'cpu9/10', 'ops9/10/d0', 'ops9/10/d1', 'ops9/10/d2', 'ops9/11/d0', 'ops9/12/d0',
    ]);
    const ops1 = t.lanes.find((l) => l.id === 'ops9/10/d1')!;
    expect(ops1).toMatchObject({ kind: 'cpu-op', pid: 9, tid: 10, depth: 1, process: 'proc9', thread: 'thread10' });
    expect(ops1.slices.map((s) => s.name)).toEqual(['aten::linear', 'aten::relu']);
    expect(t.lanes.find((l) => l.id === 'ops9/10/d0')!.slices[0]!.name).toBe('step · train.py:5');
    expect(t.lanes[0]).toMatchObject({ gpu: 'Test GPU 0' });
    // every slice of one level is a separate, non-overlapping span
    for (const l of t.lanes.filter((x) => x.kind === 'cpu-op')) {
      for (let i = 1; i < l.slices.length; i++) expect(l.slices[i]!.startNs).toBeGreaterThanOrEqual(l.slices[i - 1]!.endNs);
    }
  });

  it('gives a clicked Python function its line and the stack around it, and finds ops by name', () => {
    const mm = sliceDetails(m, { lane: 'ops9/10/d2', timeNs: 30 });
    expect(mm).toMatchObject({ table: 'cpu', name: 'aten::mm', lane: 'ops9/10/d2', depth: 2, cpuKind: 'cpu_op', pid: 9, tid: 10 });
    expect(mm.stack!.map((f) => f.name)).toEqual(['aten::mm', 'aten::linear', 'step']);
    expect(mm.stack![2]).toMatchObject({ kind: 'python', file: 'src/train.py', line: 5 });
    // the op's recorded stack is shown only where no Python functions surround it
    expect(mm.frames).toBeUndefined();
    expect(sliceDetails(m, { lane: 'ops9/12/d0', timeNs: 42 }).frames).toEqual([{ symbol: 'forward', file: 'model.py', line: 9 }]);
    const step = sliceDetails(m, { table: OP_CPU, row: 0 });
    expect(step).toMatchObject({ cpuKind: 'python', source: { file: 'src/train.py', line: 5 }, depth: 0 });
    const found = timelineSearch(m, { query: 'aten::' });
    expect(found).toMatchObject({ cpu: 4, kernels: 0, nvtx: 0, total: 4 });
    expect(found.hits.map((h) => [h.table, h.lane, h.name])).toEqual([
      ['cpu', 'ops9/10/d1', 'aten::linear'], ['cpu', 'ops9/10/d2', 'aten::mm'], ['cpu', 'ops9/12/d0', 'aten::copy_'], ['cpu', 'ops9/10/d1', 'aten::relu'],
    ]);
  });
});

const ROOT = resolve(__dirname, '../../..');
const TRACES = [resolve(ROOT, '../shared/traces'), resolve(ROOT, '../../shared/traces')].find((d) => existsSync(d)) ?? resolve(ROOT, '../shared/traces');
const OWL = resolve(TRACES, 'tracelens/google_owlv2-large-patch14-ensemble__1016001.json.gz');

describe.skipIf(!existsSync(OWL))('nested lanes of the real OWLv2 trace', () => {
  it('draws its 89,691 CPU ops and Python functions as 47 + 11 levels of two named threads', async () => {
    const m = await openProfile(OWL);
    const t = timelineTiles(m, { startNs: m.meta.startNs, endNs: m.meta.endNs, pixels: 1500 });
    const ops = t.lanes.filter((l) => l.kind === 'cpu-op');
    const main = ops.filter((l) => l.tid === 21587);
    const other = ops.filter((l) => l.tid === 21716);
    expect(main.map((l) => l.depth)).toEqual(Array.from({ length: 47 }, (_, i) => i));
    expect(other.map((l) => l.depth)).toEqual(Array.from({ length: 11 }, (_, i) => i));
    expect(main.reduce((s, l) => s + l.events, 0)).toBe(89_617);
    expect(other.reduce((s, l) => s + l.events, 0)).toBe(74);
    expect(main[0]).toMatchObject({ process: 'python3', thread: 'thread 21587 (python3)' });
    expect(t.lanes.find((l) => l.kind === 'gpu-stream')).toMatchObject({ id: 'gpu0/stream7', gpu: 'NVIDIA H100 80GB HBM3' });
    // the outermost frame of the main thread spans the trace; the deepest level holds 1,080 spans
    expect(main[0]!.slices[0]!.name).toBe('<module> · <string>:1');
    expect(main[46]!.events).toBe(1080);
    // no two spans of one level overlap (zoomed in far enough that every slice is one event)
    const lanes = buildLanes(m).lanes.filter((l) => l.kind === 'cpu-op');
    for (const l of lanes) for (let i = 1; i < l.start.length; i++) expect(l.start[i]!).toBeGreaterThanOrEqual(l.end[i - 1]!);
    // a deep Python function: its line, and a stack of Python frames with lines around it
    const deep = main.find((l) => l.depth === 20)!;
    const lane = buildLanes(m).byId.get(deep.id)!;
    let row = -1;
    for (let i = 0; i < lane.row.length && row < 0; i++) if (m.cpu.kind[lane.row[i]!] === 1 && /\.py$/.test(m.strings[m.cpu.fileId[lane.row[i]!]!] ?? '')) row = lane.row[i]!;
    const d = sliceDetails(m, { table: OP_CPU, row });
    expect(d).toMatchObject({ cpuKind: 'python', depth: 20 });
    expect(d.source?.file).toMatch(/\.py$/);
    expect(d.stack!.length).toBeGreaterThan(20);
    expect(d.stack!.filter((f) => f.kind === 'python' && f.file && f.line! > 0).length).toBeGreaterThan(10);
  }, 120_000);
});
