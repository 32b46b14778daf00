// Per-step metrics: for every detected iteration, the step time and what it was spent on (kernels by name,
// copies, syncs, NCCL, GPU idle), plus the attribution of GPU time to the bottleneck categories C1–C7.
// Feeds `steps` (outlier steps), `mfu` (per-step MFU) and the profile diff. One pass per event table.
//
// Category attribution (per step, ms; an attribution of causes, not a partition of the step):
//   C3  synchronization: GPU idle while a sync call waits plus idle right after it returns (sync query)
//   C4  memory copy:     GPU time of memcpy rows
//   C5  compute waste:   GPU time of copy/fill/cat/contiguous-style kernels plus memsets
//   C6  communication:   NCCL kernel time not overlapped by compute kernels on the same device (exposed)
//   C2  launch overhead: GPU idle in gaps shorter than SMALL_GAP_NS (the GPU starved between back-to-back launches)
//   C1/C7 host-bound:    GPU idle in longer gaps, less what C3 already explains (data loading / Python pipeline)
// Idle is the mean over the devices with GPU work.
import type { ProfileModel } from '../../core/profile.js';
import { type Iteration, detectIterations } from './iterations.js';
import { isNcclName } from './nccl.js';
import { syncCalls } from './sync.js';
import {
  type Intervals, NS_PER_US, correlationIndex, deviceBusy, lookupCorrelation, mergeByDevice, nameFlags, overlapLength, startOrder,
} from './util.js';

export const SMALL_GAP_NS = 50 * NS_PER_US;

export const CATEGORY_IDS = ['C1/C7', 'C2', 'C3', 'C4', 'C5', 'C6'] as const;
export type CategoryId = (typeof CATEGORY_IDS)[number];
export const CATEGORY_NAMES: Record<CategoryId, string> = {
  'C1/C7': 'host-bound GPU idle (data loading, Python)',
  C2: 'launch-bound GPU idle (short gaps)',
  C3: 'synchronization (GPU idle around sync calls)',
  C4: 'memory copies (GPU time)',
  C5: 'copy/fill kernels and memsets (GPU time)',
  C6: 'exposed NCCL communication',
};

/** Kernels that move or fill memory rather than compute: candidates for C5 (redundant copies, cat, contiguous). */
export const isCopyFillKernel = (name: string): boolean =>
  /copy_kernel|direct_copy|CatArray|cat_|catArray|contiguous|fill_kernel|FillFunctor|zero_|memcpy|memset/i.test(name) && !isNcclName(name);

export interface StepMetrics {
  method: string;
  /** the step windows used for GPU work (and step time): GPU-projected when the steps are CPU-side ranges */
  iterations: Iteration[];
  /** how the step windows were placed on the GPU timeline */
  basis: 'gpu-projected' | 'cpu-ranges' | 'gpu-kernels' | 'given';
  /** devices with GPU work */
  gpuCount: number;
  durationNs: Float64Array;
  kernelNs: Float64Array;
  kernelCount: Float64Array;
  memcpyNs: Float64Array;
  memcpyCount: Float64Array;
  memcpyBytes: Float64Array;
  memsetNs: Float64Array;
  syncNs: Float64Array;
  syncCount: Float64Array;
  ncclNs: Float64Array;
  ncclExposedNs: Float64Array;
  /** GPU idle within the step (mean over devices), split by gap length */
  idleNs: Float64Array;
  smallGapNs: Float64Array;
  categories: Record<CategoryId, Float64Array>;
  /** per-step kernel time of the `trackedNames` costliest names (by whole-profile time) */
  kernelNames: string[];
  kernelPerStep: Float64Array[];
  /** whole profile, by kernel name: total ns and count (all names, steps or not) */
  kernelTotals: Map<string, { totalNs: number; count: number }>;
}

export interface StepMetricsOptions {
  iterations?: Iteration[];
  method?: string;
  /** how many kernel names get per-step series (default 64) */
  trackedNames?: number;
}

const cache = new WeakMap<ProfileModel, StepMetrics>();

/** Index of the step containing t (binary search over the step starts), -1 outside every step. */
export function stepLocator(its: Iteration[]): (t: number) => number {
  const starts = Float64Array.from(its, (i) => i.startNs);
  return (t: number) => {
    let lo = 0;
    let hi = starts.length - 1;
    if (hi < 0 || t < starts[0]!) return -1;
    while (lo < hi) {
      const mid = (lo + hi + 1) >> 1;
      if (starts[mid]! <= t) lo = mid;
      else hi = mid - 1;
    }
    return t < its[lo]!.endNs ? lo : -1;
  };
}

