// CUDA graphs and torch.compile regions in generated profiles. A graph event is captured once per process before
// its first replay (the capture's launch calls carry each node's own Python line and run nothing), then replayed
// with one cudaGraphLaunch per replay: node-level tracing writes each node as a kernel row with the launch's
// correlation id, graphId and graphNodeId; graph-level tracing (nsys 2025.5+ default) one
// CUPTI_ACTIVITY_KIND_GRAPH_TRACE row per replay. `captureTrace` writes what a PyTorch profiler recording the
// capture would hold (a Kineto trace), the second file of `sysight tool graphs <profile> --capture <trace>`.
import type { NsysDb } from './nsys-db.js';
import type { GraphEvent, KernelEvent, Scenario, StepEvent } from './scenario.js';
import { kernelDims, parseFrame } from './scenario.js';

/** What a replay needs of the simulator's process (./simulate.ts Proc). */
export interface GraphProc {
  cpu: number;
  corr: number;
  gtid: number;
  gpid: number;
  device: number;
  computeStream: number;
  gpuScale: number;
  db: NsysDb;
}

/** What a replay needs of the simulator (./simulate.ts Simulator). */
export interface GraphSim<P extends GraphProc> {
  readonly latencyNs: number;
  dur(p: P, us: number, scale?: boolean | number): number;
  enqueue(p: P, streamId: number, earliest: number, durNs: number): { start: number; end: number };
  api(p: P, name: string, start: number, end: number, corr: number | null, at?: GraphEvent['at']): void;
  kernelRow(p: P, k: { name: string; start: number; end: number; stream: number; corr: number }, e?: KernelEvent, graph?: { graphId: number; nodeId: number }): void;
}

/** Inductor's NVTX range around a compiled graph's call (read back by src/profile/graphs/compiled.ts). */
export function compiledRangeText(graph: string): string {
  return `## Call CompiledFxGraph ${graph} ##`;
}

interface Ids {
  graphId: number;
  graphExecId: number;
  /** graphNodeId per node */
  nodes: number[];
}

const graphsOf = new WeakMap<GraphProc, { byEvent: Map<GraphEvent, Ids>; nextGraph: number; nextExec: number; nextNode: number }>();

/** Captures the graph on its first use in this process: returns its ids. */
function captured<P extends GraphProc>(sim: GraphSim<P>, p: P, e: GraphEvent): Ids {
  let g = graphsOf.get(p);
  if (!g) graphsOf.set(p, (g = { byEvent: new Map(), nextGraph: 1, nextExec: 1, nextNode: 1 }));
  const known = g.byEvent.get(e);
  if (known) return known;
  const ids: Ids = { graphId: g.nextGraph++, graphExecId: g.nextExec++, nodes: e.kernels.map(() => g.nextNode++) };
  g.byEvent.set(e, ids);
  const call = (name: string, us: number, at?: GraphEvent['at']) => {
    p.cpu += sim.dur(p, 2, true);
    const start = p.cpu;
    p.cpu += sim.dur(p, us, true);
    sim.api(p, name, start, p.cpu, ++p.corr, at);
    return start;
  };
  const graphEvent = (eventClass: number, name: string, graphExecId: number | null) => p.db.insert('CUDA_GRAPH_EVENTS', {
    start: p.cpu, end: p.cpu, eventClass, globalTid: p.gtid, nameId: p.db.str(name), graphId: ids.graphId, originalGraphId: null, graphExecId,
  });
  call('cudaStreamBeginCapture_v10000', 3, e.at);
  for (const k of e.kernels) call('cudaLaunchKernel_v7000', k.launchUs ?? 4, k.at);
  call('cudaStreamEndCapture_v10000', 20, e.at);
  graphEvent(95, 'Graph Creation', null);
  call('cudaGraphInstantiate_v12000', 300, e.at);
  graphEvent(94, 'GraphExec Creation', ids.graphExecId);
  return ids;
}

