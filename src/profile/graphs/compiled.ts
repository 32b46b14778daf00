// torch.compile regions. A kernel belongs to the compiled region its launch call was made in: the innermost
// `Torch-Compiled Region: F/C`, `CompiledFunction`, `CompiledFunctionBackward` operator or
// `## Call CompiledFxGraph <hash> ##` annotation that encloses the launch call on its thread. A graph-launched
// kernel's launch is the graph launch; a replay whose launch is not in the trace takes the region of another
// replay of the same graph. The region's Python caller is the innermost user frame of the region's own stack
// (or of the launch's, past torch, triton and Inductor's generated code).
import type { ProfileModel } from '../../core/profile.js';
import { lookupCorrelation, correlationIndex, nameOf, pythonFramesByThread, rangeLabel } from '../queries/util.js';
import { decodeFusedName, isTritonKernel } from './fused.js';
import type { GraphReplays } from './replays.js';
import type { Site } from './sites.js';
import { siteOf } from './sites.js';

const REGION_OP = /^(Torch-Compiled Region(: .*)?|CompiledFunction|CompiledFunctionBackward)$/;
const FX_CALL = /^## Call CompiledFxGraph (\S+) ##$/;

interface RegionEvent {
  name: string;
  start: number;
  end: number;
  /** Python caller */
  site: Site | null;
}

export interface CompiledRegion {
  /** e.g. "Torch-Compiled Region: 0/0", "CompiledFunction", "CompiledFxGraph fpd72yox…" */
  name: string;
  /** Dynamo frame and compile ids from "Torch-Compiled Region: F/C" */
  frameId?: number;
  compileId?: number;
  calls: number;
  kernels: number;
  tritonKernels: number;
  graphKernels: number;
  gpuNs: number;
  site: Site | null;
  /** aten ops the region's Triton kernels fuse, with how many kernels name each */
  fusedOps: { op: string; kernels: number }[];
}

export interface CompiledRegions {
  regions: CompiledRegion[];
  /** kernel row → index into regions, -1 outside compiled regions */
  regionOfKernel: Int32Array;
  tritonKernels: number;
  tritonInRegion: number;
  /** Triton kernels outside any region (hand-written Triton, or a launch the trace lacks) */
  tritonOutside: { name: string; kernels: number; gpuNs: number }[];
  /**
   * Graph breaks: consecutive top-level compiled regions on one thread under the same Python caller frame, with
   * eager work between them; null when the trace has no Python frames to tell one call from the next.
   */
  graphBreaks: { count: number; sites: { site: Site | null; count: number }[] } | null;
  /** distinct Dynamo frames compiled ("F" of F/C) and recompiles (C > 0) */
  dynamoFrames: number;
  recompiles: number;
}

