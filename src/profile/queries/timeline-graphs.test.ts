// The trace view's graph band: above each GPU stream that ran CUDA graph replays, one lane with a slice per
// replay; its details give the launch's line and the nodes (kernel rows to open) with their capture-time lines;
// a kernel of a replay says which replay and node it is and both lines.
import { describe, expect, it } from 'vitest';
import { attachCapture } from '../graphs/attribute.js';
import { captureModel, replayModel } from '../graphs/testing.js';
import { sliceDetails } from './slice-details.js';
import { buildLanes, OP_GRAPH } from './timeline-lanes.js';
import { timelineTiles } from './timeline.js';

const replay = () => replayModel([
  { at: 'runner.py:456 execute_model', kernels: [{ kernel: 'gemm', us: 3, grid: [8, 1, 1], block: [128, 1, 1] }, { kernel: 'gelu', us: 1 }] },
  { at: 'runner.py:456 execute_model', kernels: [{ kernel: 'gemm', us: 3, grid: [8, 1, 1], block: [128, 1, 1] }, { kernel: 'gelu', us: 1 }] },
]);
const capture = () => captureModel([[
  { kernel: 'gemm', at: 'model.py:123 forward', grid: [8, 1, 1], block: [128, 1, 1] },
  { kernel: 'gelu', at: 'model.py:130 mlp' },
]]);
const site = (file: string, line: number, fn: string) => ({ file, line, function: fn });

describe('graph band', () => {
  it('puts one lane of replays right above the stream their nodes ran on', () => {
    const m = replay();
    const ids = buildLanes(m).lanes.map((l) => l.id);
    expect(ids.indexOf('graph0/stream7')).toBe(ids.indexOf('gpu0/stream7') - 1);
    const t = timelineTiles(m, { startNs: 0, endNs: 30_000, pixels: 3000 });
    const band = t.lanes.find((l) => l.id === 'graph0/stream7')!;
    expect(band).toMatchObject({ kind: 'gpu-graph', deviceId: 0, streamId: 7, events: 2 });
    expect(band.slices.map((s) => [s.name, s.table, s.row])).toEqual([['graph 0 replay · 2 kernels', OP_GRAPH, 0], ['graph 0 replay · 2 kernels', OP_GRAPH, 1]]);
    // the band spans the nodes: from the first node's start to the last one's end
    const stream = t.lanes.find((l) => l.id === 'gpu0/stream7')!.slices.filter((s) => s.name !== 'eager_kernel');
    expect([band.slices[0]!.startNs, band.slices[0]!.endNs]).toEqual([stream[0]!.startNs, stream[1]!.endNs]);
  });

  it('a replay\'s details: its launch line, its nodes as kernel rows, and with a capture trace each node\'s capture-time line', () => {
    const m = replay();
    const bare = sliceDetails(m, { table: OP_GRAPH, row: 1 });
    expect(bare).toMatchObject({ table: 'graph', lane: 'graph0/stream7', deviceId: 0, streamId: 7 });
    expect(bare.replay).toMatchObject({ graph: 0, replay: 1, replaysOfGraph: 2, kernels: 2, source: 'launch', replaySite: site('runner.py', 456, 'execute_model'), captureSource: 'none' });
    expect(bare.replay!.nodes.map((n) => [n.node, n.name, n.captureSite])).toEqual([[0, 'gemm', undefined], [1, 'gelu', undefined]]);
    expect(bare.runtime?.name).toMatch(/cudaGraphLaunch/);
    // the node rows open the kernels themselves
    const node = sliceDetails(m, { table: 0, row: bare.replay!.nodes[1]!.row });
    expect(node.name).toBe('gelu');
    expect(node.graph).toMatchObject({ replay: 1, node: 1, nodes: 2, replaySite: site('runner.py', 456, 'execute_model') });
    expect(node.graph!.captureSite).toBeUndefined();

    const m2 = replay();
    attachCapture(m2, capture());
    const d = sliceDetails(m2, { table: OP_GRAPH, row: 0 });
    expect(d.replay!.captureSource).toBe('trace');
    expect(d.replay!.nodes.map((n) => [n.captureSite, n.match])).toEqual([[site('model.py', 123, 'forward'), 'exact'], [site('model.py', 130, 'mlp'), 'exact']]);
    const k = sliceDetails(m2, { table: 0, row: d.replay!.nodes[0]!.row });
    expect(k.graph).toMatchObject({ captureSite: site('model.py', 123, 'forward'), match: 'exact', replaySite: site('runner.py', 456, 'execute_model') });
  });

  it('picks a replay by lane and time, and rejects a row past the replays', () => {
    const m = replay();
    const band = timelineTiles(m, { startNs: 0, endNs: 30_000, pixels: 3000 }).lanes.find((l) => l.id === 'graph0/stream7')!;
    const mid = (band.slices[1]!.startNs + band.slices[1]!.endNs) / 2;
    expect(sliceDetails(m, { lane: 'graph0/stream7', timeNs: mid }).row).toBe(1);
    expect(() => sliceDetails(m, { table: OP_GRAPH, row: 2 })).toThrow(/2 graph replays/);
  });

  it('a profile without graphs has no band', () => {
    const m = replayModel([]);
    expect(buildLanes(m).lanes.some((l) => l.kind === 'gpu-graph')).toBe(false);
  });
});
