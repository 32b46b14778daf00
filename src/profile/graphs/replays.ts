// CUDA/HIP graph replays in the profile model. A graph launch (`cudaGraphLaunch`, `hipGraphLaunch`,
// `cuGraphLaunch`) runs every node of the graph with the launch's correlation id, in nsys and in Kineto, so a
// replay is "the launch call plus the kernels that carry its correlation id". Three more forms are read:
//  - kernels that share one correlation id with no runtime call of that id in the trace: a replay whose launch
//    fell outside the trace window (inferred; it takes its site from other replays of the same graph);
//  - nsys 2025.5+ graph-level tracing (CUPTI_ACTIVITY_KIND_GRAPH_TRACE): one row per replay with graphId and
//    graphExecId and no kernel rows;
//  - nsys KERNEL.graphNodeId: the node each kernel ran as.
// Replays of one graph are grouped by graphExecId when the profile has it, else by their node sequence
// (kernel names in GPU order): the same executable graph replays the same nodes.
import type { ProfileModel } from '../../core/profile.js';
import { apiName, nameOf } from '../queries/util.js';
import type { Site } from './sites.js';
import { siteOf } from './sites.js';

export const GRAPH_LAUNCH = /^(cuda|hip|cu)GraphLaunch$/;

export interface GraphReplay {
  index: number;
  /** index into GraphReplays.graphs */
  graph: number;
  correlationId: number;
  /** runtime row of the graph launch call, -1 when the trace has no launch call for it */
  launchRow: number;
  /** kernel rows of this replay in GPU start order (empty for graph-level rows) */
  kernels: number[];
  /** memset/memcpy nodes of this replay */
  memOps: number;
  startNs: number;
  endNs: number;
  /** sum of the kernels' durations (graph-level rows: the replay's span) */
  kernelNs: number;
  graphExecId: number;
  /** the GPU and stream it ran on (its first kernel's, or the graph-level row's), -1 when unknown */
  deviceId: number;
  streamId: number;
  /** how the replay was found */
  source: 'launch' | 'inferred' | 'graph-trace';
  /** the launch call's Python site; for inferred replays, that of another replay of the same graph */
  site: Site | null;
  siteFrom: 'launch' | 'same-graph' | 'none';
}

export interface GraphGroup {
  index: number;
  /** `exec:<graphExecId>` or `seq:<first node>…` (node sequence) */
  key: string;
  graphExecId: number;
  replays: number[];
  /** kernels per replay (of the first replay) */
  nodes: number;
  totalNs: number;
  site: Site | null;
}

export interface GraphReplays {
  replays: GraphReplay[];
  graphs: GraphGroup[];
  /** kernel row → replay index, -1 when the kernel is not part of a graph replay */
  replayOfKernel: Int32Array;
  /** kernel row → its position (node order) within its replay, -1 outside graphs */
  nodeOfKernel: Int32Array;
  /** kernels launched by graph replays, and their total time */
  graphKernels: number;
  graphKernelNs: number;
}

const cache = new WeakMap<ProfileModel, GraphReplays>();

/** The graph replays of a profile (cached per model). */
export function graphReplays(model: ProfileModel): GraphReplays {
  let r = cache.get(model);
  if (!r) cache.set(model, (r = findReplays(model)));
  return r;
}

