// Builds the binned ProfileOverview a dashboard draws from a ProfileModel: one pass per table, a fixed
// number of bins whatever the profile's size, so millions of rows become a few kilobytes.
import type { ProfileModel } from '../core/profile.js';
import type { LaneKind, OverviewIteration, OverviewKernel, OverviewLane, ProfileOverview } from '../core/overview.js';
import { WAITING_API, gpuTime } from './queries/gpu-time.js';
import { DEFAULT_STEP_PATTERN, detectIterations, iterationDetail } from './queries/iterations.js';
import { nameFlags, stripApiSuffix } from './queries/util.js';

export interface OverviewOptions {
  bins?: number | undefined;
  topKernels?: number | undefined;
  /** restrict to [startNs, endNs) on the profile clock (zoom) */
  range?: [number, number] | undefined;
}

/** Sorted, non-overlapping union of intervals. */
export function mergeIntervals(starts: ArrayLike<number>, ends: ArrayLike<number>, n = starts.length): Float64Array[] {
  const order = new Uint32Array(n);
  for (let i = 0; i < n; i++) order[i] = i;
  order.sort((a, b) => starts[a]! - starts[b]!);
  const ms: number[] = [];
  const me: number[] = [];
  for (let k = 0; k < n; k++) {
    const i = order[k]!;
    const s = starts[i]!;
    const e = Math.max(s, ends[i]!);
    const last = ms.length - 1;
    if (last >= 0 && s <= me[last]!) me[last] = Math.max(me[last]!, e);
    else { ms.push(s); me.push(e); }
  }
  return [Float64Array.from(ms), Float64Array.from(me)];
}

/** Adds the part of [s, e) inside each bin to `acc` (in ns). */
function addToBins(acc: Float64Array, t0: number, binNs: number, s: number, e: number): void {
  const bins = acc.length;
  const t1 = t0 + binNs * bins;
  if (e <= t0 || s >= t1 || e <= s) return;
  s = Math.max(s, t0);
  e = Math.min(e, t1);
  let b = Math.min(bins - 1, Math.floor((s - t0) / binNs));
  while (s < e && b < bins) {
    const binEnd = t0 + (b + 1) * binNs;
    const piece = Math.min(e, binEnd) - s;
    acc[b] = acc[b]! + piece;
    s = binEnd;
    b++;
  }
}

function fractions(acc: Float64Array, binNs: number): number[] {
  return Array.from(acc, (v) => Math.min(1, Math.round((v / binNs) * 1000) / 1000));
}

function intersectNs(a: Float64Array[], b: Float64Array[], lo: number, hi: number): number {
  const [as, ae] = a as [Float64Array, Float64Array];
  const [bs, be] = b as [Float64Array, Float64Array];
  let i = 0, j = 0, total = 0;
  while (i < as.length && j < bs.length) {
    const s = Math.max(as[i]!, bs[j]!, lo);
    const e = Math.min(ae[i]!, be[j]!, hi);
    if (e > s) total += e - s;
    if (ae[i]! < be[j]!) i++; else j++;
  }
  return total;
}

function clippedTotal(m: Float64Array[], lo: number, hi: number): number {
  const [s, e] = m as [Float64Array, Float64Array];
  let t = 0;
  for (let i = 0; i < s.length; i++) t += Math.max(0, Math.min(e[i]!, hi) - Math.max(s[i]!, lo));
  return t;
}

const STEP_RANGE = new RegExp(DEFAULT_STEP_PATTERN, 'i');

/**
 * Time inside an NVTX or annotation range with no GPU work and no recorded CPU call (ns, within [lo, hi]). A
 * range is an annotation, not work: this time is neither CPU nor GPU work, yet not unexplained idle either —
 * the host was in the annotated code (a compile, a DataLoader wait). Step ranges (ProfilerStep#N…) frame every
 * step and say nothing of what ran, so they do not count.
 */
