// launch: kernel launch statistics — launch API time vs kernel time, queue delay (kernel start − launch
// call start, joined on correlationId), share of tiny kernels, launches per iteration, and the share of
// GPU time the device sat idle waiting for the CPU to launch its next kernel (GPU-starved).
import type { ProfileModel } from '../../core/profile.js';
import { graphReplays } from '../graphs/replays.js';
import { keyValues, pct, table } from './format.js';
import { detectIterations, sumByIteration } from './iterations.js';
import type { QueryDef } from './query-def.js';
import {
  LIMIT_PARAM, NS_PER_US, apiName, correlationIndex, deviceBusy, intArg, lastAtOrBefore, lookupCorrelation,
  nameFlags, numArg, percentile, requireGpu, round, spread, stripApiSuffix,
} from './util.js';

export interface LaunchApiRow {
  name: string;
  count: number;
  totalNs: number;
  meanNs: number;
}

export interface LaunchResult {
  launchCalls: number;
  launchApiNs: number;
  kernelCount: number;
  kernelNs: number;
  /** launch API time / kernel time: ≥ 1 means the CPU spends longer launching than the GPU computing */
  launchToKernelRatio: number;
  meanLaunchNs: number;
  meanKernelNs: number;
  /** kernels joined to their launch call by correlationId */
  matchedKernels: number;
  queueDelayMeanNs: number;
  queueDelayP50Ns: number;
  queueDelayP99Ns: number;
  tinyThresholdNs: number;
  /**
   * Kernels run by CUDA/HIP graph replays: one launch call runs them all, so they pay no launch overhead each and
   * are left out of the tiny-kernel counts and of the GPU time starved by launches (a replay's first node is
   * still starved when its graph launch came late).
   */
  graphKernelCount: number;
  graphKernelPct: number;
  /** tiny kernels among those launched one by one */
  tinyKernelCount: number;
  tinyKernelPct: number;
  tinyKernelTimePct: number;
  iterationMethod: string;
  iterationCount: number;
  launchesPerIterationMean: number;
  launchesPerIterationMedian: number;
  /** GPU idle time ending in a kernel whose launch call began after the GPU went idle */
  launchBoundIdleNs: number;
  /** GPU-active span summed over devices */
  spanNs: number;
  /** launchBoundIdleNs / spanNs */
  gpuStarvedPct: number;
  apis: LaunchApiRow[];
}

/** Kernel and graph launch calls of the CUDA runtime/driver and of HIP (ROCm traces: hipLaunchKernel,
 * hipExtModuleLaunchKernel for Triton/hipBLASLt kernels, hipGraphLaunch). */
export const LAUNCH_API =
  /^(?:(?:cuda|cu|hip)(?:LaunchKernel|LaunchKernelEx|LaunchKernelExC|LaunchCooperativeKernel|LaunchCooperativeKernelMultiDevice|GraphLaunch|ModuleLaunchKernel)|hip(?:ExtModuleLaunchKernel|ExtLaunchKernel|ExtLaunchKernelGGL|HccModuleLaunchKernel|LaunchKernelGGL))$/;