export function compiledRegions(model: ProfileModel, replays: GraphReplays): CompiledRegions {
  const byThread = regionEvents(model);
  const rt = model.runtime;
  const k = model.kernels;
  const names: string[] = [];
  const regionIdx = new Map<string, number>();
  const regions: CompiledRegion[] = [];
  const ops: Map<string, number>[] = [];
  const calls: Set<RegionEvent>[] = [];
  const regionOf = (ev: RegionEvent): number => {
    let i = regionIdx.get(ev.name);
    if (i === undefined) {
      i = regions.length;
      regionIdx.set(ev.name, i);
      names.push(ev.name);
      const m = /^Torch-Compiled Region: (\d+)\/(\d+)/.exec(ev.name);
      regions.push({
        name: ev.name, ...(m ? { frameId: Number(m[1]), compileId: Number(m[2]) } : {}), calls: 0, kernels: 0, tritonKernels: 0,
        graphKernels: 0, gpuNs: 0, site: ev.site, fusedOps: [],
      });
      ops.push(new Map());
      calls.push(new Set());
    }
    return i;
  };
  const enclosing = (row: number): RegionEvent | null => {
    const list = byThread.get(`${rt.pid[row]}:${rt.tid[row]}`);
    return list ? innermost(list, rt.start[row]!) : null;
  };
  const idx = correlationIndex(rt);
  const regionOfKernel = new Int32Array(k.length).fill(-1);
  // the region of each graph replay, and of each graph (for replays whose launch is not in the trace)
  const replayRegion = replays.replays.map((r) => (r.launchRow >= 0 ? enclosing(r.launchRow) : null));
  const graphRegion = new Map<number, RegionEvent>();
  replays.replays.forEach((r, i) => {
    const ev = replayRegion[i];
    if (ev && !graphRegion.has(r.graph)) graphRegion.set(r.graph, ev);
  });
  let tritonKernels = 0;
  let tritonInRegion = 0;
  const outside = new Map<string, { kernels: number; gpuNs: number }>();
  for (let i = 0; i < k.length; i++) {
    const name = nameOf(model, k.nameId[i]!);
    const triton = isTritonKernel(name);
    if (triton) tritonKernels++;
    const rep = replays.replayOfKernel[i]!;
    let ev: RegionEvent | null;
    if (rep >= 0) ev = replayRegion[rep] ?? graphRegion.get(replays.replays[rep]!.graph) ?? null;
    else {
      const row = lookupCorrelation(idx, k.correlationId[i]!, k.pid[i]!);
      ev = row >= 0 ? enclosing(row) : null;
    }
    const dur = k.end[i]! - k.start[i]!;
    if (!ev) {
      if (triton) {
        const o = outside.get(name) ?? { kernels: 0, gpuNs: 0 };
        o.kernels++;
        o.gpuNs += dur;
        outside.set(name, o);
      }
      continue;
    }
    const r = regionOf(ev);
    regionOfKernel[i] = r;
    const reg = regions[r]!;
    calls[r]!.add(ev);
    reg.kernels++;
    reg.gpuNs += dur;
    if (rep >= 0) reg.graphKernels++;
    if (triton) {
      reg.tritonKernels++;
      tritonInRegion++;
      for (const op of decodeFusedName(name)?.ops ?? []) ops[r]!.set(op, (ops[r]!.get(op) ?? 0) + 1);
    }
  }
  // calls: every region event of that name, launching or not
  for (const list of byThread.values()) for (const ev of list) calls[regionOf(ev)]!.add(ev);
  regions.forEach((reg, i) => {
    reg.calls = calls[i]!.size;
    reg.fusedOps = [...ops[i]!].map(([op, kernels]) => ({ op, kernels })).sort((a, b) => b.kernels - a.kernels || a.op.localeCompare(b.op));
  });
  const frames = new Set<number>();
  let recompiles = 0;
  for (const reg of regions) {
    if (reg.frameId !== undefined) frames.add(reg.frameId);
    if ((reg.compileId ?? 0) > 0) recompiles++;
  }
  return {
    regions: regions.sort((a, b) => b.gpuNs - a.gpuNs),
    regionOfKernel: remap(regionOfKernel, names, regions),
    tritonKernels, tritonInRegion,
    tritonOutside: [...outside].map(([name, o]) => ({ name, ...o })).sort((a, b) => b.gpuNs - a.gpuNs),
    graphBreaks: graphBreaks(model, byThread),
    dynamoFrames: frames.size, recompiles,
  };
}

function remap(regionOfKernel: Int32Array, names: string[], sorted: CompiledRegion[]): Int32Array {
  const pos = new Map(sorted.map((r, i) => [r.name, i]));
  const map = names.map((n) => pos.get(n)!);
  for (let i = 0; i < regionOfKernel.length; i++) if (regionOfKernel[i]! >= 0) regionOfKernel[i] = map[regionOfKernel[i]!]!;
  return regionOfKernel;
}

/** Region events per thread, sorted by start, with a running max of ends for early stops. */
type ThreadRegions = RegionEvent[] & { maxEnd?: Float64Array };

