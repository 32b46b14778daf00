// Graph replays in the model: kernels of a graph launch, replays whose launch is outside the trace, nsys
// graph-level rows, and compiled regions (Triton kernels to their region, fused names, graph breaks).
import { describe, expect, it } from 'vitest';
import { compiledRegions } from './compiled.js';
import { decodeFusedName } from './fused.js';
import { graphReplays } from './replays.js';
import { graphsReport } from './report.js';
import { replayModel } from './testing.js';

describe('graph replays', () => {
  it('ties every kernel with the graph launch correlation id to that replay, in GPU order, and leaves eager kernels out', () => {
    const m = replayModel([
      { at: 'runner.py:456 execute', kernels: [{ kernel: 'gemm', us: 3 }, { kernel: 'add', us: 1 }] },
      { at: 'runner.py:456 execute', kernels: [{ kernel: 'gemm', us: 3 }, { kernel: 'add', us: 1 }] },
    ]);
    const g = graphReplays(m);
    expect(g.replays).toHaveLength(2);
    expect(g.graphs).toHaveLength(1);
    expect(g.graphKernels).toBe(4);
    expect(g.graphKernelNs).toBe(8000);
    const eager = [...m.kernels.nameId].findIndex((id) => m.strings[id] === 'eager_kernel');
    expect(g.replayOfKernel[eager]).toBe(-1);
    expect(g.replays[0]!.kernels.map((r) => m.strings[m.kernels.nameId[r]!])).toEqual(['gemm', 'add']);
    expect(g.replays[1]!.kernels.map((r) => g.nodeOfKernel[r])).toEqual([0, 1]);
    expect(g.replays[0]!.site).toEqual({ file: 'runner.py', function: 'execute', line: 456 });
    const rep = graphsReport(m);
    expect(rep.graphs[0]).toMatchObject({ replays: 2, kernelsPerReplay: 2, totalMs: 0.008, meanReplayMs: 0.004 });
    expect(rep.graphShare).toBeCloseTo(8 / 8.01, 3);
  });

  it('finds a replay whose launch call is outside the trace by its shared correlation id, with the site of its graph', () => {
    const spec = { at: 'runner.py:9 run', kernels: [{ kernel: 'gemm' }, { kernel: 'add' }] };
    const m = replayModel([{ ...spec, launched: false }, spec]);
    const g = graphReplays(m);
    expect(g.replays.map((r) => r.source)).toEqual(['inferred', 'launch']);
    expect(g.replays[0]!.siteFrom).toBe('same-graph');
    expect(g.replays[0]!.site?.line).toBe(9);
    expect(g.graphs).toHaveLength(1);
    // a lone kernel without its launch call is one more replay only when a launched graph runs exactly that kernel
    const lone = replayModel([{ kernels: [{ kernel: 'softmax' }], launched: false }, { kernels: [{ kernel: 'gemm' }] }]);
    expect(graphReplays(lone).replays.map((r) => r.source)).toEqual(['launch']);
    const again = replayModel([{ kernels: [{ kernel: 'gemm' }], launched: false }, { kernels: [{ kernel: 'gemm' }] }]);
    expect(graphReplays(again).replays.map((r) => r.source)).toEqual(['inferred', 'launch']);
  });

  it('reads nsys graph-level rows (no kernels traced) as replays with the launch site and graphExecId', () => {
    const m = replayModel([], (b) => {
      b.api('cudaGraphLaunch_v10000', 20_000, 20_010, { pid: 7, tid: 7, correlationId: 141 });
      b.graphReplay(20_100, 21_900, { correlationId: 141, graphId: 1, graphExecId: 2, deviceId: 0, streamId: 13 });
      b.graphReplay(22_100, 23_500, { correlationId: 142, graphId: 1, graphExecId: 2, deviceId: 0, streamId: 13 });
    });
    const g = graphReplays(m);
    expect(g.replays.map((r) => [r.source, r.kernelNs, r.graphExecId])).toEqual([['graph-trace', 1800, 2], ['graph-trace', 1400, 2]]);
    expect(g.graphs).toHaveLength(1);
    expect(graphsReport(m).graphs[0]).toMatchObject({ graphExecId: 2, replays: 2, totalMs: 0.0032 });
  });

  it('uses nsys graphNodeId to keep graph kernels whose launch is missing', () => {
    const m = replayModel([], (b) => {
      b.kernel('node_kernel', 30_000, 31_000, { pid: 7, correlationId: 77, graphNodeId: 5 });
    });
    expect(graphReplays(m).replays.map((r) => r.source)).toEqual(['inferred']);
  });
});

