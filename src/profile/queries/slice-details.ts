// slice-details: everything about one timeline slice, chosen by its table and row (a tile slice of one event
// carries them) or by a lane and a time (the event under the pointer, else the nearest within a tolerance):
// name, times, device/stream or thread, grid/block and resources of a kernel, bytes and kind of a copy, the
// correlated CUDA runtime call with its native callchain and enclosing Python frames (callchain.ts), and for a
// runtime call the GPU work it launched; for a CPU op or Python function (Kineto) its source line and the Python
// stack around it on its thread; for a CUDA graph replay (the band above a stream) its launch, its nodes with their
// capture-time lines, and for a kernel of a replay the replay's and the capture's lines.
import { attributeGraphs } from '../graphs/attribute.js';
import type { NodeMatch } from '../graphs/capture.js';
import type { GraphReplay } from '../graphs/replays.js';
import type { Site } from '../graphs/sites.js';
import { formatSite } from '../graphs/sites.js';
import { UserError } from '../../core/errors.js';
import type { ProfileModel, StackFrame } from '../../core/profile.js';
import { parsePythonFrame } from '../python-frame.js';
import { type CallchainEntry, type PyFrame, callchainOf, enclosingFrames, formatCallchain } from './callchain.js';
import type { QueryDef } from './query-def.js';
import {
  OP_CPU, OP_GRAPH, OP_NVTX, OP_RUNTIME, TABLE_NAMES, type TableName, buildLanes, eventName, laneOfRow,
} from './timeline-lanes.js';
import {
  COPY_KIND_NAMES, MEM_KIND_NAMES, OP_KERNEL, OP_MEMCPY, OP_MEMSET, correlationIndex, intArg, lookupCorrelation, lowerBound, nameOf,
  numArg, round, strArg,
} from './util.js';

export interface LaunchedOp {
  table: TableName;
  row: number;
  lane: string;
  name: string;
  startNs: number;
  endNs: number;
}

export interface SliceDetails {
  table: TableName;
  row: number;
  lane: string;
  name: string;
  /** kernels: the full demangled name when it differs from name; NVTX: the text with its arguments */
  fullName?: string;
  startNs: number;
  endNs: number;
  durationNs: number;
  deviceId?: number;
  streamId?: number;
  pid?: number;
  tid?: number;
  grid?: [number, number, number];
  block?: [number, number, number];
  registersPerThread?: number;
  sharedMemoryBytes?: number;
  bytes?: number;
  copyKind?: string;
  srcKind?: string;
  dstKind?: string;
  correlationId?: number;
  /** NVTX and CPU ops / Python functions: nesting level on the thread; NVTX: domain */
  depth?: number;
  domain?: string;
  /** the CUDA runtime call (GPU work: the one that launched it; a runtime slice: itself) with its stacks */
  runtime?: CallchainEntry;
  /** a runtime slice: the GPU work it launched */
  launched?: LaunchedOp;
  /** a CPU op or Python function: which of the two */
  cpuKind?: 'python' | 'cpu_op';
  /** a Python function: its file and line */
  source?: { file: string; line: number };
  /** a CPU op or Python function: the Python frames and ops around it on its thread (itself first), innermost first */
  stack?: PyFrame[];
  /** a CPU op with its own recorded stack (Kineto 2021 "Call stack") and no Python functions around it, innermost first */
  frames?: StackFrame[];
  /** a kernel run by a CUDA graph replay: which replay and node, the replay's Python line and, when the profile holds the capture, the node's capture-time line */
  graph?: SliceGraphNode;
  /** a graph replay (table 'graph'): its graph, how it was found, its launch's line and its nodes */
  replay?: SliceGraphReplay;
}

export interface SliceGraphReplay {
  graph: number;
  replay: number;
  /** replays of the same graph in the profile */
  replaysOfGraph: number;
  kernels: number;
  memOps: number;
  graphExecId?: number;
  /** launch: its launch call is in the trace; inferred: kernels sharing a correlation id; graph-trace: an nsys graph-level row */
  source: GraphReplay['source'];
  replaySite: Site | null;
  /** where the replay site comes from: this replay's launch, or another replay of the same graph */
  siteFrom: GraphReplay['siteFrom'];
  /** where capture-time lines come from: a capture trace, the profile's own capture, or none */
  captureSource: 'trace' | 'self' | 'none';
  /** the first nodes in GPU order (at most NODES_LISTED), each a kernel row to open */
  nodes: (LaunchedOp & { node: number; durationNs: number; captureSite?: Site | null; match?: NodeMatch })[];
}

/** Nodes a replay's details list. */
export const NODES_LISTED = 200;

export interface SliceGraphNode {
  replay: number;
  /** the replay's slice in the graph band, to open it */
  replaySlice: LaunchedOp;
  graph: number;
  node: number;
  nodes: number;
  replaySite: Site | null;
  captureSite?: Site | null;
  match?: NodeMatch;
}

