// nvtx: the NVTX range tree per thread (nesting by time containment), with children of the same name
// aggregated (count, total, mean), cut at a depth limit; plus a flat aggregate by name.
import type { ProfileModel } from '../../core/profile.js';
import { table } from './format.js';
import type { QueryDef } from './query-def.js';
import { LIMIT_PARAM, intArg, rangeLabel, round, sortedOrder } from './util.js';

export interface NvtxNode {
  name: string;
  count: number;
  totalNs: number;
  meanNs: number;
  children: NvtxNode[];
}

export interface NvtxThread {
  pid: number;
  tid: number;
  threadName: string;
  ranges: number;
  roots: NvtxNode[];
}

export interface NvtxNameRow {
  name: string;
  count: number;
  totalNs: number;
  meanNs: number;
  /** shallowest depth at which the name occurs (0 = top level) */
  minDepth: number;
}

export interface NvtxResult {
  ranges: number;
  marks: number;
  maxDepth: number;
  byName: NvtxNameRow[];
  threads: NvtxThread[];
}

interface Build {
  name: string;
  count: number;
  totalNs: number;
  children: Map<string, Build>;
}

export function nvtxTree(model: ProfileModel, opts: { limit?: number; maxDepth?: number; maxNodes?: number } = {}): NvtxResult {
  const limit = opts.limit ?? 20;
  const maxDepth = opts.maxDepth ?? 3;
  const maxNodes = opts.maxNodes ?? 200;
  const r = model.nvtx;
  const { start, end, textId, pid, tid } = r;
  const threads = new Map<string, number[]>();
  let marks = 0;
  for (let i = 0; i < r.length; i++) {
    if (end[i]! <= start[i]!) {
      marks++;
      continue;
    }
    const k = `${pid[i]}:${tid[i]}`;
    let l = threads.get(k);
    if (!l) threads.set(k, (l = []));
    l.push(i);
  }
  const flat = new Map<string, NvtxNameRow>();
  const threadNames = new Map(model.meta.threads.map((t) => [`${t.pid}:${t.tid}`, t.name]));
  const out: NvtxThread[] = [];
  for (const [key, rows] of threads) {
    // by start ascending; ties: longer first so the enclosing range is the parent
    const order = sortedOrder(r.start, Int32Array.from(rows));
    const sorted = Array.from(order);
    for (let a = 0; a < sorted.length;) {
      let b = a + 1;
      while (b < sorted.length && start[sorted[b]!] === start[sorted[a]!]) b++;
      if (b - a > 1) {
        const tie = sorted.slice(a, b).sort((x, y) => end[y]! - end[x]!);
        sorted.splice(a, b - a, ...tie);
      }
      a = b;
    }
    const root: Build = { name: '', count: 0, totalNs: 0, children: new Map() };
    const stack: Array<{ end: number; node: Build | null }> = [];
    for (const i of sorted) {
      const s = start[i]!;
      const e = end[i]!;
      while (stack.length && !(stack[stack.length - 1]!.end >= e && s < stack[stack.length - 1]!.end)) stack.pop();
      const depth = stack.length;
      const name = rangeLabel(model, textId[i]!);
      const parent = depth === 0 ? root : stack[depth - 1]!.node;
      let node: Build | null = null;
      if (parent && depth < maxDepth) {
        node = parent.children.get(name) ?? null;
        if (!node) parent.children.set(name, (node = { name, count: 0, totalNs: 0, children: new Map() }));
        node.count++;
        node.totalNs += e - s;
      }
      stack.push({ end: e, node });
      let f = flat.get(name);
      if (!f) flat.set(name, (f = { name, count: 0, totalNs: 0, meanNs: 0, minDepth: depth }));
      f.count++;
      f.totalNs += e - s;
      f.minDepth = Math.min(f.minDepth, depth);
    }
    const [pid, tid] = key.split(':').map(Number) as [number, number];
    out.push({ pid, tid, threadName: threadNames.get(key) ?? '', ranges: rows.length, roots: prune(finish(root, limit), maxNodes) });
  }
  for (const f of flat.values()) f.meanNs = round(f.totalNs / f.count, 1);
  return {
    ranges: r.length - marks,
    marks,
    maxDepth,
    byName: [...flat.values()].sort((a, b) => b.totalNs - a.totalNs).slice(0, limit),
    threads: out.sort((a, b) => b.ranges - a.ranges).slice(0, limit),
  };
}

/** Keeps at most `budget` nodes, breadth first (shallow levels are kept before deep ones). */
function prune(roots: NvtxNode[], budget: number): NvtxNode[] {
  let left = budget;
  let level: NvtxNode[][] = [roots];
  while (level.length) {
    const next: NvtxNode[][] = [];
    for (const list of level) {
      if (list.length > left) list.length = Math.max(0, left);
      left -= list.length;
      for (const n of list) next.push(n.children);
    }
    level = next;
  }
  return roots;
}

function finish(b: Build, limit: number): NvtxNode[] {
  return [...b.children.values()]
    .sort((x, y) => y.totalNs - x.totalNs)
    .slice(0, limit)
    .map((c) => ({ name: c.name, count: c.count, totalNs: c.totalNs, meanNs: round(c.totalNs / c.count, 1), children: finish(c, limit) }));
}

export function formatNvtx(r: NvtxResult): string {
  if (r.ranges === 0) return `no NVTX ranges in this profile${r.marks ? ` (${r.marks} marks)` : ''}`;
  const lines: string[] = [];
  const walk = (n: NvtxNode, depth: number) => {
    lines.push(`${'  '.repeat(depth + 1)}${n.name}  ×${n.count}  ${round(n.totalNs / 1e6, 3)} ms total, ${round(n.meanNs / 1e6, 3)} ms mean`);
    for (const c of n.children) walk(c, depth + 1);
  };
  for (const t of r.threads) {
    lines.push(`thread ${t.pid}:${t.tid}${t.threadName ? ` (${t.threadName})` : ''}: ${t.ranges} ranges`);
    for (const n of t.roots) walk(n, 0);
  }
  const flat = table(['range', 'count', 'total ms', 'mean ms', 'depth'],
    r.byName.map((f) => [f.name, f.count, round(f.totalNs / 1e6, 3), round(f.meanNs / 1e6, 3), f.minDepth]));
  return `${r.ranges} ranges, ${r.marks} marks\n\n${lines.join('\n')}\n\nBy name\n${flat}`;
}

export const nvtxQuery: QueryDef<NvtxResult> = {
  name: 'nvtx',
  description: 'NVTX range tree per thread (nesting by time containment), aggregated by name: count, total, mean; depth-limited',
  params: [
    LIMIT_PARAM,
    { name: 'maxDepth', type: 'number', description: 'deepest tree level shown (1 = top level only)', default: 3 },
    { name: 'maxNodes', type: 'number', description: 'tree nodes kept per thread, shallow levels first', default: 200 },
  ],
  run: (model, args) => nvtxTree(model, {
    limit: intArg(args, 'limit', 20, 1), maxDepth: intArg(args, 'maxDepth', 3, 1), maxNodes: intArg(args, 'maxNodes', 200, 1),
  }),
  format: (r) => formatNvtx(r),
};