describe('compiled regions', () => {
  it('puts a Triton kernel in the compiled region its launch was made in, with the caller line and fused ops', () => {
    const m = replayModel([], (b) => {
      b.cpuEvent('step', 39_000, 60_000, { pid: 7, tid: 7, kind: 1, file: 'train.py', line: 40 });
      b.cpuEvent('Torch-Compiled Region: 0/0', 40_000, 45_000, { pid: 7, tid: 7, kind: 0 });
      b.cpuEvent('Torch-Compiled Region: 1/0', 50_000, 55_000, { pid: 7, tid: 7, kind: 0 });
      b.range('## Call CompiledFxGraph abc123 ##', 40_500, 44_000, { pid: 7, tid: 7 });
      b.api('cuLaunchKernel', 41_000, 41_010, { pid: 7, tid: 7, correlationId: 501 });
      b.kernel('triton_red_fused__unsafe_view_add_mean_mul_pow_rsqrt_1', 41_100, 42_100, { pid: 7, correlationId: 501 });
      b.api('cuLaunchKernel', 51_000, 51_010, { pid: 7, tid: 7, correlationId: 502 });
      b.kernel('triton_poi_fused_add_0', 51_100, 51_600, { pid: 7, correlationId: 502 });
      b.api('cuLaunchKernel', 58_000, 58_010, { pid: 7, tid: 7, correlationId: 503 });
      b.kernel('triton_poi_fused_mul_1', 58_100, 58_300, { pid: 7, correlationId: 503 });
    });
    const c = compiledRegions(m, graphReplays(m));
    expect(c.regions.map((r) => [r.name, r.kernels, r.gpuNs])).toEqual([['Torch-Compiled Region: 0/0', 1, 1000], ['Torch-Compiled Region: 1/0', 1, 500]]);
    expect(c.regions[0]!.fusedOps.map((o) => o.op)).toEqual(['_unsafe_view', 'add', 'mean', 'mul', 'pow', 'rsqrt']);
    expect(c.tritonKernels).toBe(3);
    expect(c.tritonInRegion).toBe(2);
    expect(c.tritonOutside).toEqual([{ name: 'triton_poi_fused_mul_1', kernels: 1, gpuNs: 200 }]);
    // two regions under one Python frame, eager work between: a graph break at that frame
    expect(c.graphBreaks).toEqual({ count: 1, sites: [{ site: { file: 'train.py', function: 'step', line: 40 }, count: 1 }] });
    expect(c.dynamoFrames).toBe(2);
  });

  it('a graph replay launched inside CompiledFunction belongs to it, and so does a replay of the same graph without its launch', () => {
    const spec = { kernels: [{ kernel: 'triton__0d1d2d' }, { kernel: 'gemm' }] };
    const m = replayModel([{ ...spec, launched: false }, spec], (b) => {
      b.cpuEvent('CompiledFunction', 9_000, 20_000, { pid: 7, tid: 7, kind: 0 });
    });
    const c = compiledRegions(m, graphReplays(m));
    expect(c.regions).toHaveLength(1);
    expect(c.regions[0]).toMatchObject({ name: 'CompiledFunction', kernels: 4, tritonKernels: 2, graphKernels: 4 });
    expect(c.tritonInRegion).toBe(2);
  });
});

describe('Inductor kernel names', () => {
  it('decodes the kind and the fused aten ops, multi-word ops whole', () => {
    expect(decodeFusedName('triton_poi_fused_add_cos_sin_0')).toEqual({ kind: 'pointwise', ops: ['add', 'cos', 'sin'] });
    expect(decodeFusedName('triton_red_fused__to_copy_native_layer_norm_12')).toEqual({ kind: 'reduction', ops: ['_to_copy', 'native_layer_norm'] });
    expect(decodeFusedName('triton_per_fused_constant_pad_nd_1')).toEqual({ kind: 'persistent-reduction', ops: ['constant_pad_nd'] });
    expect(decodeFusedName('triton_poi_fused_0')).toEqual({ kind: 'pointwise', ops: [] });
    expect(decodeFusedName('triton__0d1d2d3d')).toEqual({ kind: 'triton', ops: [] });
    expect(decodeFusedName('ampere_sgemm_128x64_nn')).toBeNull();
  });
});

describe('slice details of a graph kernel', () => {
  it('names the replay, the node and the replay site; a kernel launched one by one has none', async () => {
    const { sliceDetails } = await import('../queries/slice-details.js');
    const m = replayModel([{ at: 'runner.py:456 execute', kernels: [{ kernel: 'gemm' }, { kernel: 'add' }] }]);
    const row = [...m.kernels.nameId].findIndex((id) => m.strings[id] === 'add');
    expect(sliceDetails(m, { table: 0, row }).graph).toEqual({
      replay: 0, graph: 0, node: 1, nodes: 2, replaySite: { file: 'runner.py', function: 'execute', line: 456 },
      replaySlice: { table: 'graph', row: 0, lane: 'graph0/stream7', name: 'graph 0 replay · 2 kernels', startNs: 10_020, endNs: 12_120 },
    });
    const eager = [...m.kernels.nameId].findIndex((id) => m.strings[id] === 'eager_kernel');
    expect(sliceDetails(m, { table: 0, row: eager }).graph).toBeUndefined();
  });
});