function regionEvents(model: ProfileModel): Map<string, ThreadRegions> {
  const out = new Map<string, ThreadRegions>();
  const add = (key: string, ev: RegionEvent) => {
    let l = out.get(key);
    if (!l) out.set(key, (l = []));
    l.push(ev);
  };
  const c = model.cpu;
  for (let i = 0; i < c.length; i++) {
    if (c.kind[i] !== 0) continue;
    const name = nameOf(model, c.nameId[i]!);
    if (!REGION_OP.test(name)) continue;
    const chain = c.callchainId && c.callchainId[i]! >= 0 ? model.callchains.get(c.callchainId[i]!) : undefined;
    add(`${c.pid[i]}:${c.tid[i]}`, { name, start: c.start[i]!, end: c.end[i]!, site: siteOf(chain) });
  }
  const n = model.nvtx;
  for (let i = 0; i < n.length; i++) {
    const m = FX_CALL.exec(rangeLabel(model, n.textId[i]!));
    if (!m) continue;
    add(`${n.pid[i]}:${n.tid[i]}`, { name: `CompiledFxGraph ${m[1]!}`, start: n.start[i]!, end: n.end[i]!, site: null });
  }
  for (const [key, events] of out) {
    events.sort((a, b) => a.start - b.start || b.end - a.end);
    // An event inside a higher-ranked one is part of that region (Inductor's graph call inside a Dynamo region).
    const open: RegionEvent[] = [];
    const l: ThreadRegions = [];
    for (const ev of events) {
      while (open.length > 0 && open[open.length - 1]!.end < ev.start) open.pop();
      if (!open.some((o) => o.end >= ev.end && rank(o.name) > rank(ev.name))) l.push(ev);
      open.push(ev);
    }
    out.set(key, l);
    const maxEnd = new Float64Array(l.length);
    l.forEach((ev, i) => (maxEnd[i] = Math.max(ev.end, i > 0 ? maxEnd[i - 1]! : -Infinity)));
    l.maxEnd = maxEnd;
  }
  return out;
}

/** How a region event names the region: the Dynamo region first, then AOT's function, then Inductor's graph call. */
function rank(name: string): number {
  return name.startsWith('Torch-Compiled Region') ? 3 : name.startsWith('CompiledFunction') ? 2 : 1;
}

/** The enclosing event of a thread's sorted list that names t's region: highest rank, innermost within it. */
function innermost(list: ThreadRegions, t: number): RegionEvent | null {
  let lo = 0;
  let hi = list.length - 1;
  let last = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (list[mid]!.start <= t) [last, lo] = [mid, mid + 1];
    else hi = mid - 1;
  }
  let best: RegionEvent | null = null;
  for (let i = last; i >= 0; i--) {
    if (list.maxEnd![i]! < t) break;
    const ev = list[i]!;
    if (ev.end >= t && (!best || rank(ev.name) > rank(best.name))) best = ev;
  }
  return best;
}

/**
 * Consecutive top-level regions of one thread whose innermost enclosing Python frame is the same frame event:
 * Dynamo split that function's body, and eager code ran between the pieces.
 */
function graphBreaks(model: ProfileModel, byThread: Map<string, ThreadRegions>): CompiledRegions['graphBreaks'] {
  const c = model.cpu;
  const py = pythonFramesByThread(model);
  if (py.size === 0) return null;
  const perSite = new Map<string, { site: Site | null; count: number }>();
  let count = 0;
  for (const [key, list] of byThread) {
    const frames = py.get(key);
    if (!frames) continue;
    // top-level regions only (not nested in an earlier one)
    const top: RegionEvent[] = [];
    for (const ev of list) if (top.length === 0 || ev.start >= top[top.length - 1]!.end) top.push(ev);
    const parentOf = (ev: RegionEvent): number => {
      let best = -1;
      for (const f of frames) {
        if (c.start[f]! > ev.start) break;
        if (c.end[f]! >= ev.end && (c.start[f]! < ev.start || c.end[f]! > ev.end)) best = f;
      }
      return best;
    };
    for (let i = 1; i < top.length; i++) {
      const a = parentOf(top[i - 1]!);
      if (a < 0 || a !== parentOf(top[i]!)) continue;
      count++;
      const fileId = c.fileId[a]!;
      const site: Site | null = fileId >= 0 ? { file: nameOf(model, fileId), function: nameOf(model, c.nameId[a]!), line: c.line[a]! } : null;
      const sk = site ? `${site.file}:${site.line}` : '';
      const e = perSite.get(sk) ?? { site, count: 0 };
      e.count++;
      perSite.set(sk, e);
    }
  }
  return { count, sites: [...perSite.values()].sort((a, b) => b.count - a.count) };
}
