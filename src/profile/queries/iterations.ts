// iterations: training/inference step detection, so every metric can be given per iteration.
// 1. NVTX / annotation ranges named like a step (ProfilerStep#N, step N, iteration, train_step…);
// 2. else the period of the repeating kernel-name sequence on the busiest device: the iteration anchor is
//    the rarest kernel name whose occurrences are evenly spaced (in kernel count) across the run, and the
//    sequence must repeat with that period (s[i] == s[i+p] for most i);
// 3. else none.
import { UserError } from '../../core/errors.js';
import type { ProfileModel } from '../../core/profile.js';
import { optional } from '../../core/optional.js';
import { keyValues, table } from './format.js';
import type { QueryDef } from './query-def.js';
import { LIMIT_PARAM, intArg, lastAtOrBefore, nameFlags, nameOf, nsToMs, numArg, percentile, rowsByDevice, sortedOrder, spread, strArg } from './util.js';

export interface Iteration {
  index: number;
  startNs: number;
  endNs: number;
}

export type IterationMethod = 'nvtx' | 'kernel-period' | 'none';

export interface IterationDetection {
  method: IterationMethod;
  iterations: Iteration[];
  /** nvtx: the name of the first step range and its thread */
  rangeName?: string;
  pid?: number;
  tid?: number;
  /** kernel-period: the device, the anchor kernel and the period in kernels */
  deviceId?: number;
  anchorKernel?: string;
  periodKernels?: number;
  /** fraction of positions where the kernel sequence repeats with the period (kernel-period) */
  repeatScore?: number;
}

export interface IterationsResult extends Omit<IterationDetection, 'iterations'> {
  count: number;
  meanMs: number;
  medianMs: number;
  p90Ms: number;
  minMs: number;
  maxMs: number;
  iterations: Iteration[];
  /** true when `iterations` was cut to the limit */
  truncated: boolean;
}

export interface DetectOptions {
  /** regex source matched against range names (case-insensitive) */
  pattern?: string | undefined;
  /** device for the kernel-period method (default: the one with most kernels) */
  deviceId?: number | undefined;
}

export const DEFAULT_STEP_PATTERN =
  '^(ProfilerStep#\\d+|(train(ing)?[ _]?)?step([ _#:=-]*\\d+)?|iter(ation)?([ _#:=-]*\\d+)?)$';

const cache = new WeakMap<ProfileModel, Map<string, IterationDetection>>();

export function detectIterations(model: ProfileModel, opts: DetectOptions = {}): IterationDetection {
  const key = `${opts.pattern ?? ''}\u0000${opts.deviceId ?? ''}`;
  let m = cache.get(model);
  if (!m) cache.set(model, (m = new Map()));
  let d = m.get(key);
  if (!d) m.set(key, (d = nvtxSteps(model, opts.pattern) ?? kernelPeriod(model, opts.deviceId) ?? { method: 'none', iterations: [] }));
  return d;
}

/** How the steps were found, in words ("23 steps: the kernel sequence repeats every 62 kernels on GPU 0"). */
export function iterationDetail(it: IterationDetection): string {
  const n = it.iterations.length;
  if (it.method === 'nvtx') return `${n} step${n === 1 ? '' : 's'} from the "${it.rangeName ?? 'step'}" ranges`;
  if (it.method === 'kernel-period') return `${n} step${n === 1 ? '' : 's'}: the kernel sequence repeats every ${it.periodKernels ?? '?'} kernels on GPU ${it.deviceId ?? 0}`;
  return 'no steps found: no step-like NVTX or annotation ranges and no repeating kernel sequence';
}

