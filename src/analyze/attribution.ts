// Attribution: which source line is each costly event on? Runtime calls and CPU operators are walked up
// their stack (nsys callchains, or the Python frames that enclose them on the same thread in Kineto
// traces) to the innermost frame in the repo; Python frames themselves give each repo line its time.
import type { ProfileModel, StackFrame } from '../core/profile.js';
import { parsePythonFrame } from '../profile/python-frame.js';
import { pythonFramesByThread } from '../profile/queries/util.js';
import { matchRepoPath } from '../source/locate.js';
import { innermostRepoFrame } from './stacks.js';

import type { CostKind } from '../core/findings.js';

export type { CostKind };

export interface SiteCost {
  file: string;
  line: number;
  func: string;
  via: 'callchain' | 'python-stack';
  /** total ns by kind over the whole profile */
  ns: Record<CostKind, number>;
  count: Record<CostKind, number>;
  /** names of the events attributed (most costly first, capped) */
  names: Map<string, number>;
  /** one example stack, innermost first */
  example: string[];
  /**
   * the site's cost in each iteration (ns; index = iteration of AttributeOptions.iterations), Python frame time
   * and the other kinds apart: what a line costs from one iteration to the next, for decisions that an iteration
   * the OS preempted must not make (docs/analysis.md, "The same answer on every recording")
   */
  perIter?: { python: Float64Array; other: Float64Array };
  /** Python frame time that came from samples (the shim's sampled thread), not from traced calls or frames */
  sampledPythonNs?: number;
}

export function siteKey(file: string, line: number): string {
  return `${file}:${line}`;
}

export function stripApiVersion(name: string): string {
  return name.replace(/_v\d+$/, '').replace(/_ptsz$|_ptds$/, '');
}

export function classifyApi(rawName: string): CostKind {
  const n = stripApiVersion(rawName);
  if (/Synchronize$|StreamWaitEvent|^cudaStreamQuery$/.test(n)) return 'sync';
  if (/^cu(da)?Memcpy(?!.*Async)/.test(n) && !/Async/.test(n)) return 'sync';
  if (/^cu(da)?Mem(cpy|set)/.test(n)) return 'memcpy';
  if (/Launch|GraphLaunch/.test(n)) return 'launch';
  if (/^cu(da)?(Malloc|Free|MemAlloc|MemFree)/.test(n)) return 'alloc';
  return 'runtime';
}

export function frameText(f: StackFrame): string {
  if (f.file && f.line) return `${f.file}(${f.line}): ${f.symbol}`;
  return f.symbol;
}

const ZERO = (): Record<CostKind, number> => ({ sync: 0, memcpy: 0, launch: 0, alloc: 0, runtime: 0, op: 0, python: 0 });

export interface Attribution {
  sites: Map<string, SiteCost>;
  /** how events were walked to the source: at least one stack source present */
  hasStacks: boolean;
  via: Set<'callchain' | 'python-stack'>;
  /** every repo line that appears in any stack (not only the innermost frames that carry cost): what ran */
  seen: Set<string>;
}

class Sites {
  readonly map = new Map<string, SiteCost>();
  /** iteration windows [start, end) ns, sorted */
  private readonly windows: ReadonlyArray<{ startNs: number; endNs: number }>;
  constructor(windows: ReadonlyArray<{ startNs: number; endNs: number }> = []) {
    this.windows = [...windows].sort((a, b) => a.startNs - b.startNs);
  }
  add(file: string, line: number, func: string, via: SiteCost['via'], kind: CostKind, ns: number, name: string, example: () => string[], t0 = NaN, t1 = t0): void {
    const k = siteKey(file, line);
    let s = this.map.get(k);
    if (!s) {
      s = { file, line, func, via, ns: ZERO(), count: ZERO(), names: new Map(), example: example() };
      if (this.windows.length) s.perIter = { python: new Float64Array(this.windows.length), other: new Float64Array(this.windows.length) };
      this.map.set(k, s);
    }
    if (s.perIter) {
      // an event that spans iterations is split over them by its overlap with each
      const into = s.perIter[kind === 'python' ? 'python' : 'other'];
      const span = t1 - t0;
      for (let w = iterationAt(this.windows, t0, true); w >= 0 && w < this.windows.length; w++) {
        const win = this.windows[w]!;
        if (win.startNs > t1 || (span > 0 && win.startNs >= t1)) break;
        const part = span > 0 ? (Math.min(t1, win.endNs) - Math.max(t0, win.startNs)) / span : (t0 < win.endNs && t0 >= win.startNs ? 1 : 0);
        if (part > 0) into[w]! += ns * part;
      }
    }
    s.ns[kind] += ns;
    s.count[kind] += 1;
    if (s.names.size < 64 || s.names.has(name)) s.names.set(name, (s.names.get(name) ?? 0) + ns);
  }
  /** a callee's name and time on an existing Python-frame site (its time is already in the site's python ns) */
  note(file: string, line: number, func: string, name: string, ns: number): void {
    const s = this.map.get(siteKey(file, line));
    if (s && s.func === func && (s.names.size < 64 || s.names.has(name))) s.names.set(name, (s.names.get(name) ?? 0) + ns);
  }
}