export interface SliceSelector {
  table?: number;
  row?: number;
  lane?: string;
  timeNs?: number;
  /** by time: how far from the event the time may be (ns), e.g. a few pixels' worth */
  toleranceNs?: number;
}

/** Row of the lane's event at timeNs: the covering event that started last, else the nearest within tolerance. */
function rowAt(model: ProfileModel, laneId: string, t: number, tol: number): { table: number; row: number } {
  const L = buildLanes(model).byId.get(laneId);
  if (!L) throw new UserError(`no lane ${laneId} in this profile`);
  let best = -1;
  let bestDist = Infinity;
  const hi = lowerBound(L.start, t + tol + 1e-9);
  for (let i = hi - 1; i >= 0 && L.start[i]! >= t - tol - L.maxDur; i--) {
    const s = L.start[i]!;
    const e = L.end[i]!;
    const dist = t < s ? s - t : t > e ? t - e : 0;
    // covering events: the latest start wins (the innermost when they overlap)
    if (dist < bestDist) [best, bestDist] = [i, dist];
    if (dist === 0) break;
  }
  if (best < 0 || bestDist > tol) throw new UserError(`no slice in lane ${laneId} at ${t} ns`);
  return { table: L.table[best]!, row: L.row[best]! };
}

function launchedBy(model: ProfileModel, rtRow: number): LaunchedOp | undefined {
  const rt = model.runtime;
  const c = rt.correlationId[rtRow]!;
  if (c < 0) return undefined;
  const tables = [model.kernels, model.memcpy, model.memset];
  for (let t = OP_KERNEL; t <= OP_MEMSET; t++) {
    const tb = tables[t]!;
    if (tb.length === 0) continue;
    const r = lookupCorrelation(correlationIndex(tb), c, rt.pid[rtRow]!);
    if (r < 0) continue;
    return { table: TABLE_NAMES[t]!, row: r, lane: laneOfRow(model, t, r), name: eventName(model, t, r), startNs: tb.start[r]!, endNs: tb.end[r]! };
  }
  return undefined;
}

/**
 * Frames as the details show them: a Python frame written into its symbol (nsys: `train_step (train.py:57)`)
 * gets the file and line it names, so the dashboard links it without parsing symbols itself.
 */
function withSources(frames: StackFrame[]): StackFrame[] {
  return frames.map((f) => {
    if (f.file !== undefined) return f;
    const p = parsePythonFrame(f.symbol);
    return p ? { ...f, symbol: p.function, file: p.file, line: p.line } : f;
  });
}

/** The runtime call of a row with its callchain (frames with their sources) and enclosing Python frames. */
function runtimeCall(model: ProfileModel, row: number): CallchainEntry {
  const c = callchainOf(model, row, 32);
  return { ...c, frames: withSources(c.frames) };
}

