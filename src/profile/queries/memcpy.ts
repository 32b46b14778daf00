// memcpy: copies by direction and host memory kind (pageable vs pinned): count, bytes, time, achieved
// bandwidth, per iteration; the share of tiny copies; which were issued by a synchronous API; memsets.
import type { ProfileModel } from '../../core/profile.js';
import { CopyKind, MemKind } from '../../core/profile.js';
import { bytes as fmtBytes, keyValues, pct, table } from './format.js';
import { detectIterations, sumByIteration } from './iterations.js';
import type { QueryDef } from './query-def.js';
import {
  COPY_KIND_NAMES, LIMIT_PARAM, MEM_KIND_NAMES, intArg, nameFlags, numArg, round, runtimeRowsFor, spread,
} from './util.js';

export interface MemcpyGroup {
  /** HtoD, DtoH, DtoD, HtoH, PtoP, Unknown */
  kind: string;
  /** host-side memory: Pageable, Pinned, Managed, Device (DtoD), Unknown */
  hostMemory: string;
  count: number;
  bytes: number;
  totalNs: number;
  /** bytes / time; GB/s = bytes per ns */
  bandwidthGBps: number;
  tinyCount: number;
  /** issued by a synchronous API (cudaMemcpy, not …Async), when the runtime call is known */
  syncCount: number;
}

export interface MemcpyResult {
  count: number;
  bytes: number;
  totalNs: number;
  bandwidthGBps: number;
  tinyThresholdBytes: number;
  tinyCount: number;
  tinyPct: number;
  pageableCount: number;
  pinnedCount: number;
  syncCount: number;
  groups: MemcpyGroup[];
  iterationMethod: string;
  iterationCount: number;
  copiesPerIterationMean: number;
  bytesPerIterationMean: number;
  msPerIterationMean: number;
  memsetCount: number;
  memsetBytes: number;
  memsetNs: number;
}

/** The host side of a copy: source for HtoD, destination for DtoH, else whichever is host memory. */
export function hostMemKind(copyKind: number, src: number, dst: number): number {
  if (copyKind === CopyKind.HtoD) return src;
  if (copyKind === CopyKind.DtoH) return dst;
  if (copyKind === CopyKind.DtoD || copyKind === CopyKind.PtoP) return MemKind.Device;
  return src === MemKind.Pageable || dst === MemKind.Pageable ? MemKind.Pageable : src;
}

