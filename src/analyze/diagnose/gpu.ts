// GPU-side findings from the profile alone: copies that fill the GPU's time (by direction, bytes, pinned or
// pageable), copies from pageable host memory, NCCL time not overlapped with compute, and GPU idle waiting
// for kernel launches.
import type { ProfileFinding } from '../../core/findings.js';
import { CopyKind, MemKind } from '../../core/profile.js';
import { launchStats } from '../../profile/queries/launch.js';
import { hostMemKind } from '../../profile/queries/memcpy.js';
import { ncclStats } from '../../profile/queries/nccl.js';
import { MEM_KIND_NAMES } from '../../profile/queries/util.js';
import { type DiagnoseContext, enough, finding, fmtBytes, fmtMs, r1, unionNs } from './context.js';
import { DIRECTION } from './sync.js';

interface Acc { iv: Array<[number, number]>; ns: number; bytes: number; count: number; byMem: Map<string, { count: number; bytes: number; ns: number }>; devices: Set<number> }

export function copyFindings(ctx: DiagnoseContext): ProfileFinding[] {
  const m = ctx.model.memcpy;
  const byDir = new Map<number, Acc>();
  const pageable = new Map<number, Acc>();
  const acc = (map: Map<number, Acc>, k: number): Acc => {
    let a = map.get(k);
    if (!a) map.set(k, (a = { iv: [], ns: 0, bytes: 0, count: 0, byMem: new Map(), devices: new Set() }));
    return a;
  };
  for (let i = 0; i < m.length; i++) {
    const s = m.start[i]!, e = m.end[i]!;
    const mem = hostMemKind(m.copyKind[i]!, m.srcKind[i]!, m.dstKind[i]!);
    const targets = [acc(byDir, m.copyKind[i]!)];
    if (mem === MemKind.Pageable) targets.push(acc(pageable, m.copyKind[i]!));
    for (const a of targets) {
      a.iv.push([s, e]); a.ns += e - s; a.bytes += m.bytes[i]!; a.count++; a.devices.add(m.deviceId[i]!);
      const memName = (MEM_KIND_NAMES[mem] ?? 'Unknown').toLowerCase();
      const b = a.byMem.get(memName) ?? { count: 0, bytes: 0, ns: 0 };
      b.count++; b.bytes += m.bytes[i]!; b.ns += e - s;
      a.byMem.set(memName, b);
    }
  }
  const out: ProfileFinding[] = [];
  for (const [kind, a] of byDir) {
    const wall = unionNs(a.iv);
    // copies that are all pageable get the pageable finding below, not a second one here
    if (!enough(ctx, wall) || (a.byMem.size === 1 && a.byMem.has('pageable'))) continue;
    const dir = DIRECTION[kind] ?? 'unknown direction';
    const perDev = a.devices.size > 1 ? ` (${fmtMs(a.ns / a.devices.size)} per GPU on ${a.devices.size} GPUs)` : '';
    const mems = [...a.byMem.entries()].sort((x, y) => y[1].ns - x[1].ns);
    const gbps = a.ns > 0 ? a.bytes / a.ns : 0;
    out.push(finding(ctx, {
      category: 'C4', pattern: 'profile.copies',
      title: `${cap(dir)} copies occupy the GPU ${fmtMs(wall)}: ${fmtBytes(a.bytes)} in ${a.count} copies${perDev}, ${mems.map(([k]) => k).join(' + ')} memory, ${gbps.toFixed(1)} GB/s`,
      subject: { kind: 'copies', name: `${dir} copies` }, ns: wall, count: a.count,
      evidence: [{
        kind: 'profile', query: 'memcpy',
        summary: mems.map(([k, b]) => `${k}: ${b.count} copies, ${fmtBytes(b.bytes)}, ${fmtMs(b.ns)} of GPU time`).join('; '),
        values: { copies: a.count, bytes: a.bytes, gpuMs: r1(a.ns / 1e6), gpus: a.devices.size, bandwidthGBps: r1(gbps) },
        ranges: a.iv.slice().sort((x, y) => (y[1] - y[0]) - (x[1] - x[0])).slice(0, 8),
      }],
    }));
  }
  for (const [kind, a] of pageable) {
    const wall = unionNs(a.iv);
    if (!enough(ctx, wall) || (kind !== CopyKind.HtoD && kind !== CopyKind.DtoH && kind !== CopyKind.HtoH)) continue;
    const dir = DIRECTION[kind] ?? 'unknown direction';
    out.push(finding(ctx, {
      category: 'C4', pattern: 'profile.pageable-copies',
      title: `${a.count} ${dir} copies from pageable host memory take ${fmtMs(wall)} (${fmtBytes(a.bytes)}): the driver stages them through a pinned buffer and they cannot overlap compute`,
      subject: { kind: 'copies', name: `pageable ${dir} copies` }, ns: wall, count: a.count,
      evidence: [{ kind: 'profile', query: 'memcpy', summary: `${a.count} pageable ${dir} copies, ${fmtBytes(a.bytes)}, mean ${fmtBytes(a.bytes / a.count)} per copy, ${fmtMs(a.ns)} of GPU time`,
        values: { copies: a.count, bytes: a.bytes, gpuMs: r1(a.ns / 1e6) }, ranges: a.iv.slice(0, 8) }],
    }));
  }
  return out;
}

