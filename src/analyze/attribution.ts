// Attribution: which source line is each costly event on? Runtime calls and CPU operators are walked up
// their stack (nsys callchains, or the Python frames that enclose them on the same thread in Kineto
// traces) to the innermost frame in the repo; Python frames themselves give each repo line its time.
import type { ProfileModel, StackFrame } from '../core/profile.js';
import { innermostRepoFrame, matchRepoFile, parsePythonFrame } from './stacks.js';

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
  add(file: string, line: number, func: string, via: SiteCost['via'], kind: CostKind, ns: number, name: string, example: () => string[]): void {
    const k = siteKey(file, line);
    let s = this.map.get(k);
    if (!s) {
      s = { file, line, func, via, ns: ZERO(), count: ZERO(), names: new Map(), example: example() };
      this.map.set(k, s);
    }
    s.ns[kind] += ns;
    s.count[kind] += 1;
    if (s.names.size < 64 || s.names.has(name)) s.names.set(name, (s.names.get(name) ?? 0) + ns);
  }
}

/** Python frames (cpu events of kind 1) per thread, sorted by start, for containment queries. */
interface PyIndex {
  byTid: Map<string, number[]>;
}

function pyIndex(m: ProfileModel): PyIndex {
  const byTid = new Map<string, number[]>();
  const c = m.cpu;
  for (let i = 0; i < c.length; i++) {
    if (c.kind[i] !== 1) continue;
    const k = `${c.pid[i]}:${c.tid[i]}`;
    let a = byTid.get(k);
    if (!a) byTid.set(k, (a = []));
    a.push(i);
  }
  for (const a of byTid.values()) a.sort((x, y) => c.start[x]! - c.start[y]! || c.end[y]! - c.end[x]!);
  return { byTid };
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

export function attributeCosts(m: ProfileModel, repoFiles: readonly string[]): Attribution {
  const sites = new Sites();
  const via = new Set<'callchain' | 'python-stack'>();
  const seen = new Set<string>();
  const S = m.strings;
  const fileCache = new Map<number, string | null>();
  const repoFileOf = (fileId: number): string | null => {
    let r = fileCache.get(fileId);
    if (r === undefined) fileCache.set(fileId, (r = matchRepoFile(repoFiles, S[fileId] ?? '')));
    return r;
  };
  const py = pyIndex(m);
  const pyFramesText = (frames: number[]) => frames.map((i) => `${S[m.cpu.fileId[i]!] ?? '?'}(${m.cpu.line[i]}): ${S[m.cpu.nameId[i]!] ?? ''}`);
  const funcOf = (i: number) => {
    const name = S[m.cpu.nameId[i]!] ?? '';
    const mm = /\):\s*(.+)$/.exec(name);
    return mm ? mm[1]! : name;
  };
  /** walk the enclosing Python frames to the innermost repo frame */
  const viaPython = (pid: number, tid: number, t0: number, t1: number, kind: CostKind, ns: number, name: string): boolean => {
    const idx = py.byTid.get(`${pid}:${tid}`);
    if (!idx) return false;
    const frames = enclosing(m, idx, t0, t1);
    for (const i of frames) {
      const rf = repoFileOf(m.cpu.fileId[i]!);
      if (rf && m.cpu.line[i]! > 0) {
        sites.add(rf, m.cpu.line[i]!, funcOf(i), 'python-stack', kind, ns, name, () => pyFramesText(frames.slice(0, 12)));
        via.add('python-stack');
        return true;
      }
    }
    return false;
  };
  const chainCache = new Map<number, string[]>();
  const viaChain = (chainId: number, kind: CostKind, ns: number, name: string): boolean => {
    if (chainId < 0) return false;
    const frames = m.callchains.get(chainId);
    if (!frames) return false;
    let texts = chainCache.get(chainId);
    if (!texts) {
      chainCache.set(chainId, (texts = frames.map(frameText)));
      for (const t of texts) {
        const pf = parsePythonFrame(t);
        const rf = pf && matchRepoFile(repoFiles, pf.file);
        if (rf) seen.add(siteKey(rf, pf.line));
      }
    }
    const hit = innermostRepoFrame(texts, repoFiles);
    if (!hit) return false;
    sites.add(hit.repoFile, hit.line, hit.func, 'callchain', kind, ns, name, () => texts!.slice(0, 12));
    via.add('callchain');
    return true;
  };

  const r = m.runtime;
  const copies = copyByCorrelation(m);
  const put = (i: number, kind: CostKind, ns: number, name: string) => {
    if (ns <= 0) return;
    if (!viaChain(r.callchainId[i]!, kind, ns, name)) viaPython(r.pid[i]!, r.tid[i]!, r.start[i]!, r.end[i]!, kind, ns, name);
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
    viaChain(o.callchainId[i]!, 'runtime', o.end[i]! - o.start[i]!, S[o.nameId[i]!] ?? '');
  }
  const c = m.cpu;
  const chainCol = c.callchainId;
  // operators nest (aten::zeros → aten::empty, aten::zero_): only top-level ones are counted, once
  const topEnd = new Map<string, number>();
  const opOrder = Array.from({ length: c.length }, (_, i) => i).filter((i) => c.kind[i] === 0)
    .sort((a, b) => c.start[a]! - c.start[b]! || c.end[b]! - c.end[a]!);
  for (const i of opOrder) {
    const thread = `${c.pid[i]}:${c.tid[i]}`;
    if (c.start[i]! < (topEnd.get(thread) ?? -Infinity)) continue;
    topEnd.set(thread, c.end[i]!);
    const ns = c.end[i]! - c.start[i]!;
    const name = S[c.nameId[i]!] ?? '';
    // enclosing Python frames carry the executing line; a legacy "Call stack" may only name the function's
    // first line, so it is the fallback
    if (!viaPython(c.pid[i]!, c.tid[i]!, c.start[i]!, c.end[i]!, 'op', ns, name) && chainCol) viaChain(chainCol[i]!, 'op', ns, name);
  }
  for (let i = 0; i < c.length; i++) {
    if (c.kind[i] !== 1) continue;
    const rf = repoFileOf(c.fileId[i]!);
    if (rf && c.line[i]! > 0) {
      sites.add(rf, c.line[i]!, funcOf(i), 'python-stack', 'python', c.end[i]! - c.start[i]!, funcOf(i), () => [pyFramesText([i])[0]!]);
      via.add('python-stack');
    }
  }
  for (const k of sites.map.keys()) seen.add(k);
  return { sites: sites.map, seen, hasStacks: via.size > 0 || m.meta.capabilities.pythonStacks || m.meta.capabilities.cudaCallchains, via };
}
