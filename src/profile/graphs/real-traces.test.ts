// Graphs and compiled regions on the real traces in ../shared/traces (skipped when absent; the rules are pinned
// on hand-made pairs in capture.test.ts and replays.test.ts). Expected counts come from the raw JSON with
// python3's json/gzip: kernels with the correlation id of a *GraphLaunch call, correlation ids shared by GPU rows
// with no runtime call, names starting "triton", launches between hipStreamBeginCapture and hipStreamEndCapture.
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { openProfile } from '../open.js';
import { graphsReport } from './report.js';

const ROOT = resolve(__dirname, '../../..');
const TRACES = [resolve(ROOT, '../shared/traces'), resolve(ROOT, '../../shared/traces')].find((d) => existsSync(d)) ?? resolve(ROOT, '../shared/traces');
const has = (...files: string[]) => files.every((f) => existsSync(resolve(TRACES, f)));
const FLAMEOX = resolve(TRACES, '../profiles/morluto+flameox__nsight-2025.5.2.sqlite');

const VLLM_CAPTURE = 'graphs/vllm_decode_full_capture_rank_0.pt.trace.json.gz';
const VLLM_REPLAY = 'tracelens/graph_execution.json.gz';
const A100 = 'hta/nccl_sendrecv_a100_rank0.json.gz';
const FLUX = ['graphs/xdit_flux_profile_rank_0.json.gz', 'graphs/xdit_flux_capture_rank_0.json.gz'] as const;

describe('graphs on real traces', () => {
  it.skipIf(!has(VLLM_CAPTURE, VLLM_REPLAY))('vLLM decode: every replayed kernel of the one hipGraphLaunch gets its capture-time line', async () => {
    const [replay, capture] = await Promise.all([openProfile(resolve(TRACES, VLLM_REPLAY)), openProfile(resolve(TRACES, VLLM_CAPTURE))]);
    const r = graphsReport(replay, { capture });
    expect(r.replays).toBe(1);
    expect(r.graphKernels).toBe(421);
    expect(r.capture).toMatchObject({ capturedGraphs: 1, capturedLaunches: 421, replayedKernels: 421, unmatched: 0 });
    expect(r.capture.attributedShare).toBeGreaterThanOrEqual(0.9);
    expect(r.graphs[0]!.replaySite).toEqual({ file: 'vllm/compilation/cuda_graph.py', function: '__call__', line: 208 });
    // the MoE matmul is captured in vLLM's MoE layer (triton_kernels' frames are library frames)
    const moe = r.graphs[0]!.nodes.find((n) => n.name.startsWith('_matmul_ogs'))!;
    expect(moe.captureSite?.file).toBe('vllm/model_executor/layers/fused_moe/gpt_oss_triton_kernels_moe.py');
  }, 60_000);

  it.skipIf(!has(A100))('A100: every graph-launched kernel is tied to its replay and every Triton kernel to its compiled region', async () => {
    const m = await openProfile(resolve(TRACES, A100));
    const r = graphsReport(m);
    // 70 cudaGraphLaunch calls own 135 kernels; 6 replays have no launch call in the trace: 4 correlation ids shared
    // by GPU rows (13 kernels) and 2 lone kernels running exactly a launched one-node graph
    expect(r.graphLaunches).toBe(70);
    expect(r.replays).toBe(76);
    expect(r.graphKernels).toBe(150);
    const launched = r.graphs.reduce((n, g) => n + (g.replays - g.inferredReplays) * g.kernelsPerReplay, 0);
    expect(launched).toBe(135);
    expect(r.compiled.tritonKernels).toBe(81);
    expect(r.compiled.tritonInRegion).toBe(81);
    expect(r.compiled.regions.map((x) => x.name).sort()).toEqual(['CompiledFunction', 'CompiledFunctionBackward']);
  }, 60_000);

  it.skipIf(!has(...FLUX))('Flux under cudagraph trees: 4 replays of 1566 nodes, every node on the model line that called the compiled module', async () => {
    const [replay, capture] = await Promise.all(FLUX.map((f) => openProfile(resolve(TRACES, f))));
    const r = graphsReport(replay!, { capture: capture! });
    expect(r.replays).toBe(4);
    expect(r.graphKernels).toBe(6264);
    expect(r.capture.unmatched).toBe(0);
    expect(r.capture.attributedShare).toBeGreaterThanOrEqual(0.9);
    expect(r.compiled.tritonKernels).toBe(3796);
    expect(r.compiled.tritonInRegion).toBe(3796);
    expect(r.compiled.regions[0]!.name).toBe('Torch-Compiled Region: 0/0');
  }, 120_000);

  // sqlite3 on the export: 2 CUPTI_ACTIVITY_KIND_GRAPH_TRACE rows (1728 ns and 1376 ns, graphId 1, graphExecId 2,
  // correlation ids 141 and 142 = the two cudaGraphLaunch_v10000 calls); KERNEL.graphNodeId is null
  it.skipIf(!existsSync(FLAMEOX))('nsys 2025.5 graph-level tracing: the two replays with their launch calls and graphExecId', async () => {
    const m = await openProfile(FLAMEOX);
    expect(m.graphTrace?.length).toBe(2);
    const r = graphsReport(m);
    expect(r).toMatchObject({ replays: 2, graphLaunches: 2, graphKernels: 0 });
    expect(r.graphs).toHaveLength(1);
    expect(r.graphs[0]).toMatchObject({ graphExecId: 2, replays: 2, totalMs: 0.0031 });
  });
});
