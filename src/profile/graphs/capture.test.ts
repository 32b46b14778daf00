// The matching rules of capture-time lines on hand-made capture/replay pairs: name and order within the graph,
// grid/block, which capture, ambiguous and unmatched nodes, and the share of replayed time on a line.
import { describe, expect, it } from 'vitest';
import { attributeGraphs } from './attribute.js';
import { graphsReport } from './report.js';
import { formatSite } from './sites.js';
import { captureModel, replayModel } from './testing.js';

const sitesOf = (replay: ReturnType<typeof replayModel>, capture: ReturnType<typeof captureModel>) => {
  const a = attributeGraphs(replay, capture);
  const r = a.replays.replays[0]!;
  return r.kernels.map((row) => {
    const n = a.nodeOf(row)!;
    return `${n.status} ${formatSite(n.site)}`;
  });
};

describe('capture-time lines', () => {
  it('matches each replayed node to its capture launch by name and order, and keeps the replay site', () => {
    const capture = captureModel([[
      { kernel: 'gemm', at: 'model.py:10 forward' },
      { kernel: 'add', at: 'model.py:11 forward' },
      { kernel: 'gemm', at: 'model.py:12 forward' },
    ]]);
    const replay = replayModel([{ at: 'runner.py:456 execute', kernels: [{ kernel: 'gemm' }, { kernel: 'add' }, { kernel: 'gemm' }] }]);
    expect(sitesOf(replay, capture)).toEqual([
      'exact model.py:10 forward', 'exact model.py:11 forward', 'exact model.py:12 forward',
    ]);
    const rep = graphsReport(replay, { capture });
    expect(rep.graphs[0]!.replaySite).toEqual({ file: 'runner.py', function: 'execute', line: 456 });
    expect(rep.capture).toMatchObject({ source: 'trace', replayedKernels: 3, attributedKernels: 3, attributedShare: 1, exact: 3, unmatched: 0, ambiguous: 0 });
    expect(rep.capture.lines.map((l) => [`${l.site.file}:${l.site.line}`, l.kernels, l.ms])).toEqual([
      ['model.py:10', 1, 0.001], ['model.py:11', 1, 0.001], ['model.py:12', 1, 0.001],
    ]);
  });

  it('uses grid/block to pick between launches of one kernel, and says when they differ', () => {
    const capture = captureModel([[
      { kernel: 'gemm', at: 'model.py:10 forward', grid: [8, 1, 1], block: [256, 1, 1] },
      { kernel: 'gemm', at: 'model.py:20 forward', grid: [64, 1, 1], block: [256, 1, 1] },
    ]]);
    // one replayed gemm with the second launch's grid: grid/block decide it, no ambiguity
    const replay = replayModel([{ kernels: [{ kernel: 'gemm', grid: [64, 1, 1], block: [256, 1, 1] }] }]);
    expect(sitesOf(replay, capture)).toEqual(['exact model.py:20 forward']);
    // same name, same order, another grid: matched, flagged
    const other = replayModel([{ kernels: [{ kernel: 'gemm', grid: [8, 1, 1], block: [256, 1, 1] }, { kernel: 'gemm', grid: [32, 1, 1], block: [256, 1, 1] }] }]);
    expect(sitesOf(other, capture)).toEqual(['exact model.py:10 forward', 'dims-differ model.py:20 forward']);
    expect(graphsReport(other, { capture }).capture.dimsDiffer).toBe(1);
  });

  it('calls a node ambiguous when the counts differ and its candidate launches come from different lines', () => {
    const capture = captureModel([[
      { kernel: 'relu', at: 'model.py:30 block' },
      { kernel: 'relu', at: 'model.py:31 block' },
      { kernel: 'norm', at: 'model.py:32 block' },
    ]]);
    const replay = replayModel([{ kernels: [{ kernel: 'relu', us: 5 }, { kernel: 'norm', us: 5 }] }]);
    expect(sitesOf(replay, capture)).toEqual(['ambiguous model.py:30 block', 'exact model.py:32 block']);
    const rep = graphsReport(replay, { capture });
    expect(rep.capture.ambiguous).toBe(1);
    expect(rep.capture.ambiguousKernels).toEqual([{ name: 'relu', kernels: 1, ms: 0.005 }]);
  });

  it('is not ambiguous when every candidate launch has the same line', () => {
    const capture = captureModel([[
      { kernel: 'relu', at: 'model.py:30 block' },
      { kernel: 'relu', at: 'model.py:30 block' },
      { kernel: 'norm', at: 'model.py:32 block' },
    ]]);
    const replay = replayModel([{ kernels: [{ kernel: 'relu' }, { kernel: 'norm' }] }]);
    expect(sitesOf(replay, capture)).toEqual(['exact model.py:30 block', 'exact model.py:32 block']);
  });

  it('leaves a kernel the capture never launched unmatched, counts it and names it', () => {
    const capture = captureModel([[{ kernel: 'gemm', at: 'model.py:10 forward' }, { kernel: 'add', at: 'model.py:11 forward' }]]);
    const replay = replayModel([{ kernels: [{ kernel: 'gemm', us: 6 }, { kernel: 'memset_kernel', us: 2 }, { kernel: 'add', us: 2 }] }]);
    expect(sitesOf(replay, capture)).toEqual(['exact model.py:10 forward', 'unmatched —', 'exact model.py:11 forward']);
    const c = graphsReport(replay, { capture }).capture;
    expect(c).toMatchObject({ replayedKernels: 3, attributedKernels: 2, unmatched: 1, attributedShare: 0.8 });
    expect(c.unmatchedKernels).toEqual([{ name: 'memset_kernel', kernels: 1, ms: 0.002 }]);
  });

  it('a node whose capture launch has no Python stack is matched but not on a line', () => {
    const capture = captureModel([[{ kernel: 'gemm' }, { kernel: 'add', at: 'model.py:11 forward' }]]);
    const replay = replayModel([{ kernels: [{ kernel: 'gemm', us: 1 }, { kernel: 'add', us: 3 }] }]);
    const c = graphsReport(replay, { capture }).capture;
    expect(c).toMatchObject({ exact: 2, attributedKernels: 1, attributedShare: 0.75 });
  });

  it('picks the capture whose kernels the replay runs (one graph per batch size), the same-sized one on a tie', () => {
    const capture = captureModel([
      [{ kernel: 'gemm', at: 'small.py:1 f' }, { kernel: 'add', at: 'small.py:2 f' }],
      [{ kernel: 'gemm', at: 'big.py:1 f' }, { kernel: 'add', at: 'big.py:2 f' }, { kernel: 'softmax', at: 'big.py:3 f' }],
      [{ kernel: 'gemm', at: 'mid.py:1 f' }, { kernel: 'add', at: 'mid.py:2 f' }, { kernel: 'softmax', at: 'mid.py:3 f' }, { kernel: 'copy', at: 'mid.py:4 f' }],
    ]);
    const replay = replayModel([{ kernels: [{ kernel: 'gemm' }, { kernel: 'add' }, { kernel: 'softmax' }] }]);
    expect(sitesOf(replay, capture)).toEqual(['exact big.py:1 f', 'exact big.py:2 f', 'exact big.py:3 f']);
    expect(attributeGraphs(replay, capture).matches[0]!.capture).toBe(1);
  });

  it('marks every node ambiguous when two captures fit equally and put them on different lines', () => {
    const capture = captureModel([
      [{ kernel: 'gemm', at: 'a.py:1 f' }, { kernel: 'add', at: 'a.py:2 f' }],
      [{ kernel: 'gemm', at: 'b.py:1 f' }, { kernel: 'add', at: 'b.py:2 f' }],
    ]);
    const replay = replayModel([{ kernels: [{ kernel: 'gemm' }, { kernel: 'add' }] }]);
    expect(sitesOf(replay, capture)).toEqual(['ambiguous a.py:1 f', 'ambiguous a.py:2 f']);
    // the same lines in both captures: no ambiguity
    const same = captureModel([
      [{ kernel: 'gemm', at: 'a.py:1 f' }, { kernel: 'add', at: 'a.py:2 f' }],
      [{ kernel: 'gemm', at: 'a.py:1 f' }, { kernel: 'add', at: 'a.py:2 f' }],
    ]);
    expect(sitesOf(replay, same)).toEqual(['exact a.py:1 f', 'exact a.py:2 f']);
  });

  it('without begin/end-capture calls takes the launches that ran nothing, and says so', () => {
    const capture = captureModel([[{ kernel: 'gemm', at: 'model.py:10 forward' }]], { bracketed: false });
    const replay = replayModel([{ kernels: [{ kernel: 'gemm' }] }]);
    expect(sitesOf(replay, capture)).toEqual(['exact model.py:10 forward']);
    expect(graphsReport(replay, { capture }).notes.join(' ')).toMatch(/no begin\/end-capture calls/);
  });

  it('with no capture the nodes carry the replay site only, and the report says how to get capture lines', () => {
    const replay = replayModel([{ at: 'runner.py:5 run', kernels: [{ kernel: 'gemm' }] }]);
    const rep = graphsReport(replay);
    expect(rep.capture.source).toBe('none');
    expect(rep.graphs[0]!.nodes[0]!.match).toBe('no-capture');
    expect(rep.notes.join(' ')).toMatch(/--capture/);
  });

  it('matches the same node sequence once for all its replays', () => {
    const capture = captureModel([[{ kernel: 'gemm', at: 'model.py:10 forward' }, { kernel: 'add', at: 'model.py:11 forward' }]]);
    const spec = { kernels: [{ kernel: 'gemm' }, { kernel: 'add' }] };
    const replay = replayModel([spec, spec, spec]);
    const a = attributeGraphs(replay, capture);
    expect(a.matches[0]).toBe(a.matches[2]);
    const rep = graphsReport(replay, { capture });
    expect(rep.graphs).toHaveLength(1);
    expect(rep.graphs[0]!.replays).toBe(3);
    expect(rep.graphs[0]!.nodes.map((n) => n.runs)).toEqual([3, 3]);
    expect(rep.capture.attributedKernels).toBe(6);
  });
});