export function sliceDetails(model: ProfileModel, sel: SliceSelector): SliceDetails {
  let { table: t, row: r } = sel;
  if (t === undefined || r === undefined) {
    if (sel.lane === undefined || sel.timeNs === undefined) throw new UserError('choose a slice by table and row, or by lane and timeNs');
    ({ table: t, row: r } = rowAt(model, sel.lane, sel.timeNs, Math.max(0, sel.toleranceNs ?? 0)));
  }
  if (!Number.isInteger(t) || t < 0 || t > OP_GRAPH) throw new UserError(`table must be 0–6 (${TABLE_NAMES.join(', ')}), got ${t}`);
  if (t === OP_GRAPH) return replayDetails(model, r);
  const tb = [model.kernels, model.memcpy, model.memset, model.runtime, model.nvtx, model.cpu][t]!;
  if (!Number.isInteger(r) || r < 0 || r >= tb.length) throw new UserError(`row ${r} is out of range: the ${TABLE_NAMES[t]} table has ${tb.length} rows`);
  const s = tb.start[r]!;
  const e = tb.end[r]!;
  const d: SliceDetails = {
    table: TABLE_NAMES[t]!, row: r, lane: laneOfRow(model, t, r), name: eventName(model, t, r), startNs: s, endNs: e, durationNs: e - s,
  };
  if (t === OP_KERNEL) {
    const k = model.kernels;
    const full = nameOf(model, k.fullNameId[r]!);
    if (full && full !== d.name) d.fullName = full;
    Object.assign(d, {
      grid: [k.gridX[r]!, k.gridY[r]!, k.gridZ[r]!], block: [k.blockX[r]!, k.blockY[r]!, k.blockZ[r]!],
      registersPerThread: k.registersPerThread[r]!, sharedMemoryBytes: k.sharedMemoryBytes[r]!,
    });
    const a = attributeGraphs(model);
    const rep = a.replays.replayOfKernel[r]!;
    if (rep >= 0) {
      const replay = a.replays.replays[rep]!;
      const n = a.nodeOf(r);
      d.graph = {
        replay: rep, graph: replay.graph,
        replaySlice: { table: 'graph', row: rep, lane: laneOfRow(model, OP_GRAPH, rep), name: eventName(model, OP_GRAPH, rep), startNs: replay.startNs, endNs: replay.endNs }, node: a.replays.nodeOfKernel[r]!, nodes: replay.kernels.length, replaySite: replay.site,
        ...(n ? { captureSite: n.site, match: n.status } : {}),
      };
    }
  } else if (t === OP_MEMCPY) {
    const m = model.memcpy;
    Object.assign(d, {
      bytes: m.bytes[r]!, copyKind: COPY_KIND_NAMES[m.copyKind[r]!] ?? 'Unknown',
      srcKind: MEM_KIND_NAMES[m.srcKind[r]!] ?? 'Unknown', dstKind: MEM_KIND_NAMES[m.dstKind[r]!] ?? 'Unknown',
    });
  } else if (t === OP_MEMSET) {
    d.bytes = model.memset.bytes[r]!;
  }
  if (t <= OP_MEMSET) {
    const g = tb as ProfileModel['kernels'] | ProfileModel['memcpy'] | ProfileModel['memset'];
    Object.assign(d, { deviceId: g.deviceId[r]!, streamId: g.streamId[r]!, pid: g.pid[r]!, correlationId: g.correlationId[r]! });
    const rtRow = lookupCorrelation(correlationIndex(model.runtime), g.correlationId[r]!, g.pid[r]!);
    if (rtRow >= 0) d.runtime = runtimeCall(model, rtRow);
  } else if (t === OP_RUNTIME) {
    const rt = model.runtime;
    Object.assign(d, { pid: rt.pid[r]!, tid: rt.tid[r]!, correlationId: rt.correlationId[r]! });
    d.runtime = runtimeCall(model, r);
    const launched = launchedBy(model, r);
    if (launched) d.launched = launched;
  } else if (t === OP_CPU) {
    const c = model.cpu;
    const [pid, tid] = [c.pid[r]!, c.tid[r]!];
    Object.assign(d, { pid, tid, depth: buildLanes(model).cpuDepth[r]!, cpuKind: c.kind[r] === 1 ? 'python' : 'cpu_op' });
    const file = nameOf(model, c.fileId[r]!);
    if (file) d.source = { file, line: c.line[r]! };
    if (c.correlationId[r]! >= 0) d.correlationId = c.correlationId[r]!;
    d.stack = enclosingFrames(model, pid, tid, s, e).slice(0, 64);
    // an op's own recorded stack, where the trace has no Python functions around it to show instead
    const chain = c.callchainId?.[r] ?? -1;
    if (chain >= 0 && !d.stack.some((f) => f.kind === 'python')) d.frames = withSources((model.callchains.get(chain) ?? []).slice(0, 64));
  } else {
    const n = model.nvtx;
    Object.assign(d, { pid: n.pid[r]!, tid: n.tid[r]!, depth: buildLanes(model).nvtxDepth[r]! });
    const text = nameOf(model, n.textId[r]!);
    if (text !== d.name) d.fullName = text;
    if (n.domainId[r]! >= 0) d.domain = nameOf(model, n.domainId[r]!);
  }
  return d;
}

function replayDetails(model: ProfileModel, r: number): SliceDetails {
  const a = attributeGraphs(model);
  const rep = a.replays.replays[r];
  if (!Number.isInteger(r) || !rep) throw new UserError(`row ${r} is out of range: the profile has ${a.replays.replays.length} graph replays`);
  const k = model.kernels;
  const match = a.matches[r] ?? null;
  const d: SliceDetails = {
    table: 'graph', row: r, lane: laneOfRow(model, OP_GRAPH, r), name: eventName(model, OP_GRAPH, r),
    startNs: rep.startNs, endNs: rep.endNs, durationNs: rep.endNs - rep.startNs, deviceId: rep.deviceId, streamId: rep.streamId,
    correlationId: rep.correlationId,
    replay: {
      graph: rep.graph, replay: r, replaysOfGraph: a.replays.graphs[rep.graph]!.replays.length, kernels: rep.kernels.length, memOps: rep.memOps,
      ...(rep.graphExecId >= 0 ? { graphExecId: rep.graphExecId } : {}), source: rep.source, replaySite: rep.site, siteFrom: rep.siteFrom,
      captureSource: a.captureSource,
      nodes: rep.kernels.slice(0, NODES_LISTED).map((row, node) => {
        const m = match?.nodes[node];
        return {
          node, table: 'kernel' as const, row, lane: laneOfRow(model, OP_KERNEL, row), name: eventName(model, OP_KERNEL, row),
          startNs: k.start[row]!, endNs: k.end[row]!, durationNs: k.end[row]! - k.start[row]!, ...(m ? { captureSite: m.site, match: m.status } : {}),
        };
      }),
    },
  };
  if (rep.launchRow >= 0) {
    d.runtime = runtimeCall(model, rep.launchRow);
    Object.assign(d, { pid: model.runtime.pid[rep.launchRow]!, tid: model.runtime.tid[rep.launchRow]! });
  }
  return d;
}