function findReplays(model: ProfileModel): GraphReplays {
  const rt = model.runtime;
  const k = model.kernels;
  const launchByCorr = new Map<number, number>();
  const runtimeCorr = new Set<number>();
  for (let i = 0; i < rt.length; i++) {
    const c = rt.correlationId[i]!;
    if (c < 0) continue;
    runtimeCorr.add(c);
    if (GRAPH_LAUNCH.test(apiName(model, rt.nameId[i]!))) launchByCorr.set(c, i);
  }
  // GPU rows per correlation id among those no non-graph runtime call explains.
  const kernelsByCorr = new Map<number, number[]>();
  for (let i = 0; i < k.length; i++) {
    const c = k.correlationId[i]!;
    if (c < 0) continue;
    const node = k.graphNodeId ? k.graphNodeId[i]! : -1;
    if (!launchByCorr.has(c) && runtimeCorr.has(c) && node < 0) continue;
    let l = kernelsByCorr.get(c);
    if (!l) kernelsByCorr.set(c, (l = []));
    l.push(i);
  }
  const memByCorr = new Map<number, number>();
  for (const t of [model.memset, model.memcpy]) {
    for (let i = 0; i < t.length; i++) {
      const c = t.correlationId[i]!;
      if (c >= 0 && !(runtimeCorr.has(c) && !launchByCorr.has(c))) memByCorr.set(c, (memByCorr.get(c) ?? 0) + 1);
    }
  }
  const execByCorr = new Map<number, number>();
  const gt = model.graphTrace;
  if (gt) for (let i = 0; i < gt.length; i++) if (gt.correlationId[i]! >= 0) execByCorr.set(gt.correlationId[i]!, i);

  const replays: GraphReplay[] = [];
  const make = (c: number, kernels: number[], source: GraphReplay['source'], launchRow: number): GraphReplay => {
    kernels.sort((a, b) => k.start[a]! - k.start[b]! || a - b);
    let startNs = Infinity;
    let endNs = -Infinity;
    let kernelNs = 0;
    for (const r of kernels) {
      startNs = Math.min(startNs, k.start[r]!);
      endNs = Math.max(endNs, k.end[r]!);
      kernelNs += k.end[r]! - k.start[r]!;
    }
    const g = execByCorr.get(c);
    if (g !== undefined && gt) {
      startNs = Math.min(startNs, gt.start[g]!);
      endNs = Math.max(endNs, gt.end[g]!);
      if (kernels.length === 0) kernelNs = gt.end[g]! - gt.start[g]!;
    }
    const site = launchRow >= 0 ? siteOf(model.callchains.get(rt.callchainId[launchRow]!)) : null;
    const first = kernels[0];
    const [deviceId, streamId] = first !== undefined ? [k.deviceId[first]!, k.streamId[first]!]
      : g !== undefined && gt ? [gt.deviceId[g]!, gt.streamId[g]!] : [-1, -1];
    return {
      index: -1, graph: -1, correlationId: c, launchRow, kernels, memOps: memByCorr.get(c) ?? 0,
      startNs: Number.isFinite(startNs) ? startNs : launchRow >= 0 ? rt.end[launchRow]! : 0,
      endNs: Number.isFinite(endNs) ? endNs : launchRow >= 0 ? rt.end[launchRow]! : 0,
      kernelNs, graphExecId: g !== undefined && gt ? gt.graphExecId[g]! : -1, deviceId, streamId, source, site, siteFrom: site ? 'launch' : 'none',
    };
  };
  for (const [c, row] of launchByCorr) {
    const kernels = kernelsByCorr.get(c) ?? [];
    kernelsByCorr.delete(c);
    const source = kernels.length === 0 && execByCorr.has(c) ? 'graph-trace' : 'launch';
    replays.push(make(c, kernels, source, row));
  }
  // Node sequences of the replays whose launch is in the trace: a lone kernel without a launch call that runs the
  // same sequence is one more replay of that graph.
  const sequence = (rows: number[]) => [...rows].sort((a, b) => k.start[a]! - k.start[b]! || a - b).map((row) => nameOf(model, k.fullNameId[row]!)).join('\n');
  const launched = new Set(replays.map((r) => sequence(r.kernels)));
  for (const [c, kernels] of kernelsByCorr) {
    // A correlation id no runtime call in the trace has, shared by several GPU rows (or marked as graph nodes).
    const nodes = kernels.length + (memByCorr.get(c) ?? 0);
    const marked = k.graphNodeId !== undefined && kernels.some((r) => k.graphNodeId![r]! >= 0);
    if (c === 0 && !marked) continue; // traces that write 0 for every correlation id
    if (nodes >= 2 || marked || execByCorr.has(c) || launched.has(sequence(kernels))) replays.push(make(c, kernels, 'inferred', -1));
  }
  if (gt) {
    // graph-level rows whose launch call is not in the trace
    const seen = new Set(replays.map((r) => r.correlationId));
    for (let i = 0; i < gt.length; i++) {
      const c = gt.correlationId[i]!;
      if (c >= 0 && seen.has(c)) continue;
      replays.push(make(c, [], 'graph-trace', -1));
    }
  }
  replays.sort((a, b) => a.startNs - b.startNs || a.correlationId - b.correlationId);

  const graphs: GraphGroup[] = [];
  const byKey = new Map<string, GraphGroup>();
  const replayOfKernel = new Int32Array(k.length).fill(-1);
  const nodeOfKernel = new Int32Array(k.length).fill(-1);
  let graphKernels = 0;
  let graphKernelNs = 0;
  replays.forEach((r, i) => {
    r.index = i;
    const key = r.graphExecId >= 0 ? `exec:${r.graphExecId}` : `seq:${r.kernels.map((row) => nameOf(model, k.fullNameId[row]!)).join('\n')}`;
    let g = byKey.get(key);
    if (!g) {
      g = { index: graphs.length, key, graphExecId: r.graphExecId, replays: [], nodes: r.kernels.length, totalNs: 0, site: null };
      byKey.set(key, g);
      graphs.push(g);
    }
    r.graph = g.index;
    g.replays.push(i);
    g.totalNs += r.kernelNs;
    g.site ??= r.site;
    r.kernels.forEach((row, n) => {
      replayOfKernel[row] = i;
      nodeOfKernel[row] = n;
      graphKernels++;
      graphKernelNs += k.end[row]! - k.start[row]!;
    });
  });
  for (const r of replays) {
    const g = graphs[r.graph]!;
    if (!r.site && g.site) {
      r.site = g.site;
      r.siteFrom = 'same-graph';
    }
  }
  return { replays, graphs, replayOfKernel, nodeOfKernel, graphKernels, graphKernelNs };
}