export function ncclFinding(ctx: DiagnoseContext): ProfileFinding[] {
  const n = ncclStats(ctx.model, { limit: 5 });
  if (!n.kernels) return [];
  const devices = Math.max(1, n.devices.length);
  const ns = n.exposedNs / devices;
  if (!enough(ctx, ns)) return [];
  const top = n.collectives[0];
  return [finding(ctx, {
    category: 'C6', pattern: 'profile.nccl-exposed',
    title: `NCCL communication not overlapped with compute: ${fmtMs(ns)} per GPU (${n.overlapPct.toFixed(0)}% of ${fmtMs(n.totalNs / devices)} overlapped)${top ? `, mostly ${top.collective}` : ''}`,
    subject: { kind: 'nccl', name: top?.collective ?? 'NCCL' }, ns, count: n.kernels,
    evidence: [{ kind: 'profile', query: 'nccl', summary: n.collectives.map((c) => `${c.collective} ×${c.count}: ${fmtMs(c.totalNs)}, ${fmtMs(c.exposedNs)} exposed`).join('; '),
      values: { kernels: n.kernels, exposedMs: r1(n.exposedNs / 1e6), overlapPct: r1(n.overlapPct) } }],
  })];
}

/** GPU idle waiting for launches, less the idle that `explainedNs` (the idle findings) already accounts for. */
export function launchFinding(ctx: DiagnoseContext, explainedNs: number): ProfileFinding[] {
  const l = launchStats(ctx.model, { limit: 3 });
  const ns = l.launchBoundIdleNs - explainedNs;
  if (!l.kernelCount || !enough(ctx, ns)) return [];
  const api = l.apis[0];
  return [finding(ctx, {
    category: 'C2', pattern: 'profile.launch-bound',
    title: `GPU waits ${fmtMs(ns)} for kernel launches: ${l.tinyKernelPct.toFixed(0)}% of ${l.kernelCount} kernels are tiny and launching takes ${l.launchToKernelRatio.toFixed(2)}× their run time`,
    subject: { kind: 'api', name: api?.name ?? 'kernel launches' }, ns, count: l.launchCalls,
    evidence: [{ kind: 'profile', query: 'launch', summary: `${l.launchCalls} launch calls, mean ${fmtMs(l.meanLaunchNs)}; kernels mean ${fmtMs(l.meanKernelNs)}; GPU starved ${l.gpuStarvedPct.toFixed(1)}% of its span`,
      values: { launches: l.launchCalls, tinyPct: r1(l.tinyKernelPct), launchToKernel: Math.round(l.launchToKernelRatio * 100) / 100 } }],
  })];
}

function cap(s: string): string {
  return s.charAt(0).toUpperCase() + s.slice(1);
}
