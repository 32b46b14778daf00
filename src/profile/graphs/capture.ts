// Capture-time lines. During CUDA-graph capture a launch call runs nothing: the trace keeps the call, with the
// kernel it names (Kineto args.kernel, grid, block) and its Python stack. A replayed kernel has neither, so
// each replayed node is matched to the launch that recorded it:
//  1. the capture whose kernel names overlap the replay's most (a tie between captures whose sites differ makes
//     every node of that replay ambiguous);
//  2. within it, a weighted longest common subsequence over the two node sequences (GPU order of the replay,
//     call order of the capture): same name and same grid/block scores 2, same name only 1. Order within the
//     graph decides between launches of one kernel;
//  3. each node is then `exact` (name, order, and grid/block when both sides have them), `dims-differ` (name
//     and order, grid/block not equal), `ambiguous` (the kernel occurs a different number of times in replay and
//     capture, and its launches were made from more than one Python line, so the order cannot say which), or
//     `unmatched`.
// Sequences too long for the table (more than MAX_CELLS pairs) are matched by occurrence: the k-th launch of a
// kernel in the capture to its k-th run in the replay.
import type { ProfileModel } from '../../core/profile.js';
import { launchDimsKey } from '../../core/tables.js';
import { apiName, nameOf } from '../queries/util.js';
import type { Site } from './sites.js';
import { siteKey, siteOf } from './sites.js';

export const BEGIN_CAPTURE = /^(cuda|hip|cu)StreamBeginCapture(ToGraph)?$/;
export const END_CAPTURE = /^(cuda|hip|cu)StreamEndCapture$/;

export interface CapturedGraph {
  index: number;
  startNs: number;
  endNs: number;
  pid: number;
  tid: number;
  /** runtime rows of the captured launches, in call order */
  launches: number[];
  names: string[];
  /** grid/block key per launch, '' when the call did not record them */
  dims: string[];
  sites: (Site | null)[];
  /** true when the trace has no begin/end-capture calls and launches that ran nothing were taken instead */
  unbracketed: boolean;
}

/** The graphs a trace captured: launches between a begin-capture and end-capture call on one thread. */
export function capturedGraphs(model: ProfileModel): CapturedGraph[] {
  const rt = model.runtime;
  const kName = rt.kernelNameId;
  if (!kName) return [];
  const ran = new Set<number>();
  for (let i = 0; i < model.kernels.length; i++) if (model.kernels.correlationId[i]! >= 0) ran.add(model.kernels.correlationId[i]!);
  const open = new Map<string, number>();
  const windows: { start: number; end: number; pid: number; tid: number }[] = [];
  for (let i = 0; i < rt.length; i++) {
    const name = apiName(model, rt.nameId[i]!);
    const key = `${rt.pid[i]}:${rt.tid[i]}`;
    if (BEGIN_CAPTURE.test(name)) open.set(key, rt.start[i]!);
    else if (END_CAPTURE.test(name)) {
      const s = open.get(key);
      if (s !== undefined) windows.push({ start: s, end: rt.end[i]!, pid: rt.pid[i]!, tid: rt.tid[i]! });
      open.delete(key);
    }
  }
  const captured = (i: number) => kName[i]! >= 0 && !ran.has(rt.correlationId[i]!);
  const make = (index: number, rows: number[], w: { start: number; end: number; pid: number; tid: number }, unbracketed: boolean): CapturedGraph => ({
    index, startNs: w.start, endNs: w.end, pid: w.pid, tid: w.tid, launches: rows, unbracketed,
    names: rows.map((r) => nameOf(model, kName[r]!)),
    dims: rows.map((r) => (rt.launchDimsId && rt.launchDimsId[r]! >= 0 ? nameOf(model, rt.launchDimsId[r]!) : '')),
    sites: rows.map((r) => siteOf(model.callchains.get(rt.callchainId[r]!))),
  });
  if (windows.length === 0) {
    const rows: number[] = [];
    for (let i = 0; i < rt.length; i++) if (captured(i)) rows.push(i);
    if (rows.length === 0) return [];
    return [make(0, rows, { start: rt.start[rows[0]!]!, end: rt.end[rows[rows.length - 1]!]!, pid: rt.pid[rows[0]!]!, tid: rt.tid[rows[0]!]! }, true)];
  }
  windows.sort((a, b) => a.start - b.start);
  return windows.map((w, index) => {
    const rows: number[] = [];
    for (let i = 0; i < rt.length; i++) {
      if (rt.start[i]! >= w.start && rt.start[i]! <= w.end && rt.pid[i] === w.pid && rt.tid[i] === w.tid && captured(i)) rows.push(i);
    }
    return make(index, rows, w, false);
  }).filter((g) => g.launches.length > 0);
}

export type NodeMatch = 'exact' | 'dims-differ' | 'ambiguous' | 'unmatched';

export interface ReplayNode {
  name: string;
  dims: string;
}

export interface NodeAttribution {
  status: NodeMatch;
  /** index into the captured graph's launches, -1 when unmatched */
  launch: number;
  site: Site | null;
}

export interface ReplayMatch {
  /** captured graph index, -1 when no capture shares a kernel with the replay */
  capture: number;
  /** another capture scored the same and its sites differ */
  ambiguousCapture: boolean;
  nodes: NodeAttribution[];
}

/** Most cells the alignment table may have (Int32: 64 MB). */
export const MAX_CELLS = 16_000_000;