function nvtxSteps(model: ProfileModel, pattern?: string): IterationDetection | undefined {
  let re: RegExp;
  try {
    re = new RegExp(pattern ?? DEFAULT_STEP_PATTERN, 'i');
  } catch {
    throw new UserError(`--pattern is not a valid regular expression: ${pattern}`);
  }
  const matches = nameFlags(model, (name) => re.test(name.trim()));
  // candidate ranges per thread, from NVTX and from CPU annotations/ops (Kineto; older traces file
  // ProfilerStep#N as a cpu_op), never from Python frames
  const byThread = new Map<string, Array<[number, number, number]>>();
  const add = (pid: number, tid: number, s: number, e: number, id: number) => {
    if (e <= s) return;
    const k = `${pid}:${tid}`;
    let l = byThread.get(k);
    if (!l) byThread.set(k, (l = []));
    l.push([s, e, id]);
  };
  {
    const { pid, tid, start, end, textId, length } = model.nvtx;
    for (let i = 0; i < length; i++) if (matches(textId[i]!)) add(pid[i]!, tid[i]!, start[i]!, end[i]!, textId[i]!);
  }
  {
    const { pid, tid, start, end, nameId, kind, length } = model.cpu;
    for (let i = 0; i < length; i++) if (kind[i] !== 1 && matches(nameId[i]!)) add(pid[i]!, tid[i]!, start[i]!, end[i]!, nameId[i]!);
  }
  let best: [string, Array<[number, number, number]>] | undefined;
  for (const e of byThread) if (!best || e[1].length > best[1].length) best = e;
  if (!best) return undefined;
  const ranges = best[1].sort((a, b) => a[0] - b[0] || b[1] - a[1]);
  const iterations: Iteration[] = [];
  let lastEnd = -Infinity;
  for (const [s, e] of ranges) {
    if (s < lastEnd) continue; // nested or overlapping: keep the outermost
    iterations.push({ index: iterations.length, startNs: s, endNs: e });
    lastEnd = e;
  }
  const [pid, tid] = best[0].split(':').map(Number) as [number, number];
  return { method: 'nvtx', iterations, rangeName: nameOf(model, ranges[0]![2]), pid, tid };
}

function kernelPeriod(model: ProfileModel, deviceId?: number): IterationDetection | undefined {
  const k = model.kernels;
  const byDev = rowsByDevice(k.deviceId, k.length);
  let dev = deviceId;
  if (dev === undefined) {
    let n = -1;
    for (const [d, rows] of byDev) if (rows.length > n || (rows.length === n && d < dev!)) [dev, n] = [d, rows.length];
  }
  const rows = dev === undefined ? undefined : byDev.get(dev);
  if (!rows || rows.length < 6) return undefined;
  const order = sortedOrder(k.start, rows);
  const n = order.length;
  const seq = new Int32Array(n);
  const nameId = k.nameId;
  for (let i = 0; i < n; i++) seq[i] = nameId[order[i]!]!;
  // bucket the positions of each name (counting sort by name id)
  const S = model.strings.length;
  const offset = new Int32Array(S + 1);
  for (let i = 0; i < n; i++) offset[seq[i]! + 1]!++;
  for (let id = 0; id < S; id++) offset[id + 1]! += offset[id]!;
  const pos = new Int32Array(n);
  const fill = offset.slice(0, S);
  for (let i = 0; i < n; i++) pos[fill[seq[i]!]!++] = i;
  // regular names: >= 3 occurrences, evenly spaced, spanning at least half the sequence
  const candidates: Array<{ id: number; count: number; first: number; period: number }> = [];
  for (let id = 0; id < S; id++) {
    const a = offset[id]!;
    const count = offset[id + 1]! - a;
    if (count < 3) continue;
    const gaps = new Float64Array(count - 1);
    for (let j = 0; j < count - 1; j++) gaps[j] = pos[a + j + 1]! - pos[a + j]!;
    gaps.sort();
    const med = percentile(gaps, 50);
    let close = 0;
    for (let j = 0; j < gaps.length; j++) if (Math.abs(gaps[j]! - med) <= 0.1 * med) close++;
    const span = pos[a + count - 1]! - pos[a]! + med;
    if (close / gaps.length >= 0.8 && span >= 0.5 * n) candidates.push({ id, count, first: pos[a]!, period: Math.round(med) });
  }
  candidates.sort((x, y) => x.count - y.count || x.first - y.first);
  for (const c of candidates.slice(0, 8)) {
    const p = c.period;
    let same = 0;
    let total = 0;
    for (let i = c.first; i + p < n; i++, total++) if (seq[i] === seq[i + p]) same++;
    const score = total > 0 ? same / total : 0;
    if (score < 0.8) continue;
    const a = offset[c.id]!;
    const iterations: Iteration[] = [];
    for (let j = 0; j + 1 < c.count; j++) {
      iterations.push({ index: j, startNs: k.start[order[pos[a + j]!]!]!, endNs: k.start[order[pos[a + j + 1]!]!]! });
    }
    return {
      method: 'kernel-period', iterations, ...optional('deviceId', dev), anchorKernel: nameOf(model, c.id),
      periodKernels: p, repeatScore: Math.round(score * 1000) / 1000,
    };
  }
  return undefined;
}