export function stepMetrics(model: ProfileModel, opts: StepMetricsOptions = {}): StepMetrics {
  const useCache = !opts.iterations && opts.trackedNames === undefined;
  if (useCache) {
    const c = cache.get(model);
    if (c) return c;
  }
  const det = opts.iterations ? { method: opts.method ?? 'given', iterations: opts.iterations } : detectIterations(model);
  const cpuIts = det.iterations;
  const projected = det.method === 'nvtx' ? projectToGpu(model, cpuIts) : undefined;
  const its = projected ?? cpuIts;
  const basis: StepMetrics['basis'] = projected ? 'gpu-projected' : det.method === 'nvtx' ? 'cpu-ranges' : det.method === 'kernel-period' ? 'gpu-kernels' : 'given';
  const n = its.length;
  const z = () => new Float64Array(n);
  const m: StepMetrics = {
    method: det.method, iterations: its, basis, gpuCount: 0,
    durationNs: Float64Array.from(its, (i) => i.endNs - i.startNs),
    kernelNs: z(), kernelCount: z(), memcpyNs: z(), memcpyCount: z(), memcpyBytes: z(), memsetNs: z(), syncNs: z(), syncCount: z(),
    ncclNs: z(), ncclExposedNs: z(), idleNs: z(), smallGapNs: z(),
    categories: Object.fromEntries(CATEGORY_IDS.map((c) => [c, z()])) as Record<CategoryId, Float64Array>,
    kernelNames: [], kernelPerStep: [], kernelTotals: new Map(),
  };
  const stepOf = stepLocator(its);
  const cpuStepOf = projected ? stepLocator(cpuIts) : stepOf;
  const cat = m.categories;

  // kernels: totals per name id, per-step sums, NCCL exposure, C5
  const k = model.kernels;
  const S = model.strings.length;
  const totalById = new Float64Array(S);
  const countById = new Float64Array(S);
  const isNccl = nameFlags(model, isNcclName);
  const isCopyFill = nameFlags(model, isCopyFillKernel);
  const none: Intervals = { length: 0, start: new Float64Array(0), end: new Float64Array(0) };
  let compute: Map<number, Intervals> | undefined;
  const kStep = new Int32Array(k.length);
  for (let r = 0; r < k.length; r++) {
    const s = k.start[r]!;
    const d = k.end[r]! - s;
    const id = k.nameId[r]!;
    totalById[id]! += d;
    countById[id]!++;
    const j = (kStep[r] = stepOf(s));
    if (j < 0) continue;
    m.kernelNs[j]! += d;
    m.kernelCount[j]!++;
    if (isCopyFill(id)) cat.C5[j]! += d;
    if (isNccl(id)) {
      compute ??= mergeByDevice(k.start, k.end, k.deviceId, startOrder(k.start), (x) => isNccl(k.nameId[x]!));
      m.ncclNs[j]! += d;
      const exposed = d - overlapLength(compute.get(k.deviceId[r]!) ?? none, s, k.end[r]!);
      m.ncclExposedNs[j]! += exposed;
      cat.C6[j]! += exposed;
    }
  }
  for (let id = 0; id < S; id++) if (countById[id]! > 0) m.kernelTotals.set(model.strings[id]!, { totalNs: totalById[id]!, count: countById[id]! });
  // per-step series for the costliest names
  const tracked = Math.max(0, opts.trackedNames ?? 64);
  const ids: number[] = [];
  for (let id = 0; id < S; id++) if (countById[id]! > 0) ids.push(id);
  ids.sort((a, b) => totalById[b]! - totalById[a]!);
  const top = ids.slice(0, tracked);
  const slot = new Int32Array(S).fill(-1);
  top.forEach((id, i) => (slot[id] = i));
  m.kernelNames = top.map((id) => model.strings[id]!);
  m.kernelPerStep = top.map(() => z());
  if (n > 0 && top.length) {
    for (let r = 0; r < k.length; r++) {
      const j = kStep[r]!;
      const sl = slot[k.nameId[r]!]!;
      if (j >= 0 && sl >= 0) m.kernelPerStep[sl]![j]! += k.end[r]! - k.start[r]!;
    }
  }

  // copies and memsets: each row that starts in a step, with its step and duration
  const inSteps = (t: { length: number; start: Float64Array; end: Float64Array }, add: (r: number, j: number, d: number) => void) => {
    for (let r = 0; r < t.length; r++) {
      const j = stepOf(t.start[r]!);
      if (j >= 0) add(r, j, t.end[r]! - t.start[r]!);
    }
  };
  inSteps(model.memcpy, (r, j, d) => {
    m.memcpyNs[j]! += d;
    m.memcpyCount[j]!++;
    m.memcpyBytes[j]! += model.memcpy.bytes[r]!;
    cat.C4[j]! += d;
  });
  inSteps(model.memset, (_r, j, d) => {
    m.memsetNs[j]! += d;
    cat.C5[j]! += d;
  });

  // syncs: call time and the GPU idle they cause
  if (n > 0) {
    for (const call of syncCalls(model)) {
      const j = cpuStepOf(call.startNs);
      if (j < 0) continue;
      m.syncNs[j]! += call.durationNs;
      m.syncCount[j]!++;
      cat.C3[j]! += call.idleWhileNs + call.idleAfterNs;
    }
  }

  // GPU idle per step, mean over devices; short gaps (launch-bound) vs long ones
  const busy = deviceBusy(model);
  m.gpuCount = busy.length;
  if (n > 0 && busy.length) {
    for (const b of busy) addIdle(b.busy, its, m.idleNs, m.smallGapNs, 1 / busy.length);
    for (let j = 0; j < n; j++) {
      cat.C2[j] = m.smallGapNs[j]!;
      cat['C1/C7'][j] = Math.max(0, m.idleNs[j]! - m.smallGapNs[j]! - cat.C3[j]!);
    }
  }
  if (useCache) cache.set(model, m);
  return m;
}