/** Matches one replay's nodes (GPU order) to the capture that recorded them. */
export function matchReplay(nodes: readonly ReplayNode[], captures: readonly CapturedGraph[]): ReplayMatch {
  const unmatched = (): ReplayMatch => ({ capture: -1, ambiguousCapture: false, nodes: nodes.map(() => ({ status: 'unmatched', launch: -1, site: null })) });
  if (nodes.length === 0 || captures.length === 0) return unmatched();
  const need = new Map<string, number>();
  for (const n of nodes) need.set(n.name, (need.get(n.name) ?? 0) + 1);
  let best = -1;
  let ties: number[] = [];
  for (const c of captures) {
    const have = new Map<string, number>();
    for (const name of c.names) have.set(name, (have.get(name) ?? 0) + 1);
    let score = 0;
    for (const [name, n] of need) score += Math.min(n, have.get(name) ?? 0);
    // equal overlap: the capture of the same size first (vLLM captures one graph per batch size)
    if (score > best) [best, ties] = [score, [c.index]];
    else if (score === best && score > 0) ties.push(c.index);
  }
  if (best <= 0) return unmatched();
  const byIndex = new Map(captures.map((c) => [c.index, c]));
  const exactSize = ties.filter((i) => byIndex.get(i)!.names.length === nodes.length);
  const pool = exactSize.length > 0 ? exactSize : ties;
  const chosen = byIndex.get(pool[0]!)!;
  const pairs = align(nodes, chosen);
  // A tie only matters when the tied captures would put the nodes on different lines.
  const ambiguousCapture = pool.slice(1).some((i) => {
    const other = byIndex.get(i)!;
    const p = align(nodes, other);
    return nodes.some((_, n) => siteKey(pairs[n]! >= 0 ? chosen.sites[pairs[n]!]! : null) !== siteKey(p[n]! >= 0 ? other.sites[p[n]!]! : null));
  });
  // The launches that could have recorded a node: same name, and same grid/block where both sides have them.
  // When replay and capture hold different numbers of such nodes/launches, order alone cannot pair them; that
  // matters only when those launches were made from more than one line.
  const byName = new Map<string, number[]>();
  chosen.names.forEach((name, i) => {
    let l = byName.get(name);
    if (!l) byName.set(name, (l = []));
    l.push(i);
  });
  const fits = (dims: string, j: number) => dims === '' || chosen.dims[j] === '' || chosen.dims[j] === dims;
  const replayCount = new Map<string, number>();
  for (const node of nodes) replayCount.set(`${node.name}|${node.dims}`, (replayCount.get(`${node.name}|${node.dims}`) ?? 0) + 1);
  const out: NodeAttribution[] = nodes.map((node, n) => {
    const j = pairs[n]!;
    if (j < 0) return { status: 'unmatched', launch: -1, site: null };
    const site = chosen.sites[j]!;
    const candidates = (byName.get(node.name) ?? []).filter((c) => fits(node.dims, c));
    const countsDiffer = candidates.length !== replayCount.get(`${node.name}|${node.dims}`);
    const manySites = new Set(candidates.map((c) => siteKey(chosen.sites[c]!))).size > 1;
    let status: NodeMatch = 'exact';
    if (ambiguousCapture || (countsDiffer && manySites)) status = 'ambiguous';
    else if (node.dims !== '' && chosen.dims[j] !== '' && node.dims !== chosen.dims[j]) status = 'dims-differ';
    return { status, launch: j, site };
  });
  return { capture: chosen.index, ambiguousCapture, nodes: out };
}

/** replay node → capture launch index (-1 none): weighted LCS, or occurrence order past MAX_CELLS. */
export function align(nodes: readonly ReplayNode[], cap: CapturedGraph): Int32Array {
  const n = nodes.length;
  const m = cap.names.length;
  const out = new Int32Array(n).fill(-1);
  if ((n + 1) * (m + 1) > MAX_CELLS) {
    const seen = new Map<string, number>();
    const positions = new Map<string, number[]>();
    cap.names.forEach((name, j) => {
      let l = positions.get(name);
      if (!l) positions.set(name, (l = []));
      l.push(j);
    });
    nodes.forEach((node, i) => {
      const k = seen.get(node.name) ?? 0;
      seen.set(node.name, k + 1);
      const j = positions.get(node.name)?.[k];
      if (j !== undefined) out[i] = j;
    });
    return out;
  }
  const score = (i: number, j: number): number => {
    if (nodes[i]!.name !== cap.names[j]) return 0;
    const a = nodes[i]!.dims;
    const b = cap.dims[j]!;
    return a !== '' && b !== '' && a !== b ? 1 : 2;
  };
  const w = m + 1;
  const dp = new Int32Array((n + 1) * w);
  for (let i = n - 1; i >= 0; i--) {
    for (let j = m - 1; j >= 0; j--) {
      const s = score(i, j);
      const diag = s > 0 ? dp[(i + 1) * w + j + 1]! + s : 0;
      const down = dp[(i + 1) * w + j]!;
      const right = dp[i * w + j + 1]!;
      dp[i * w + j] = Math.max(diag, down, right);
    }
  }
  let i = 0;
  let j = 0;
  while (i < n && j < m) {
    const s = score(i, j);
    if (s > 0 && dp[i * w + j] === dp[(i + 1) * w + j + 1]! + s) {
      out[i] = j;
      i++;
      j++;
    } else if (dp[(i + 1) * w + j]! >= dp[i * w + j + 1]!) i++;
    else j++;
  }
  return out;
}

/** A replayed kernel's node description: full name and grid/block (empty when the trace has none). */
export function replayNode(model: ProfileModel, row: number): ReplayNode {
  const k = model.kernels;
  const known = k.gridX[row]! > 0 && k.blockX[row]! > 0;
  return {
    name: nameOf(model, k.fullNameId[row]!),
    dims: known ? launchDimsKey(k.gridX[row]!, k.gridY[row]!, k.gridZ[row]!, k.blockX[row]!, k.blockY[row]!, k.blockZ[row]!) : '',
  };
}
