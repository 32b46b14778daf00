// `sysight tool graphs <profile> --capture <trace>` as a subprocess on a hand-made Kineto capture/replay pair:
// the capture launches (args.kernel, grid, block) between begin/end-capture calls under Python frames, the
// replay one cudaGraphLaunch whose kernels carry its correlation id.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { GraphsReport } from '../../src/profile/graphs/report.js';
import { ensureBuilt, sysightSync } from '../support/cli.js';

const host = { pid: 5, tid: 5 };
const gpu = { pid: 0, tid: 7 };

const sysight = (...args: string[]) => sysightSync(args);

const py = (name: string, ts: number, dur: number) => ({ ph: 'X', cat: 'python_function', name, ...host, ts, dur });
const launch = (kernel: string, ts: number, correlation: number, grid: number[]) => ({
  ph: 'X', cat: 'cuda_runtime', name: 'cudaLaunchKernel', ...host, ts, dur: 2, args: { correlation, kernel, grid, block: [128, 1, 1] },
});

const capture = {
  traceEvents: [
    py('runner.py(50): capture', 0, 200),
    { ph: 'X', cat: 'cuda_runtime', name: 'cudaStreamBeginCapture', ...host, ts: 5, dur: 1, args: { correlation: 1 } },
    py('model.py(12): attention', 10, 30), launch('gemm_kernel', 20, 2, [8, 1, 1]),
    py('model.py(20): mlp', 50, 30), launch('gemm_kernel', 60, 3, [16, 1, 1]),
    py('model.py(21): mlp', 90, 30), launch('gelu_kernel', 100, 4, [4, 1, 1]),
    { ph: 'X', cat: 'cuda_runtime', name: 'cudaStreamEndCapture', ...host, ts: 150, dur: 1, args: { correlation: 5 } },
  ],
};

const kernel = (name: string, ts: number, dur: number, grid: number[]) => ({
  ph: 'X', cat: 'kernel', name, ...gpu, ts, dur, args: { device: 0, stream: 7, correlation: 900, grid, block: [128, 1, 1] },
});
const replay = {
  traceEvents: [
    py('server.py(99): decode_step', 0, 100),
    { ph: 'X', cat: 'cuda_runtime', name: 'cudaGraphLaunch', ...host, ts: 10, dur: 5, args: { correlation: 900 } },
    kernel('gemm_kernel', 20, 40, [8, 1, 1]), kernel('gemm_kernel', 61, 50, [16, 1, 1]),
    kernel('gelu_kernel', 112, 10, [4, 1, 1]), kernel('softmax_kernel', 123, 5, [1, 1, 1]),
  ],
};

let tmp = '';
beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'sysight-graphs-'));
  writeFileSync(join(tmp, 'capture.json'), JSON.stringify(capture));
  writeFileSync(join(tmp, 'replay.json'), JSON.stringify(replay));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('sysight tool graphs', () => {
  it('puts every replayed kernel on its capture-time line, names the one the capture never launched', () => {
    const r = sysight('tool', 'graphs', join(tmp, 'replay.json'), '--capture', join(tmp, 'capture.json'), '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as GraphsReport;
    expect(out.replays).toBe(1);
    const g = out.graphs[0]!;
    expect(g.replaySite).toEqual({ file: 'server.py', function: 'decode_step', line: 99 });
    const sites = Object.fromEntries(g.nodes.map((n) => [n.node, n.captureSite ? `${n.captureSite.file}:${n.captureSite.line}` : n.match]));
    expect(sites).toEqual({ 0: 'model.py:12', 1: 'model.py:20', 2: 'model.py:21', 3: 'unmatched' });
    expect(out.capture).toMatchObject({ replayedKernels: 4, attributedKernels: 3, unmatched: 1, attributedShare: 0.9524 });
    expect(out.capture.unmatchedKernels.map((u) => u.name)).toEqual(['softmax_kernel']);
  });

  it('recovers the replays and sites planted by `sysight generate --capture-trace`', () => {
    const scenario = {
      iterations: { count: 2 }, processes: [{ pid: 300 }],
      step: [{ type: 'graph', at: 'runner.py:456 execute_model', count: 3, kernels: [
        { type: 'kernel', name: 'rms_norm_kernel', durationUs: 5, at: 'model.py:123 forward' },
        { type: 'kernel', name: 'gemm_kernel', durationUs: 20, at: 'model.py:130 forward' },
      ] }],
    };
    writeFileSync(join(tmp, 'scenario.json'), JSON.stringify(scenario));
    const g = sysight('generate', join(tmp, 'scenario.json'), '--out', join(tmp, 'gen.sqlite'), '--capture-trace', join(tmp, 'gen-capture.json'));
    expect(g.code, g.stderr).toBe(0);
    const r = sysight('tool', 'graphs', join(tmp, 'gen.sqlite'), '--capture', join(tmp, 'gen-capture.json'), '--json');
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout) as GraphsReport;
    expect(out).toMatchObject({ graphLaunches: 6, replays: 6, graphKernels: 12 });
    expect(out.graphs.map((x) => [x.replays, x.replaySite])).toEqual([[6, { file: 'runner.py', line: 456, function: 'execute_model' }]]);
    expect(out.graphs[0]!.nodes.map((n) => `${n.node} ${n.match} ${n.captureSite?.file}:${n.captureSite?.line}`).sort()).toEqual(['0 exact model.py:123', '1 exact model.py:130']);
    expect(out.capture.attributedShare).toBe(1);
    // without --capture: the capture trace beside the profile (closest name) is taken, and said so
    const beside = sysight('tool', 'graphs', join(tmp, 'gen.sqlite'), '--json');
    expect(beside.code, beside.stderr).toBe(0);
    expect(beside.stderr).toContain(`capture trace beside the profile: ${join(tmp, 'gen-capture.json')}`);
    expect((JSON.parse(beside.stdout) as GraphsReport).capture).toMatchObject({ source: 'trace', attributedShare: 1 });
    const none = sysight('generate', '--preset', 'healthy', '--out', join(tmp, 'h.sqlite'), '--capture-trace', join(tmp, 'h.json'));
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/no graph event/);
  });

  it('prints both sites in the table, and a missing capture file is one clear line with exit 2', () => {
    const r = sysight('tool', 'graphs', join(tmp, 'replay.json'), '--capture', join(tmp, 'capture.json'));
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('replayed from server.py:99 decode_step');
    expect(r.stdout).toContain('captured at model.py:20 mlp');
    expect(r.stdout).toMatch(/unmatched: 1× softmax_kernel/);
    const bad = sysight('tool', 'graphs', join(tmp, 'replay.json'), '--capture', join(tmp, 'nope.json'));
    expect(bad.code).toBe(2);
    expect(bad.stderr.trim().split('\n')).toHaveLength(1);
    expect(bad.stderr).toMatch(/nope\.json/);
  });
});