/** `count` replays of the graph from `e.at`. */
export function replayGraph<P extends GraphProc>(sim: GraphSim<P>, p: P, e: GraphEvent): void {
  const ids = captured(sim, p, e);
  const stream = e.stream ?? p.computeStream;
  for (let i = 0; i < (e.count ?? 1); i++) {
    p.cpu += sim.dur(p, e.gapUs ?? 2, true);
    const apiStart = p.cpu;
    const apiEnd = apiStart + sim.dur(p, e.launchUs ?? 10, true);
    const corr = ++p.corr;
    sim.api(p, 'cudaGraphLaunch_v10000', apiStart, apiEnd, corr, e.at);
    let earliest = apiStart + sim.latencyNs;
    let first = Infinity;
    e.kernels.forEach((k, n) => {
      const q = sim.enqueue(p, stream, earliest, sim.dur(p, k.durationUs, p.gpuScale));
      first = Math.min(first, q.start);
      earliest = q.end;
      if (e.trace !== 'graph') sim.kernelRow(p, { name: k.name, start: q.start, end: q.end, stream, corr }, k, { graphId: ids.graphId, nodeId: ids.nodes[n]! });
    });
    if (e.trace === 'graph') {
      p.db.insert('CUPTI_ACTIVITY_KIND_GRAPH_TRACE', {
        start: first, end: earliest, deviceId: p.device, contextId: 1, greenContextId: 0, streamId: stream, correlationId: corr,
        globalPid: p.gpid, graphId: ids.graphId, graphExecId: ids.graphExecId,
      });
    }
    p.cpu = apiEnd;
  }
}

type Json = Record<string, unknown>;

function graphEvents(events: StepEvent[], out: GraphEvent[] = []): GraphEvent[] {
  for (const e of events) {
    if (e.type === 'graph') out.push(e);
    else if (e.type === 'nvtx' || e.type === 'compiled') graphEvents(e.events, out);
  }
  return out;
}

/**
 * The PyTorch-profiler (Kineto) trace of the capture of every graph of `scenario`, as its first process made it:
 * per graph a begin/end-capture pair around one cudaLaunchKernel per node (args.kernel, grid, block) under the
 * node's Python frames. Null when the scenario has no graph.
 */
export function captureTrace(sc: Scenario): Json | null {
  const graphs = graphEvents(sc.step);
  if (graphs.length === 0) return null;
  const pid = sc.processes?.[0]?.pid ?? 4242 + 100 * (sc.processes?.[0]?.rank ?? 0);
  const outer = (sc.pythonStack ?? ['train.py:112 main', 'train.py:130 <module>']).map(parseFrame);
  const events: Json[] = [];
  let ts = 1000;
  let corr = 1;
  const runtime = (name: string, args: Json = {}) => {
    events.push({ ph: 'X', cat: 'cuda_runtime', name, pid, tid: pid, ts, dur: 2, args: { correlation: corr++, ...args } });
    ts += 5;
  };
  const begin = ts;
  for (const g of graphs) {
    runtime('cudaStreamBeginCapture');
    for (const k of g.kernels) {
      const frames = [...(k.at ? [parseFrame(k.at)] : []), ...outer].reverse(); // outermost first
      const start = ts;
      ts += 2 * frames.length;
      const { grid, block } = kernelDims(k);
      runtime('cudaLaunchKernel', { kernel: k.name, grid, block });
      ts += 2 * frames.length;
      frames.forEach((f, depth) => events.push({
        ph: 'X', cat: 'python_function', name: `${f.file}(${f.line}): ${f.function}`, pid, tid: pid,
        ts: start + 2 * depth, dur: ts - start - 4 * depth,
      }));
      ts += 5;
    }
    runtime('cudaStreamEndCapture');
    ts += 50;
  }
  events.push({ ph: 'X', cat: 'user_annotation', name: 'cuda graph capture', pid, tid: pid, ts: begin - 1, dur: ts - begin + 2 });
  return { schemaVersion: 1, deviceProperties: [], traceEvents: events.sort((a, b) => (a.ts as number) - (b.ts as number)) };
}
