// The `graphs` report: per CUDA graph its replays, kernels, time and replay site; per node its time and capture
// site; how much replayed time reached a capture-time line (and what did not); compiled regions.
import type { ProfileModel } from '../../core/profile.js';
import { nameOf, round } from '../queries/util.js';
import type { GraphAttribution } from './attribute.js';
import { attributeGraphs } from './attribute.js';
import type { NodeMatch } from './capture.js';
import type { CompiledRegions } from './compiled.js';
import { compiledRegions } from './compiled.js';
import type { Site } from './sites.js';

export interface GraphNodeReport {
  /** position within the replay (GPU order) */
  node: number;
  name: string;
  /** kernel time of this node over all replays */
  ms: number;
  runs: number;
  captureSite: Site | null;
  match: NodeMatch | 'no-capture';
}

export interface GraphReport {
  graph: number;
  graphExecId?: number;
  replays: number;
  /** replays whose launch call is not in the trace (kernels sharing one correlation id) */
  inferredReplays: number;
  kernelsPerReplay: number;
  memOpsPerReplay: number;
  totalMs: number;
  meanReplayMs: number;
  replaySite: Site | null;
  /** index of the captured graph its nodes were matched to, -1 none */
  capture: number;
  nodes: GraphNodeReport[];
}

export interface CaptureSummary {
  source: 'trace' | 'self' | 'none';
  capturedGraphs: number;
  capturedLaunches: number;
  replayedKernels: number;
  replayedMs: number;
  /** replayed kernels (and their time) whose capture launch has a Python line */
  attributedKernels: number;
  attributedMs: number;
  /** attributedMs / replayedMs */
  attributedShare: number;
  exact: number;
  dimsDiffer: number;
  ambiguous: number;
  unmatched: number;
  /** unmatched kernels by name */
  unmatchedKernels: { name: string; kernels: number; ms: number }[];
  ambiguousKernels: { name: string; kernels: number; ms: number }[];
  /** replayed GPU time per capture-time line, heaviest first */
  lines: { site: Site; kernels: number; ms: number }[];
}

export interface GraphsReport {
  graphLaunches: number;
  replays: number;
  graphKernels: number;
  graphKernelMs: number;
  /** GPU time of all replays: their kernels, or the replay's span for graph-level (nsys graph trace) rows */
  replayMs: number;
  /** kernels in the profile and the share of their time that ran inside graphs */
  kernels: number;
  graphShare: number;
  graphs: GraphReport[];
  capture: CaptureSummary;
  compiled: Omit<CompiledRegions, 'regionOfKernel'>;
  notes: string[];
}

export interface GraphsOptions {
  capture?: ProfileModel;
  /** nodes listed per graph (heaviest first); 0 = all */
  nodeLimit?: number;
}

export function graphsReport(model: ProfileModel, opts: GraphsOptions = {}): GraphsReport {
  const a = attributeGraphs(model, opts.capture);
  const { replays } = a;
  const k = model.kernels;
  const graphs = replays.graphs.map((g) => graphReport(model, a, g.index, opts.nodeLimit ?? 0));
  graphs.sort((x, y) => y.totalMs - x.totalMs);
  let allNs = 0;
  for (let i = 0; i < k.length; i++) allNs += k.end[i]! - k.start[i]!;
  const { regionOfKernel: _omit, ...compiled } = compiledRegions(model, replays);
  const notes: string[] = [];
  if (replays.replays.length === 0) notes.push('no CUDA/HIP graph replays in this profile');
  const inferred = replays.replays.filter((r) => r.source === 'inferred').length;
  if (inferred > 0) notes.push(`${inferred} replay(s) found by their shared correlation id: the graph launch call is not in the trace`);
  if (replays.replays.length > 0 && a.captureSource === 'none') {
    notes.push('no capture trace: nodes carry the replay site only (give the trace recorded during capture with --capture)');
  }
  if (a.captures.some((c) => c.unbracketed)) notes.push('the capture trace has no begin/end-capture calls: launches that ran no kernel were taken as captured');
  return {
    graphLaunches: replays.replays.filter((r) => r.launchRow >= 0).length,
    replays: replays.replays.length,
    graphKernels: replays.graphKernels,
    graphKernelMs: round(replays.graphKernelNs / 1e6),
    replayMs: round(replays.replays.reduce((n, r) => n + r.kernelNs, 0) / 1e6, 4),
    kernels: k.length,
    graphShare: allNs > 0 ? round(replays.graphKernelNs / allNs, 4) : 0,
    graphs,
    capture: captureSummary(model, a),
    compiled,
    notes,
  };
}