/**
 * How a callee frame is named in a site's names: `py:` and the function with its file's last path parts
 * (`py:json/__init__.py:load`), or a built-in's own name (`py:tolist` for "<built-in method tolist of …>").
 */
export function calleeName(name: string, file: string): string {
  const b = /^<built-in (?:method|function) ([\w.]+)/.exec(name);
  if (b) return `py:${b[1]}`;
  const fn = /\):\s*(.+)$/.exec(name)?.[1] ?? name;
  const norm = file.replace(/\\/g, '/');
  // the module path: after site-/dist-packages or the standard library's folder, else the last two parts
  const lib = /(?:site-packages|dist-packages|lib\/python\d+(?:\.\d+)?)\/(.+)$/.exec(norm);
  const tail = lib ? lib[1]!.replace(/^(?:site-packages|dist-packages)\//, '') : norm.split('/').slice(-2).join('/');
  return `py:${tail ? `${tail}:` : ''}${fn}`;
}

/** Python frames enclosing [t0, t1] on a thread, innermost first. */
function enclosing(m: ProfileModel, idx: number[], t0: number, t1: number): number[] {
  const c = m.cpu;
  // binary search: last frame starting at or before t0
  let lo = 0, hi = idx.length - 1, last = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (c.start[idx[mid]!]! <= t0) { last = mid; lo = mid + 1; } else hi = mid - 1;
  }
  const out: number[] = [];
  // walk back: frames nest, so an enclosing frame starts before and ends after; stop after a bounded scan
  for (let j = last, scanned = 0; j >= 0 && scanned < 4096; j--, scanned++) {
    const i = idx[j]!;
    if (c.end[i]! >= t1) out.push(i);
  }
  // innermost first = latest start first (already in that order)
  return out;
}

/** memcpy rows by (pid, correlation id) of the runtime call that issued them */
function copyByCorrelation(m: ProfileModel): Map<string, number> {
  const out = new Map<string, number>();
  const c = m.memcpy;
  for (let i = 0; i < c.length; i++) if (c.correlationId[i]! >= 0) out.set(`${c.pid[i]}:${c.correlationId[i]}`, i);
  return out;
}

/**
 * The part of a copy call spent waiting for earlier GPU work: a call that returns only after its copy has
 * finished (pageable or synchronous copies, `.item()`, `.cpu()`) but whose copy started later than the call
 * waited for the stream to drain first. 0 for asynchronous calls and for calls with no matching copy row.
 */
export function copyWaitNs(m: ProfileModel, copies: Map<string, number>, row: number): number {
  const r = m.runtime;
  const j = copies.get(`${r.pid[row]}:${r.correlationId[row]}`);
  if (j === undefined || r.correlationId[row]! < 0) return 0;
  const apiStart = r.start[row]!, apiEnd = r.end[row]!;
  const copyStart = m.memcpy.start[j]!, copyEnd = m.memcpy.end[j]!;
  if (apiEnd < copyEnd) return 0; // returned before the copy finished: asynchronous
  return Math.max(0, Math.min(copyStart, apiEnd) - apiStart);
}

/** The last iteration window starting at or before t (with `orNext`, the first one when t precedes them all), or -1. */
function iterationAt(ws: ReadonlyArray<{ startNs: number; endNs: number }>, t: number, orNext = false): number {
  if (Number.isNaN(t)) return -1;
  let lo = 0, hi = ws.length - 1, last = -1;
  while (lo <= hi) {
    const mid = (lo + hi) >> 1;
    if (ws[mid]!.startNs <= t) { last = mid; lo = mid + 1; } else hi = mid - 1;
  }
  return last < 0 && orNext && ws.length ? 0 : last;
}