export function launchStats(model: ProfileModel, opts: { tinyUs?: number; limit?: number } = {}): LaunchResult {
  const tinyNs = (opts.tinyUs ?? 10) * NS_PER_US;
  const rt = model.runtime;
  const { start: rtStart, end: rtEnd, nameId: rtName } = rt;
  const isLaunch = nameFlags(model, (s) => LAUNCH_API.test(stripApiSuffix(s)));
  const perApi = new Map<number, { count: number; total: number }>();
  let launchCalls = 0;
  let launchApiNs = 0;
  for (let i = 0, n = rt.length; i < n; i++) {
    const id = rtName[i]!;
    if (!isLaunch(id)) continue;
    const d = rtEnd[i]! - rtStart[i]!;
    launchCalls++;
    launchApiNs += d;
    let a = perApi.get(id);
    if (!a) perApi.set(id, (a = { count: 0, total: 0 }));
    a.count++;
    a.total += d;
  }

  const k = model.kernels;
  const { start: kStart, end: kEnd, correlationId: kCorr, deviceId: kDev, pid: kPid } = k;
  const corr = correlationIndex(rt);
  const busy = new Map(deviceBusy(model).map((b) => [b.deviceId, { iv: b.busy, seen: new Uint8Array(b.busy.length) }]));
  const delays = new Float64Array(k.length);
  const { replayOfKernel, nodeOfKernel, graphKernels } = graphReplays(model);
  let matched = 0;
  let kernelNs = 0;
  let tiny = 0;
  let tinyNs2 = 0;
  let starvedNs = 0;
  for (let i = 0, n = k.length; i < n; i++) {
    const s = kStart[i]!;
    const d = kEnd[i]! - s;
    kernelNs += d;
    const inGraph = replayOfKernel[i]! >= 0;
    if (d < tinyNs && !inGraph) {
      tiny++;
      tinyNs2 += d;
    }
    const r = lookupCorrelation(corr, kCorr[i]!, kPid[i]!);
    if (r < 0 || !isLaunch(rtName[r]!)) continue;
    const launchStart = rtStart[r]!;
    delays[matched++] = s - launchStart;
    if (inGraph && nodeOfKernel[i]! > 0) continue;
    const b = busy.get(kDev[i]!);
    if (!b) continue;
    const j = lastAtOrBefore(b.iv.start, s, b.iv.length);
    if (j > 0 && b.iv.start[j] === s && !b.seen[j]) {
      b.seen[j] = 1;
      const idleFrom = b.iv.end[j - 1]!;
      if (launchStart >= idleFrom) starvedNs += s - idleFrom;
    }
  }
  const q = delays.subarray(0, matched).sort();
  let qsum = 0;
  for (let i = 0; i < q.length; i++) qsum += q[i]!;
  let spanNs = 0;
  for (const { iv } of busy.values()) if (iv.length) spanNs += iv.end[iv.length - 1]! - iv.start[0]!;

  const it = detectIterations(model);
  let perIter = { mean: 0, median: 0 };
  if (it.iterations.length > 0) {
    // iterations found on the GPU timeline count the kernels they hold (one launch each); CPU-side
    // (NVTX) iterations count the launch calls made inside them
    perIter = spread(it.method === 'kernel-period'
      ? sumByIteration(it.iterations, kStart, k.length, () => 1, (i) => kDev[i] === it.deviceId)
      : sumByIteration(it.iterations, rtStart, rt.length, () => 1, (i) => isLaunch(rtName[i]!)));
  }
  const apis = [...perApi].sort((a, b) => b[1].total - a[1].total).slice(0, opts.limit ?? 20)
    .map(([id, a]) => ({ name: apiName(model, id), count: a.count, totalNs: a.total, meanNs: round(a.total / a.count, 1) }));
  return {
    launchCalls, launchApiNs, kernelCount: k.length, kernelNs,
    launchToKernelRatio: kernelNs > 0 ? round(launchApiNs / kernelNs, 3) : 0,
    meanLaunchNs: launchCalls ? round(launchApiNs / launchCalls, 1) : 0,
    meanKernelNs: k.length ? round(kernelNs / k.length, 1) : 0,
    matchedKernels: matched,
    queueDelayMeanNs: matched ? round(qsum / matched, 1) : 0,
    queueDelayP50Ns: round(percentile(q, 50), 1),
    queueDelayP99Ns: round(percentile(q, 99), 1),
    tinyThresholdNs: tinyNs,
    graphKernelCount: graphKernels,
    graphKernelPct: k.length ? round((100 * graphKernels) / k.length, 2) : 0,
    tinyKernelCount: tiny,
    tinyKernelPct: k.length > graphKernels ? round((100 * tiny) / (k.length - graphKernels), 2) : 0,
    tinyKernelTimePct: kernelNs > 0 ? round((100 * tinyNs2) / kernelNs, 2) : 0,
    iterationMethod: it.method,
    iterationCount: it.iterations.length,
    launchesPerIterationMean: round(perIter.mean, 1),
    launchesPerIterationMedian: round(perIter.median, 1),
    launchBoundIdleNs: starvedNs,
    spanNs,
    gpuStarvedPct: spanNs > 0 ? round((100 * starvedNs) / spanNs, 2) : 0,
    apis,
  };
}

export function formatLaunch(r: LaunchResult): string {
  const head = keyValues([
    ['launch calls', r.launchCalls],
    ['launch API time', `${round(r.launchApiNs / 1e6, 3)} ms (mean ${round(r.meanLaunchNs / 1e3, 2)} µs)`],
    ['kernel time', `${round(r.kernelNs / 1e6, 3)} ms over ${r.kernelCount} kernels (mean ${round(r.meanKernelNs / 1e3, 2)} µs)`],
    ['launch / kernel time', r.launchToKernelRatio],
    ['queue delay', `p50 ${round(r.queueDelayP50Ns / 1e3, 2)} µs, p99 ${round(r.queueDelayP99Ns / 1e3, 2)} µs (${r.matchedKernels} kernels joined)`],
    [`tiny kernels (< ${r.tinyThresholdNs / 1e3} µs)`, `${r.tinyKernelCount} = ${pct(r.tinyKernelPct)} of kernels launched one by one, ${pct(r.tinyKernelTimePct)} of kernel time`],
    ['kernels in CUDA graphs', `${r.graphKernelCount} = ${pct(r.graphKernelPct)} of kernels (no launch overhead each)`],
    ['launches / iteration', r.iterationCount ? `${r.launchesPerIterationMean} mean, ${r.launchesPerIterationMedian} median (${r.iterationCount} iterations, ${r.iterationMethod})` : 'no iterations detected'],
    ['GPU starved by launches', `${pct(r.gpuStarvedPct)} of GPU span (${round(r.launchBoundIdleNs / 1e6, 3)} ms idle waiting for a launch)`],
  ]);
  return `${head}\n\n${table(['launch API', 'count', 'total ms', 'mean µs'], r.apis.map((a) => [a.name, a.count, round(a.totalNs / 1e6, 3), round(a.meanNs / 1e3, 2)]))}`;
}

export const launchQuery: QueryDef<LaunchResult> = {
  name: 'launch',
  description: 'Kernel launch statistics: launch API vs kernel time, queue delay, tiny kernels, launches per iteration, GPU starved by launches',
  params: [LIMIT_PARAM, { name: 'tinyUs', type: 'number', description: 'kernels shorter than this are tiny, µs', default: 10 }],
  run(model, args) {
    requireGpu(model, 'launch');
    return launchStats(model, { tinyUs: numArg(args, 'tinyUs', 10), limit: intArg(args, 'limit', 20, 1) });
  },
  format: (r) => formatLaunch(r),
};
