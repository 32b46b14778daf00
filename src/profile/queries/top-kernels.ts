// top-kernels: kernels grouped by short name, ranked by total GPU time.
import type { ProfileModel } from '../../core/profile.js';
import { ms, pct, table } from './format.js';
import type { QueryDef } from './query-def.js';
import { LIMIT_PARAM, intArg, nameOf, numArg, percentile, requireGpu, round } from './util.js';

export interface TopKernelRow {
  name: string;
  count: number;
  totalNs: number;
  meanNs: number;
  p50Ns: number;
  p99Ns: number;
  minNs: number;
  maxNs: number;
  /** share of all kernel time (in scope) */
  sharePct: number;
}

export interface TopKernelsResult {
  /** null = all devices */
  deviceId: number | null;
  kernelCount: number;
  kernelTimeNs: number;
  distinctNames: number;
  kernels: TopKernelRow[];
}

/** Per short-name id: kernel count and total duration (one scan). */
export interface KernelTotals {
  count: Float64Array;
  totalNs: Float64Array;
  kernelCount: number;
  kernelTimeNs: number;
}

export function kernelTotals(model: ProfileModel, deviceId: number | null = null): KernelTotals {
  const k = model.kernels;
  const count = new Float64Array(model.strings.length);
  const totalNs = new Float64Array(model.strings.length);
  let kernelCount = 0;
  let kernelTimeNs = 0;
  const { start, end, nameId, deviceId: dev } = k;
  for (let i = 0, n = k.length; i < n; i++) {
    if (deviceId !== null && dev[i] !== deviceId) continue;
    const d = end[i]! - start[i]!;
    const id = nameId[i]!;
    count[id]!++;
    totalNs[id]! += d;
    kernelCount++;
    kernelTimeNs += d;
  }
  return { count, totalNs, kernelCount, kernelTimeNs };
}

/** The `limit` name ids with the largest total time (ties: more calls, then lower id). */
export function topNameIds(totals: KernelTotals, limit: number): number[] {
  const ids: number[] = [];
  for (let id = 0; id < totals.count.length; id++) if (totals.count[id]! > 0) ids.push(id);
  ids.sort((a, b) => totals.totalNs[b]! - totals.totalNs[a]! || totals.count[b]! - totals.count[a]! || a - b);
  return ids.slice(0, limit);
}

/** Rows for the given name ids, with percentiles from one more scan over the kernels of those names. */
export function kernelRows(model: ProfileModel, totals: KernelTotals, ids: number[], deviceId: number | null = null): TopKernelRow[] {
  const slot = new Int32Array(model.strings.length).fill(-1);
  ids.forEach((id, i) => (slot[id] = i));
  const durs = ids.map((id) => new Float64Array(totals.count[id]!));
  const fill = new Int32Array(ids.length);
  const k = model.kernels;
  if (ids.length > 0) {
    const { start, end, nameId, deviceId: dev } = k;
    for (let i = 0, n = k.length; i < n; i++) {
      if (deviceId !== null && dev[i] !== deviceId) continue;
      const s = slot[nameId[i]!]!;
      if (s < 0) continue;
      durs[s]![fill[s]!++] = end[i]! - start[i]!;
    }
  }
  return ids.map((id, s) => {
    const d = durs[s]!.sort();
    const count = totals.count[id]!;
    const total = totals.totalNs[id]!;
    return {
      name: nameOf(model, id),
      count,
      totalNs: total,
      meanNs: round(total / count, 1),
      p50Ns: round(percentile(d, 50), 1),
      p99Ns: round(percentile(d, 99), 1),
      minNs: d.length ? d[0]! : 0,
      maxNs: d.length ? d[d.length - 1]! : 0,
      sharePct: totals.kernelTimeNs > 0 ? round((100 * total) / totals.kernelTimeNs, 2) : 0,
    };
  });
}

export function topKernels(model: ProfileModel, opts: { limit?: number; deviceId?: number | null } = {}): TopKernelsResult {
  const deviceId = opts.deviceId ?? null;
  const totals = kernelTotals(model, deviceId);
  let distinctNames = 0;
  for (let id = 0; id < totals.count.length; id++) if (totals.count[id]! > 0) distinctNames++;
  const ids = topNameIds(totals, opts.limit ?? 20);
  return {
    deviceId,
    kernelCount: totals.kernelCount,
    kernelTimeNs: totals.kernelTimeNs,
    distinctNames,
    kernels: kernelRows(model, totals, ids, deviceId),
  };
}

export function formatTopKernels(r: TopKernelsResult): string {
  const head = `${r.kernelCount} kernels, ${r.distinctNames} distinct names, ${ms(r.kernelTimeNs)} kernel time` +
    (r.deviceId === null ? '' : ` on device ${r.deviceId}`);
  return `${head}\n${table(
    ['kernel', 'count', 'total ms', 'mean µs', 'p50 µs', 'p99 µs', 'share'],
    r.kernels.map((k) => [k.name, k.count, round(k.totalNs / 1e6, 3), round(k.meanNs / 1e3, 2), round(k.p50Ns / 1e3, 2), round(k.p99Ns / 1e3, 2), pct(k.sharePct)]),
  )}`;
}

export const topKernelsQuery: QueryDef<TopKernelsResult> = {
  name: 'top-kernels',
  description: 'Kernels grouped by short name, ranked by total GPU time: count, total, mean, p50, p99, share of kernel time',
  params: [LIMIT_PARAM, { name: 'deviceId', type: 'number', description: 'only this GPU (default: all)' }],
  run(model, args) {
    requireGpu(model, 'top-kernels');
    const dev = args.deviceId === undefined ? null : numArg(args, 'deviceId', 0);
    return topKernels(model, { limit: intArg(args, 'limit', 20, 1), deviceId: dev });
  },
  format: (r) => formatTopKernels(r),
};