export function formatSliceDetails(d: SliceDetails): string {
  const lines = [
    `${d.name}  (${d.table} row ${d.row}, lane ${d.lane})`,
    `  ${round(d.durationNs / 1e3, 3)} µs, ${d.startNs}–${d.endNs} ns`,
  ];
  if (d.fullName) lines.push(`  ${d.fullName}`);
  if (d.grid && d.block) lines.push(`  grid ${d.grid.join('×')}, block ${d.block.join('×')}, ${d.registersPerThread} regs, ${d.sharedMemoryBytes} B shared`);
  if (d.bytes !== undefined) lines.push(`  ${d.bytes} bytes${d.copyKind ? ` ${d.copyKind} (${d.srcKind} → ${d.dstKind})` : ''}`);
  if (d.launched) lines.push(`  launched ${d.launched.name} on ${d.launched.lane} at ${d.launched.startNs} ns`);
  if (d.graph) {
    lines.push(`  graph ${d.graph.graph} replay ${d.graph.replay}, node #${d.graph.node} of ${d.graph.nodes}` +
      `${d.graph.captureSite ? ` · captured at ${formatSite(d.graph.captureSite)}` : ''} · replayed from ${formatSite(d.graph.replaySite)}`);
  }
  if (d.replay) {
    const p = d.replay;
    lines.push(`  graph ${p.graph} (${p.replaysOfGraph} replays), ${p.kernels} kernels${p.memOps ? ` + ${p.memOps} memset/memcpy` : ''} · replayed from ${formatSite(p.replaySite)}`);
    for (const n of p.nodes.slice(0, 20)) {
      lines.push(`    #${n.node} ${n.name}  ${round(n.durationNs / 1e3, 3)} µs${n.captureSite ? `  captured at ${formatSite(n.captureSite)}` : ''}`);
    }
  }
  if (d.source) lines.push(`  ${d.source.file}:${d.source.line}`);
  if (d.stack && d.stack.length > 0) {
    lines.push('', '  Python stack, innermost first:', ...d.stack.map((f) => `    ${f.name}${f.file ? `  ${f.file}:${f.line}` : ''}`));
  }
  if (d.runtime) {
    lines.push('', formatCallchain({ runtimeCalls: 1, callsWithCallchain: d.runtime.frames.length ? 1 : 0, callchains: 0, hasPythonFrames: d.runtime.python.length > 0, calls: [d.runtime] }).split('\n\n').slice(1).join('\n'));
  }
  return lines.join('\n');
}

export const sliceDetailsQuery: QueryDef<SliceDetails> = {
  name: 'slice-details',
  description: 'One timeline slice (by table+row, or lane+time): name, duration, grid/block, stream/device, the correlated runtime call with its callchain and Python frames; a CPU op or Python function with its line and the Python stack around it',
  params: [
    { name: 'table', type: 'number', description: 'source table: 0 kernel, 1 memcpy, 2 memset, 3 runtime, 4 NVTX, 5 CPU op / Python function, 6 graph replay (with row)' },
    { name: 'row', type: 'number', description: 'row in that table (with table)' },
    { name: 'lane', type: 'string', description: 'lane id from timeline-tiles, e.g. gpu0/stream7 (with timeNs)' },
    { name: 'timeNs', type: 'number', description: 'a time in the lane (with lane)' },
    { name: 'toleranceNs', type: 'number', description: 'by time: nearest event at most this far away', default: 0 },
  ],
  run: (model, args) => {
    const table = args.table === undefined ? undefined : typeof args.table === 'string' && TABLE_NAMES.includes(args.table as TableName)
      ? TABLE_NAMES.indexOf(args.table as TableName) : intArg(args, 'table', 0, 0);
    return sliceDetails(model, {
      ...(table !== undefined ? { table } : {}),
      ...(args.row !== undefined ? { row: intArg(args, 'row', 0, 0) } : {}),
      ...(strArg(args, 'lane') !== undefined ? { lane: strArg(args, 'lane')! } : {}),
      ...(args.timeNs !== undefined ? { timeNs: numArg(args, 'timeNs', 0) } : {}),
      toleranceNs: numArg(args, 'toleranceNs', 0),
    });
  },
  format: (d) => formatSliceDetails(d),
};
