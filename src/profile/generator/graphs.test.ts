// Graph replays and compiled regions planted by the generator are what `sysight tool graphs` recovers: every
// replay with its launch line, every node's capture-time line through the generated capture trace, the kernels of
// each compiled region.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { afterAll, describe, expect, it } from 'vitest';
import { graphsReport } from '../graphs/report.js';
import { openProfile } from '../open.js';
import { buildNsysDatabase, captureTrace, writeNsysProfile, type Scenario, type StepEvent } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'sysight-gen-graphs-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const nodes = [
  { type: 'kernel' as const, name: 'void gemm_bf16<128>(float*)', durationUs: 40, grid: [16, 8, 1] as [number, number, number], block: [128, 1, 1] as [number, number, number], at: 'model.py:123 forward' },
  { type: 'kernel' as const, name: 'triton_poi_fused_add_mul_silu_0', durationUs: 8, at: 'model.py:131 mlp' },
  { type: 'kernel' as const, name: 'void gemm_bf16<128>(float*)', durationUs: 30, grid: [8, 8, 1] as [number, number, number], block: [128, 1, 1] as [number, number, number], at: 'model.py:135 mlp' },
];

function scenario(trace: 'node' | 'graph'): Scenario {
  return {
    name: `graphs-${trace}`, seed: 3, iterations: { count: 3 },
    processes: [{ pid: 2100 }],
    pythonStack: ['serve.py:20 main'],
    step: [
      { type: 'compiled', graph: 'fz3kq7xa', events: [
        { type: 'kernel', name: 'triton_red_fused_native_layer_norm_1', durationUs: 12, at: 'model.py:88 norm' },
      ] },
      { type: 'graph', kernels: nodes, count: 2, trace, at: 'runner.py:456 execute_model' },
      { type: 'kernel', name: 'void sampler_kernel(float*)', durationUs: 5, at: 'runner.py:470 sample' },
    ],
  };
}

async function report(trace: 'node' | 'graph') {
  const sc = scenario(trace);
  const profile = join(dir, `${trace}.sqlite`);
  const capture = join(dir, `${trace}-capture.json`);
  writeNsysProfile(sc, profile);
  writeFileSync(capture, JSON.stringify(captureTrace(sc)));
  return graphsReport(await openProfile(profile), { capture: await openProfile(capture) });
}

const site = (file: string, line: number, fn: string) => ({ file, line, function: fn });

describe('generated CUDA graphs', () => {
  it('node-level tracing: every replay with its launch line, every node on its capture-time line', async () => {
    const r = await report('node');
    expect(r).toMatchObject({ graphLaunches: 6, replays: 6, graphKernels: 18 });
    expect(r.graphs).toHaveLength(1);
    const g = r.graphs[0]!;
    expect(g).toMatchObject({ replays: 6, inferredReplays: 0, kernelsPerReplay: 3, replaySite: site('runner.py', 456, 'execute_model') });
    expect(g.nodes.map((n) => [n.node, n.runs, n.match, n.captureSite]).sort((a, b) => Number(a[0]) - Number(b[0]))).toEqual([
      [0, 6, 'exact', site('model.py', 123, 'forward')],
      [1, 6, 'exact', site('model.py', 131, 'mlp')],
      [2, 6, 'exact', site('model.py', 135, 'mlp')],
    ]);
    expect(r.capture).toMatchObject({ source: 'trace', capturedGraphs: 1, capturedLaunches: 3, replayedKernels: 18, attributedKernels: 18, attributedShare: 1, unmatched: 0, ambiguous: 0 });
  });

  it('graph-level tracing: one GRAPH_TRACE row per replay, tied to its launch and grouped by graphExecId', async () => {
    const r = await report('graph');
    expect(r).toMatchObject({ graphLaunches: 6, replays: 6, graphKernels: 0 });
    expect(r.replayMs).toBeGreaterThan(0);
    expect(r.graphs).toEqual([expect.objectContaining({ graphExecId: 1, replays: 6, kernelsPerReplay: 0, replaySite: site('runner.py', 456, 'execute_model') })]);
  });

  it('compiled regions: the Triton kernels inside Inductor\'s CompiledFxGraph range belong to it', async () => {
    const r = await report('node');
    const region = r.compiled.regions.find((x) => x.name === 'CompiledFxGraph fz3kq7xa');
    expect(region).toMatchObject({ calls: 3, kernels: 3, tritonKernels: 3, graphKernels: 0 });
    expect(region!.fusedOps.map((o) => o.op)).toContain('native_layer_norm');
    // the Triton node of the graph was launched outside the region
    expect(r.compiled.tritonKernels).toBe(3 + 6);
  });

  it('writes the graph tables and columns of a real nsys 2025.5 export', async () => {
    const SQL = await initSqlJs();
    const nodeGraph: StepEvent = { type: 'graph', kernels: nodes, count: 2, trace: 'node', at: 'runner.py:460 execute_model' };
    const db = new SQL.Database(buildNsysDatabase({ ...scenario('graph'), step: [...scenario('graph').step, nodeGraph] }));
    const all = (sql: string) => db.exec(sql)[0]?.values ?? [];
    expect(all('SELECT eventClass, graphId, graphExecId FROM CUDA_GRAPH_EVENTS ORDER BY start')).toEqual([[95, 1, null], [94, 1, 1], [95, 2, null], [94, 2, 2]]);
    expect(all('SELECT graphId, graphExecId, count(*) FROM CUPTI_ACTIVITY_KIND_GRAPH_TRACE GROUP BY 1, 2')).toEqual([[1, 1, 6]]);
    // node-level kernels carry their graph and node; others neither
    expect(all('SELECT graphId, count(DISTINCT graphNodeId), count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL GROUP BY 1 ORDER BY 1')).toEqual([[null, 0, 6], [2, 3, 18]]);
    // every graph replay's correlation id is its cudaGraphLaunch call's
    expect(all(`SELECT count(*) FROM CUPTI_ACTIVITY_KIND_GRAPH_TRACE g JOIN CUPTI_ACTIVITY_KIND_RUNTIME r ON r.correlationId = g.correlationId
      JOIN StringIds s ON s.id = r.nameId WHERE s.value = 'cudaGraphLaunch_v10000'`)).toEqual([[6]]);
    db.close();
  });

  it('a scenario without graphs has no capture trace', () => {
    expect(captureTrace({ iterations: { count: 1 }, step: [{ type: 'kernel', name: 'k', durationUs: 1 }] })).toBeNull();
  });
});