function annotatedOnly(model: ProfileModel, busy: Float64Array[][], lo: number, hi: number): number {
  const { start, end, textId, length } = model.nvtx;
  const step = nameFlags(model, (n) => STEP_RANGE.test(n.trim()));
  const rs: number[] = [], re: number[] = [];
  for (let i = 0; i < length; i++) if (end[i]! > start[i]! && !step(textId[i]!)) { rs.push(start[i]!); re.push(end[i]!); }
  if (rs.length === 0) return 0;
  const ranges = mergeIntervals(rs, re);
  const bs: number[] = [], be: number[] = [];
  for (const [s, e] of busy) for (let i = 0; i < s!.length; i++) { bs.push(s![i]!); be.push(e![i]!); }
  return clippedTotal(ranges, lo, hi) - intersectNs(ranges, mergeIntervals(bs, be), lo, hi);
}

/** The steps of the one step detector (src/profile/queries/iterations.ts), as labelled bands. */
export function findIterations(model: ProfileModel): OverviewIteration[] {
  const d = detectIterations(model);
  const what = d.method === 'nvtx' ? (d.rangeName ?? 'step').replace(/[\s#:=_-]*\d+$/, '') || 'step' : 'step';
  return d.iterations.map((it) => ({ label: `${what} ${it.index + 1} of ${d.iterations.length}`, startNs: it.startNs, endNs: it.endNs }));
}

function median(xs: number[]): number | null {
  if (xs.length === 0) return null;
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

export function buildOverview(model: ProfileModel, opts: OverviewOptions = {}): ProfileOverview {
  const bins = Math.max(10, Math.min(4000, Math.floor(opts.bins ?? 400)));
  const { meta, kernels, memcpy, memset, runtime, cpu, strings } = model;
  const t0 = opts.range ? opts.range[0] : meta.startNs;
  const t1 = opts.range ? opts.range[1] : meta.endNs;
  const span = Math.max(1, t1 - t0);
  const binNs = span / bins;
  const notes: string[] = [];

  const lanes = new Map<string, { lane: OverviewLane; acc: Record<LaneKind, Float64Array> }>();
  const laneFor = (deviceId: number, streamId: number) => {
    const key = `${deviceId}:${streamId}`;
    let l = lanes.get(key);
    if (!l) {
      l = {
        lane: { deviceId, streamId, busy: { kernel: [], memcpy: [], nccl: [] }, busyNs: 0 },
        acc: { kernel: new Float64Array(bins), memcpy: new Float64Array(bins), nccl: new Float64Array(bins) },
      };
      lanes.set(key, l);
    }
    return l;
  };

  const isNccl = new Map<number, boolean>();
  const perKernel = new Map<number, { count: number; total: number }>();
  let kernelTotal = 0;
  for (let i = 0; i < kernels.length; i++) {
    const s = kernels.start[i]!, e = kernels.end[i]!;
    const nameId = kernels.nameId[i]!;
    let nccl = isNccl.get(nameId);
    if (nccl === undefined) isNccl.set(nameId, (nccl = /nccl/i.test(strings[nameId] ?? '')));
    const l = laneFor(kernels.deviceId[i]!, kernels.streamId[i]!);
    addToBins(l.acc[nccl ? 'nccl' : 'kernel'], t0, binNs, s, e);
    const inRange = Math.max(0, Math.min(e, t1) - Math.max(s, t0));
    l.lane.busyNs += inRange;
    if (inRange > 0 || (s >= t0 && s < t1)) {
      const k = perKernel.get(nameId) ?? { count: 0, total: 0 };
      k.count++;
      k.total += e - s;
      kernelTotal += e - s;
      perKernel.set(nameId, k);
    }
  }
  for (const t of [memcpy, memset]) {
    for (let i = 0; i < t.length; i++) {
      const l = laneFor(t.deviceId[i]!, t.streamId[i]!);
      addToBins(l.acc.memcpy, t0, binNs, t.start[i]!, t.end[i]!);
      l.lane.busyNs += Math.max(0, Math.min(t.end[i]!, t1) - Math.max(t.start[i]!, t0));
    }
  }
  const laneList = [...lanes.values()]
    .map(({ lane, acc }) => ({
      ...lane,
      busy: { kernel: fractions(acc.kernel, binNs), memcpy: fractions(acc.memcpy, binNs), nccl: fractions(acc.nccl, binNs) },
    }))
    .sort((a, b) => a.deviceId - b.deviceId || a.streamId - b.streamId);

  // GPU and CPU unions: overlap is measured on merged intervals, not on sums that double-count.
  const gs: number[] = [], ge: number[] = [];
  for (const t of [kernels, memcpy, memset]) for (let i = 0; i < t.length; i++) { gs.push(t.start[i]!); ge.push(t.end[i]!); }
  const gpu = mergeIntervals(gs, ge);
  // time blocked in a sync call is waiting for the GPU, not CPU work: its own row
  const cs: number[] = [], ce: number[] = [];
  const ws: number[] = [], we: number[] = [];
  const waiting = nameFlags(model, (n) => WAITING_API.test(stripApiSuffix(n)));
  for (let i = 0; i < runtime.length; i++) {
    if (waiting(runtime.nameId[i]!)) { ws.push(runtime.start[i]!); we.push(runtime.end[i]!); } else { cs.push(runtime.start[i]!); ce.push(runtime.end[i]!); }
  }
  for (let i = 0; i < cpu.length; i++) if (cpu.kind[i] === 0) { cs.push(cpu.start[i]!); ce.push(cpu.end[i]!); }
  const host = mergeIntervals(cs, ce);
  const wait = mergeIntervals(ws, we);
  const binUnion = (m: Float64Array[]) => {
    const acc = new Float64Array(bins);
    for (let i = 0; i < m[0]!.length; i++) addToBins(acc, t0, binNs, m[0]![i]!, m[1]![i]!);
    return fractions(acc, binNs);
  };
  const both = intersectNs(gpu, host, t0, t1);
  const gpuAll = clippedTotal(gpu, t0, t1);
  const hostAll = clippedTotal(host, t0, t1);
  const nvtxOnly = annotatedOnly(model, [gpu, host], t0, t1);
  const r = (x: number) => Math.round((x / span) * 1000) / 1000;

  const top: OverviewKernel[] = [...perKernel.entries()]
    .sort((a, b) => b[1].total - a[1].total)
    .slice(0, Math.max(1, opts.topKernels ?? 15))
    .map(([nameId, k]) => ({
      name: strings[nameId] ?? `kernel ${nameId}`,
      count: k.count,
      totalNs: k.total,
      meanNs: k.total / k.count,
      share: kernelTotal > 0 ? k.total / kernelTotal : 0,
    }));

  const det = detectIterations(model);
  const iterations = findIterations(model).filter((it) => it.endNs > t0 && it.startNs < t1);
  const itMs = median(iterations.map((it) => (it.endNs - it.startNs) / 1e6));
  if (kernels.length === 0) notes.push('No GPU kernels in this profile.');
  if (iterations.length === 0) notes.push(det.iterations.length ? 'no step in this window' : 'No steps found: no step-like NVTX or annotation ranges and no repeating kernel sequence.');
  if (runtime.length === 0 && cpu.length === 0) notes.push('No CPU-side events: CPU/GPU overlap is unknown.');

  return {
    schemaVersion: 1,
    source: meta.source,
    format: meta.format,
    startNs: t0,
    endNs: t1,
    bins,
    binNs,
    gpus: meta.gpus.map((g) => ({ deviceId: g.deviceId, name: g.name })),
    lanes: laneList,
    cpuBusy: binUnion(host),
    cpuWaiting: binUnion(wait),
    gpuBusy: binUnion(gpu),
    overlap: { both: r(both), gpuOnly: r(gpuAll - both), cpuOnly: r(hostAll - both), nvtxOnly: r(nvtxOnly), idle: r(span - gpuAll - hostAll + both - nvtxOnly) },
    iterations,
    iterationMs: itMs,
    topKernels: top,
    iterationMethod: det.method,
    iterationDetail: iterationDetail(det),
    ...(opts.range ? {} : { gpuTime: gpuTime(model) }),
    counts: { kernels: kernels.length, memcpy: memcpy.length, runtime: runtime.length, nvtx: model.nvtx.length },
    notes: [...notes, ...meta.notes],
  };
}