/** Index of the iteration containing time t (by start), or -1. Iterations must be ascending and disjoint. */
export function iterationOf(iterations: Iteration[], t: number, starts?: Float64Array): number {
  const s = starts ?? Float64Array.from(iterations, (it) => it.startNs);
  const k = lastAtOrBefore(s, t);
  return k >= 0 && t < iterations[k]!.endNs ? k : -1;
}

export interface PerIteration {
  values: number[];
  mean: number;
  median: number;
  p90: number;
}

/** Any metric per iteration: valueFn(iteration, model) for each; with mean/median/p90 across iterations. */
export function perIteration(
  model: ProfileModel,
  iterations: Iteration[],
  valueFn: (it: Iteration, model: ProfileModel) => number,
): PerIteration {
  const values = iterations.map((it) => valueFn(it, model));
  const s = spread(values);
  return { values, mean: s.mean, median: s.median, p90: s.p90 };
}

/**
 * Event-table metric per iteration in one pass: for each row (optionally filtered), weight(row) is added
 * to the iteration containing the row's start. Returns one sum per iteration.
 */
export function sumByIteration(
  iterations: Iteration[],
  start: Float64Array,
  length: number,
  weight: (row: number) => number,
  filter?: (row: number) => boolean,
): Float64Array {
  const sums = new Float64Array(iterations.length);
  if (iterations.length === 0) return sums;
  const starts = Float64Array.from(iterations, (it) => it.startNs);
  const lo = iterations[0]!.startNs;
  const hi = iterations[iterations.length - 1]!.endNs;
  for (let r = 0; r < length; r++) {
    const t = start[r]!;
    if (t < lo || t >= hi || (filter && !filter(r))) continue;
    const k = iterationOf(iterations, t, starts);
    if (k >= 0) sums[k]! += weight(r);
  }
  return sums;
}

export function iterationsResult(d: IterationDetection, limit: number): IterationsResult {
  const s = spread(d.iterations.map((it) => it.endNs - it.startNs));
  const { iterations, method, ...rest } = d;
  return {
    method,
    count: iterations.length,
    meanMs: nsToMs(s.mean),
    medianMs: nsToMs(s.median),
    p90Ms: nsToMs(s.p90),
    minMs: nsToMs(s.min),
    maxMs: nsToMs(s.max),
    ...rest,
    iterations: iterations.slice(0, limit),
    truncated: iterations.length > limit,
  };
}

export function formatIterations(r: IterationsResult): string {
  const how = r.method === 'nvtx' ? `NVTX/annotation ranges like "${r.rangeName}" (pid ${r.pid}, tid ${r.tid})`
    : r.method === 'kernel-period' ? `repeating kernel sequence on device ${r.deviceId}: every ${r.periodKernels} kernels, anchored on ${r.anchorKernel} (repeat score ${r.repeatScore})`
    : 'no step ranges and no repeating kernel sequence found';
  const head = keyValues([
    ['method', r.method], ['from', how], ['iterations', r.count],
    ['mean ms', r.meanMs], ['median ms', r.medianMs], ['p90 ms', r.p90Ms], ['min ms', r.minMs], ['max ms', r.maxMs],
  ]);
  if (r.count === 0) return head;
  const rows = r.iterations.map((it) => [it.index, it.startNs, nsToMs(it.endNs - it.startNs)]);
  return `${head}\n\n${table(['#', 'start ns', 'duration ms'], rows)}${r.truncated ? `\n… ${r.count - r.iterations.length} more (raise --limit)` : ''}`;
}

export const iterationsQuery: QueryDef<IterationsResult> = {
  name: 'iterations',
  description: 'Iteration detection: NVTX/annotation step ranges, else the period of the repeating kernel sequence; iteration times',
  params: [
    { ...LIMIT_PARAM, default: 50, description: 'maximum iterations listed' },
    { name: 'pattern', type: 'string', description: 'regex for step range names (case-insensitive)', default: DEFAULT_STEP_PATTERN },
    { name: 'deviceId', type: 'number', description: 'device for kernel-sequence detection (default: busiest)' },
  ],
  run(model, args) {
    const deviceId = args.deviceId === undefined ? undefined : numArg(args, 'deviceId', 0);
    return iterationsResult(detectIterations(model, { pattern: strArg(args, 'pattern'), deviceId }), intArg(args, 'limit', 50, 1));
  },
  format: (r) => formatIterations(r),
};