/**
 * Step ranges recorded on a CPU thread (NVTX, ProfilerStep#N) say when the host issued a step, not when the GPU
 * ran it: with asynchronous launches the GPU lags behind. The GPU-projected step k runs from the first GPU op
 * launched (by correlation id) during CPU step k to the first one of step k+1; the last ends at its last op's
 * end. Undefined when some step launched no GPU work or the runtime rows do not correlate.
 */
export function projectToGpu(model: ProfileModel, its: Iteration[]): Iteration[] | undefined {
  const n = its.length;
  const rt = model.runtime;
  if (n === 0 || rt.length === 0) return undefined;
  const cpuStep = stepLocator(its);
  const corr = correlationIndex(rt);
  const first = new Float64Array(n).fill(Infinity);
  const last = new Float64Array(n).fill(-Infinity);
  for (const t of [model.kernels, model.memcpy, model.memset]) {
    for (let r = 0; r < t.length; r++) {
      const x = lookupCorrelation(corr, t.correlationId[r]!, t.pid[r]!);
      if (x < 0) continue;
      const j = cpuStep(rt.start[x]!);
      if (j < 0) continue;
      if (t.start[r]! < first[j]!) first[j] = t.start[r]!;
      if (t.end[r]! > last[j]!) last[j] = t.end[r]!;
    }
  }
  const out: Iteration[] = [];
  for (let j = 0; j < n; j++) {
    if (!Number.isFinite(first[j]!)) return undefined;
    const end = j + 1 < n ? first[j + 1]! : last[j]!;
    if (j + 1 < n && !(Number.isFinite(end) && end > first[j]!)) return undefined;
    out.push({ index: its[j]!.index, startNs: first[j]!, endNs: Math.max(end, first[j]! + 1) });
  }
  return out;
}

/** Adds weight × (idle of each window) to idle[], and the part of it in gaps < SMALL_GAP_NS to small[]. */
function addIdle(iv: Intervals, its: Iteration[], idle: Float64Array, small: Float64Array, weight: number): void {
  for (let j = 0; j < its.length; j++) {
    const a = its[j]!.startNs;
    const b = its[j]!.endNs;
    idle[j]! += weight * (b - a - overlapLength(iv, a, b));
  }
  // gaps between consecutive busy intervals, clipped to the windows (both ascending: one merge walk)
  let w = 0;
  for (let i = 0; i + 1 < iv.length; i++) {
    const gs = iv.end[i]!;
    const ge = iv.start[i + 1]!;
    if (ge - gs >= SMALL_GAP_NS) continue;
    while (w < its.length && its[w]!.endNs <= gs) w++;
    for (let x = w; x < its.length && its[x]!.startNs < ge; x++) {
      const lo = Math.max(gs, its[x]!.startNs);
      const hi = Math.min(ge, its[x]!.endNs);
      if (hi > lo) small[x]! += weight * (hi - lo);
    }
  }
}