export function memcpyStats(model: ProfileModel, opts: { tinyBytes?: number; limit?: number } = {}): MemcpyResult {
  const tinyBytes = opts.tinyBytes ?? 64 * 1024;
  const m = model.memcpy;
  const { start, end, bytes, copyKind, srcKind, dstKind } = m;
  // copies issued by a synchronous API (cudaMemcpy, cuMemcpyHtoD…, not …Async)
  const syncCall = runtimeRowsFor(model, m, nameFlags(model, (n) => /memcpy/i.test(n) && !/Async/.test(n)));
  const groups = new Map<number, MemcpyGroup>();
  let count = 0;
  let totalBytes = 0;
  let totalNs = 0;
  let tiny = 0;
  let pageable = 0;
  let pinned = 0;
  let syncCount = 0;
  for (let i = 0; i < m.length; i++) {
    const kind = copyKind[i]!;
    const host = hostMemKind(kind, srcKind[i]!, dstKind[i]!);
    const key = kind * 16 + host;
    let g = groups.get(key);
    if (!g) {
      groups.set(key, (g = {
        kind: COPY_KIND_NAMES[kind] ?? 'Unknown', hostMemory: MEM_KIND_NAMES[host] ?? 'Unknown',
        count: 0, bytes: 0, totalNs: 0, bandwidthGBps: 0, tinyCount: 0, syncCount: 0,
      }));
    }
    const d = end[i]! - start[i]!;
    const b = bytes[i]!;
    g.count++;
    g.bytes += b;
    g.totalNs += d;
    count++;
    totalBytes += b;
    totalNs += d;
    if (b < tinyBytes) {
      g.tinyCount++;
      tiny++;
    }
    if (host === MemKind.Pageable) pageable++;
    if (host === MemKind.Pinned) pinned++;
    if (syncCall[i]! >= 0) {
      g.syncCount++;
      syncCount++;
    }
  }
  for (const g of groups.values()) g.bandwidthGBps = g.totalNs > 0 ? round(g.bytes / g.totalNs, 3) : 0;
  const it = detectIterations(model);
  const per = (w: (i: number) => number) => spread(sumByIteration(it.iterations, m.start, m.length, w)).mean;
  const ms = model.memset;
  let memsetBytes = 0;
  let memsetNs = 0;
  for (let i = 0, n = ms.length; i < n; i++) {
    memsetBytes += ms.bytes[i]!;
    memsetNs += ms.end[i]! - ms.start[i]!;
  }
  return {
    count, bytes: totalBytes, totalNs,
    bandwidthGBps: totalNs > 0 ? round(totalBytes / totalNs, 3) : 0,
    tinyThresholdBytes: tinyBytes, tinyCount: tiny, tinyPct: count ? round((100 * tiny) / count, 2) : 0,
    pageableCount: pageable, pinnedCount: pinned, syncCount,
    groups: [...groups.values()].sort((a, b) => b.totalNs - a.totalNs).slice(0, opts.limit ?? 20),
    iterationMethod: it.method,
    iterationCount: it.iterations.length,
    copiesPerIterationMean: round(per(() => 1), 2),
    bytesPerIterationMean: round(per((i) => bytes[i]!), 0),
    msPerIterationMean: round(per((i) => end[i]! - start[i]!) / 1e6, 3),
    memsetCount: ms.length, memsetBytes, memsetNs,
  };
}

export function formatMemcpy(r: MemcpyResult): string {
  const head = keyValues([
    ['copies', `${r.count} (${fmtBytes(r.bytes)}, ${round(r.totalNs / 1e6, 3)} ms, ${r.bandwidthGBps} GB/s)`],
    ['pageable / pinned', `${r.pageableCount} / ${r.pinnedCount}`],
    [`tiny (< ${fmtBytes(r.tinyThresholdBytes)})`, `${r.tinyCount} = ${pct(r.tinyPct)}`],
    ['from synchronous APIs', r.syncCount],
    ['per iteration', r.iterationCount ? `${r.copiesPerIterationMean} copies, ${fmtBytes(r.bytesPerIterationMean)}, ${r.msPerIterationMean} ms (${r.iterationCount} iterations, ${r.iterationMethod})` : 'no iterations detected'],
    ['memsets', `${r.memsetCount} (${fmtBytes(r.memsetBytes)}, ${round(r.memsetNs / 1e6, 3)} ms)`],
  ]);
  return `${head}\n\n${table(['kind', 'host memory', 'count', 'bytes', 'total ms', 'GB/s', 'tiny', 'sync'],
    r.groups.map((g) => [g.kind, g.hostMemory, g.count, fmtBytes(g.bytes), round(g.totalNs / 1e6, 3), g.bandwidthGBps, g.tinyCount, g.syncCount]))}`;
}

export const memcpyQuery: QueryDef<MemcpyResult> = {
  name: 'memcpy',
  description: 'Memory copies by kind (HtoD/DtoH/DtoD…) and pageable vs pinned: count, bytes, time, bandwidth, per iteration, tiny copies',
  params: [LIMIT_PARAM, { name: 'tinyBytes', type: 'number', description: 'copies smaller than this are tiny (latency-bound)', default: 65536 }],
  run: (model, args) => memcpyStats(model, { tinyBytes: numArg(args, 'tinyBytes', 65536), limit: intArg(args, 'limit', 20, 1) }),
  format: (r) => formatMemcpy(r),
};
