// nccl: communication kernels (name contains "nccl") by collective, and how much of their time overlaps
// compute kernels on other streams of the same device (overlapped) versus runs alone (exposed).
import type { ProfileModel } from '../../core/profile.js';
import { keyValues, pct, table } from './format.js';
import type { QueryDef } from './query-def.js';
import {
  type Intervals, LIMIT_PARAM, intArg, mergeByDevice, nameFlags, overlapLength, requireGpu, round, startOrder, totalLength,
} from './util.js';

export interface NcclCollective {
  /** AllReduce, AllGather, ReduceScatter, Broadcast, Reduce, SendRecv, AllToAll, … or Other */
  collective: string;
  count: number;
  totalNs: number;
  meanNs: number;
  overlappedNs: number;
  exposedNs: number;
  overlapPct: number;
}

export interface NcclDevice {
  deviceId: number;
  count: number;
  totalNs: number;
  overlappedNs: number;
  exposedNs: number;
  computeNs: number;
}

export interface NcclResult {
  kernels: number;
  totalNs: number;
  overlappedNs: number;
  exposedNs: number;
  overlapPct: number;
  /** share of all kernel time spent in NCCL kernels */
  ncclSharePct: number;
  collectives: NcclCollective[];
  devices: NcclDevice[];
}

const COLLECTIVES: Array<[RegExp, string]> = [
  [/all_?reduce/i, 'AllReduce'], [/all_?gather/i, 'AllGather'], [/reduce_?scatter/i, 'ReduceScatter'],
  [/all_?to_?all/i, 'AllToAll'], [/broadcast|bcast/i, 'Broadcast'], [/send_?recv/i, 'SendRecv'],
  [/reduce/i, 'Reduce'], [/send/i, 'Send'], [/recv/i, 'Recv'], [/gather/i, 'Gather'], [/scatter/i, 'Scatter'],
];

/** Collective type from an NCCL kernel name (ncclKernel_AllReduce_RING_LL_Sum_float, ncclDevKernel_AllGather_…). */
export function collectiveOf(name: string): string {
  for (const [re, c] of COLLECTIVES) if (re.test(name)) return c;
  return 'Other';
}

export const isNcclName = (name: string): boolean => /nccl/i.test(name);

export function ncclStats(model: ProfileModel, opts: { limit?: number } = {}): NcclResult {
  const k = model.kernels;
  const { start, end, nameId, deviceId } = k;
  const isNccl = nameFlags(model, isNcclName);
  const order = startOrder(start);
  // compute (non-NCCL) busy intervals per device, one pass
  const compute = mergeByDevice(start, end, deviceId, order, (r) => isNccl(nameId[r]!));
  const coll = new Map<string, NcclCollective>();
  const byDevice = new Map<number, NcclDevice>();
  const none: Intervals = { length: 0, start: new Float64Array(0), end: new Float64Array(0) };
  let allKernelNs = 0;
  for (let r = 0, n = k.length; r < n; r++) {
    const s = start[r]!;
    const e = end[r]!;
    const d = e - s;
    allKernelNs += d;
    if (!isNccl(nameId[r]!)) continue;
    const dev = deviceId[r]!;
    // compute kernels on the NCCL kernel's own stream cannot run concurrently with it: any overlap is with other streams
    const ov = overlapLength(compute.get(dev) ?? none, s, e);
    const name = collectiveOf(model.strings[nameId[r]!] ?? '');
    let c = coll.get(name);
    if (!c) coll.set(name, (c = { collective: name, count: 0, totalNs: 0, meanNs: 0, overlappedNs: 0, exposedNs: 0, overlapPct: 0 }));
    c.count++;
    c.totalNs += d;
    c.overlappedNs += ov;
    c.exposedNs += d - ov;
    let x = byDevice.get(dev);
    if (!x) {
      byDevice.set(dev, (x = { deviceId: dev, count: 0, totalNs: 0, overlappedNs: 0, exposedNs: 0, computeNs: totalLength(compute.get(dev) ?? none) }));
    }
    x.count++;
    x.totalNs += d;
    x.overlappedNs += ov;
    x.exposedNs += d - ov;
  }
  const devices = [...byDevice.values()].sort((a, b) => a.deviceId - b.deviceId);
  const collectives = [...coll.values()].sort((x, y) => y.totalNs - x.totalNs).slice(0, opts.limit ?? 20);
  for (const c of collectives) {
    c.meanNs = round(c.totalNs / c.count, 1);
    c.overlapPct = c.totalNs > 0 ? round((100 * c.overlappedNs) / c.totalNs, 2) : 0;
  }
  const totalNs = devices.reduce((s, d) => s + d.totalNs, 0);
  const overlappedNs = devices.reduce((s, d) => s + d.overlappedNs, 0);
  return {
    kernels: devices.reduce((s, d) => s + d.count, 0),
    totalNs,
    overlappedNs,
    exposedNs: totalNs - overlappedNs,
    overlapPct: totalNs > 0 ? round((100 * overlappedNs) / totalNs, 2) : 0,
    ncclSharePct: allKernelNs > 0 ? round((100 * totalNs) / allKernelNs, 2) : 0,
    collectives,
    devices: devices.slice(0, opts.limit ?? 20),
  };
}

export function formatNccl(r: NcclResult): string {
  if (r.kernels === 0) return 'no NCCL kernels in this profile';
  const head = keyValues([
    ['NCCL kernels', `${r.kernels} (${round(r.totalNs / 1e6, 3)} ms, ${pct(r.ncclSharePct)} of kernel time)`],
    ['overlapped with compute', `${round(r.overlappedNs / 1e6, 3)} ms = ${pct(r.overlapPct)}`],
    ['exposed', `${round(r.exposedNs / 1e6, 3)} ms`],
  ]);
  const c = table(['collective', 'count', 'total ms', 'mean µs', 'overlapped ms', 'exposed ms', 'overlap'],
    r.collectives.map((x) => [x.collective, x.count, round(x.totalNs / 1e6, 3), round(x.meanNs / 1e3, 2), round(x.overlappedNs / 1e6, 3), round(x.exposedNs / 1e6, 3), pct(x.overlapPct)]));
  const d = table(['device', 'count', 'total ms', 'overlapped ms', 'exposed ms', 'compute ms'],
    r.devices.map((x) => [x.deviceId, x.count, round(x.totalNs / 1e6, 3), round(x.overlappedNs / 1e6, 3), round(x.exposedNs / 1e6, 3), round(x.computeNs / 1e6, 3)]));
  return `${head}\n\n${c}\n\n${d}`;
}

export const ncclQuery: QueryDef<NcclResult> = {
  name: 'nccl',
  description: 'NCCL kernels by collective, with their overlap with compute kernels on other streams (overlapped vs exposed time)',
  params: [LIMIT_PARAM],
  run(model, args) {
    requireGpu(model, 'nccl');
    return ncclStats(model, { limit: intArg(args, 'limit', 20, 1) });
  },
  format: (r) => formatNccl(r),
};