function graphReport(model: ProfileModel, a: GraphAttribution, g: number, nodeLimit: number): GraphReport {
  const grp = a.replays.graphs[g]!;
  const k = model.kernels;
  const reps = grp.replays.map((i) => a.replays.replays[i]!);
  const first = reps.find((r) => r.kernels.length > 0) ?? reps[0]!;
  const match = a.matches[first.index] ?? null;
  const perNode = new Map<number, { ms: number; runs: number; name: string }>();
  for (const r of reps) {
    r.kernels.forEach((row, n) => {
      const e = perNode.get(n) ?? { ms: 0, runs: 0, name: nameOf(model, k.fullNameId[row]!) };
      e.ms += (k.end[row]! - k.start[row]!) / 1e6;
      e.runs++;
      perNode.set(n, e);
    });
  }
  let nodes: GraphNodeReport[] = [...perNode].map(([node, e]) => {
    const m = match?.nodes[node];
    return { node, name: e.name, ms: round(e.ms, 4), runs: e.runs, captureSite: m?.site ?? null, match: m ? m.status : 'no-capture' };
  });
  nodes.sort((x, y) => y.ms - x.ms || x.node - y.node);
  if (nodeLimit > 0) nodes = nodes.slice(0, nodeLimit);
  const totalMs = grp.totalNs / 1e6;
  return {
    graph: g, ...(grp.graphExecId >= 0 ? { graphExecId: grp.graphExecId } : {}),
    replays: reps.length, inferredReplays: reps.filter((r) => r.source === 'inferred').length,
    kernelsPerReplay: first.kernels.length, memOpsPerReplay: first.memOps,
    totalMs: round(totalMs, 4), meanReplayMs: round(totalMs / Math.max(1, reps.length), 4),
    replaySite: grp.site, capture: match?.capture ?? -1, nodes,
  };
}

function captureSummary(model: ProfileModel, a: GraphAttribution): CaptureSummary {
  const k = model.kernels;
  const s: CaptureSummary = {
    source: a.captureSource, capturedGraphs: a.captures.length,
    capturedLaunches: a.captures.reduce((n, c) => n + c.launches.length, 0),
    replayedKernels: 0, replayedMs: 0, attributedKernels: 0, attributedMs: 0, attributedShare: 0,
    exact: 0, dimsDiffer: 0, ambiguous: 0, unmatched: 0, unmatchedKernels: [], ambiguousKernels: [], lines: [],
  };
  const lines = new Map<string, { site: Site; kernels: number; ms: number }>();
  if (a.captureSource === 'none') return s;
  const unmatched = new Map<string, { kernels: number; ms: number }>();
  const ambiguous = new Map<string, { kernels: number; ms: number }>();
  const bump = (m: Map<string, { kernels: number; ms: number }>, name: string, ms: number) => {
    const e = m.get(name) ?? { kernels: 0, ms: 0 };
    e.kernels++;
    e.ms += ms;
    m.set(name, e);
  };
  let replayedNs = 0;
  let attributedNs = 0;
  for (const r of a.replays.replays) {
    for (const row of r.kernels) {
      const ns = k.end[row]! - k.start[row]!;
      s.replayedKernels++;
      replayedNs += ns;
      const node = a.nodeOf(row);
      const name = nameOf(model, k.fullNameId[row]!);
      const status = node?.status ?? 'unmatched';
      if (status === 'unmatched') {
        s.unmatched++;
        bump(unmatched, name, ns / 1e6);
        continue;
      }
      if (status === 'exact') s.exact++;
      else if (status === 'dims-differ') s.dimsDiffer++;
      else {
        s.ambiguous++;
        bump(ambiguous, name, ns / 1e6);
      }
      if (node?.site) {
        s.attributedKernels++;
        attributedNs += ns;
        const key = `${node.site.file}:${node.site.line}:${node.site.function}`;
        const l = lines.get(key) ?? { site: node.site, kernels: 0, ms: 0 };
        l.kernels++;
        l.ms += ns / 1e6;
        lines.set(key, l);
      }
    }
  }
  const list = (m: Map<string, { kernels: number; ms: number }>) =>
    [...m].map(([name, e]) => ({ name, kernels: e.kernels, ms: round(e.ms, 4) })).sort((x, y) => y.ms - x.ms);
  s.replayedMs = round(replayedNs / 1e6, 4);
  s.attributedMs = round(attributedNs / 1e6, 4);
  s.attributedShare = replayedNs > 0 ? round(attributedNs / replayedNs, 4) : 0;
  s.unmatchedKernels = list(unmatched);
  s.ambiguousKernels = list(ambiguous);
  s.lines = [...lines.values()].map((l) => ({ ...l, ms: round(l.ms, 4) })).sort((x, y) => y.ms - x.ms);
  return s;
}