export interface AttributeOptions {
  /** the profile's iterations (sorted by start): each site then keeps its cost per iteration (SiteCost.perIter) */
  iterations?: ReadonlyArray<{ startNs: number; endNs: number }>;
}

export function attributeCosts(m: ProfileModel, repoFiles: readonly string[], opts: AttributeOptions = {}): Attribution {
  const sites = new Sites(opts.iterations ?? []);
  const via = new Set<'callchain' | 'python-stack'>();
  const seen = new Set<string>();
  const S = m.strings;
  const fileCache = new Map<number, string | null>();
  const repoFileOf = (fileId: number): string | null => {
    let r = fileCache.get(fileId);
    if (r === undefined) fileCache.set(fileId, (r = matchRepoPath(repoFiles, S[fileId] ?? '')));
    return r;
  };
  const py = pythonFramesByThread(m);
  const pyFramesText = (frames: number[]) => frames.map((i) => `${S[m.cpu.fileId[i]!] ?? '?'}(${m.cpu.line[i]}): ${S[m.cpu.nameId[i]!] ?? ''}`);
  const funcOf = (i: number) => {
    const name = S[m.cpu.nameId[i]!] ?? '';
    return parsePythonFrame(name)?.function ?? name;
  };
  /** walk the enclosing Python frames to the innermost repo frame */
  const viaPython = (pid: number, tid: number, t0: number, t1: number, kind: CostKind, ns: number, name: string): boolean => {
    const idx = py.get(`${pid}:${tid}`);
    if (!idx) return false;
    const frames = enclosing(m, idx, t0, t1);
    for (const i of frames) {
      const rf = repoFileOf(m.cpu.fileId[i]!);
      if (rf && m.cpu.line[i]! > 0) {
        sites.add(rf, m.cpu.line[i]!, funcOf(i), 'python-stack', kind, ns, name, () => pyFramesText(frames.slice(0, 12)), t0, t1);
        via.add('python-stack');
        return true;
      }
    }
    return false;
  };
  const chainCache = new Map<number, string[]>();
  const viaChain = (chainId: number, kind: CostKind, ns: number, name: string, t0 = NaN, t1 = t0): boolean => {
    if (chainId < 0) return false;
    const frames = m.callchains.get(chainId);
    if (!frames) return false;
    let texts = chainCache.get(chainId);
    if (!texts) {
      chainCache.set(chainId, (texts = frames.map(frameText)));
      for (const t of texts) {
        const pf = parsePythonFrame(t);
        const rf = pf && matchRepoPath(repoFiles, pf.file);
        if (rf) seen.add(siteKey(rf, pf.line));
      }
    }
    const hit = innermostRepoFrame(texts, repoFiles);
    if (!hit) return false;
    sites.add(hit.repoFile, hit.line, hit.function, 'callchain', kind, ns, name, () => texts!.slice(0, 12), t0, t1);
    via.add('callchain');
    return true;
  };

  const c = m.cpu;
  // operators nest (aten::zeros → aten::empty, aten::zero_): only top-level ones are counted, once
  const topEnd = new Map<string, number>();
  const opOrder = Array.from({ length: c.length }, (_, i) => i).filter((i) => c.kind[i] === 0)
    .sort((a, b) => c.start[a]! - c.start[b]! || c.end[b]! - c.end[a]!);
  const topOps = new Map<string, number[]>();
  for (const i of opOrder) {
    const thread = `${c.pid[i]}:${c.tid[i]}`;
    if (c.start[i]! < (topEnd.get(thread) ?? -Infinity)) continue;
    topEnd.set(thread, c.end[i]!);
    let list = topOps.get(thread);
    if (!list) topOps.set(thread, (list = []));
    list.push(i);
  }
  /** the top-level operator around [t0, t1] on a thread: a runtime call is named by the operator that made it */
  const opAround = (thread: string, t0: number, t1: number): number | undefined => {
    const list = topOps.get(thread);
    if (!list) return undefined;
    let lo = 0, hi = list.length - 1, last = -1;
    while (lo <= hi) {
      const mid = (lo + hi) >> 1;
      if (c.start[list[mid]!]! <= t0) { last = mid; lo = mid + 1; } else hi = mid - 1;
    }
    const i = last >= 0 ? list[last] : undefined;
    return i !== undefined && c.end[i]! >= t1 ? i : undefined;
  };

  const r = m.runtime;
  const copies = copyByCorrelation(m);
  const put = (i: number, kind: CostKind, ns: number, name: string) => {
    if (ns <= 0) return;
    // `.item()` makes a D2H copy and a sync inside aten::item: the operator names the call at the line
    const op = opAround(`${r.pid[i]}:${r.tid[i]}`, r.start[i]!, r.end[i]!);
    const named = op !== undefined ? S[c.nameId[op]!] ?? name : name;
    if (!viaChain(r.callchainId[i]!, kind, ns, named, r.start[i]!, r.end[i]!)) viaPython(r.pid[i]!, r.tid[i]!, r.start[i]!, r.end[i]!, kind, ns, named);
  };
  for (let i = 0; i < r.length; i++) {
    const name = stripApiVersion(S[r.nameId[i]!] ?? '');
    const kind = classifyApi(name);
    const ns = r.end[i]! - r.start[i]!;
    const wait = kind === 'memcpy' || kind === 'sync' ? copyWaitNs(m, copies, i) : 0;
    if (wait > 0) {
      // a blocking copy first waits for the work queued before it: that wait is a synchronization
      put(i, 'sync', wait, name);
      put(i, kind, ns - wait, name);
    } else put(i, kind, ns, name);
  }
  const o = m.osrt;
  for (let i = 0; i < o.length; i++) {
    viaChain(o.callchainId[i]!, 'runtime', o.end[i]! - o.start[i]!, S[o.nameId[i]!] ?? '', o.start[i]!, o.end[i]!);
  }
  const chainCol = c.callchainId;
  for (const i of [...topOps.values()].flat()) {
    const ns = c.end[i]! - c.start[i]!;
    const name = S[c.nameId[i]!] ?? '';
    // enclosing Python frames carry the executing line; a legacy "Call stack" may only name the function's
    // first line, so it is the fallback
    if (!viaPython(c.pid[i]!, c.tid[i]!, c.start[i]!, c.end[i]!, 'op', ns, name) && chainCol) viaChain(chainCol[i]!, 'op', ns, name, c.start[i]!, c.end[i]!);
  }
  // a thread whose Python frames the shim sampled says so in its name (src/sandbox/shim/sysight_python.py)
  const sampled = new Map<string, number>();
  const sampledTids = new Set(m.meta.threads.filter((t) => /python frames sampled every/.test(t.name)).map((t) => `${t.pid}:${t.tid}`));
  for (let i = 0; i < c.length; i++) {
    if (c.kind[i] !== 1) continue;
    const rf = repoFileOf(c.fileId[i]!);
    if (rf && c.line[i]! > 0) {
      if (sampledTids.has(`${c.pid[i]}:${c.tid[i]}`)) {
        const k = siteKey(rf, c.line[i]!);
        sampled.set(k, (sampled.get(k) ?? 0) + c.end[i]! - c.start[i]!);
      }
      sites.add(rf, c.line[i]!, funcOf(i), 'python-stack', 'python', c.end[i]! - c.start[i]!, funcOf(i), () => [pyFramesText([i])[0]!], c.start[i]!, c.end[i]!);
      via.add('python-stack');
    }
  }
  // callees: the first Python frame outside the repo under a repo frame (json's load, csv's __next__, a built-in
  // such as tolist or open) names what that line called, with its time, so one line of a function can be told
  // from another where the frames only name the function (Kineto names a frame by its function's first line)
  for (let i = 0; i < c.length; i++) {
    if (c.kind[i] !== 1 || (repoFileOf(c.fileId[i]!) && c.line[i]! > 0)) continue;
    const idx = py.get(`${c.pid[i]}:${c.tid[i]}`);
    if (!idx) continue;
    const parent = enclosing(m, idx, c.start[i]!, c.end[i]!).find((f) => f !== i && (c.start[f]! < c.start[i]! || c.end[f]! > c.end[i]!));
    if (parent === undefined) continue;
    const rf = repoFileOf(c.fileId[parent]!);
    if (!rf || !(c.line[parent]! > 0)) continue;
    sites.note(rf, c.line[parent]!, funcOf(parent), calleeName(S[c.nameId[i]!] ?? '', S[c.fileId[i]!] ?? ''), c.end[i]! - c.start[i]!);
  }
  for (const [k, ns] of sampled) {
    const site = sites.map.get(k);
    if (site) site.sampledPythonNs = ns;
  }
  for (const k of sites.map.keys()) seen.add(k);
  return { sites: sites.map, seen, hasStacks: via.size > 0 || m.meta.capabilities.pythonStacks || m.meta.capabilities.cudaCallchains, via };
}
