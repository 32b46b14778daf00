// summary: the profile at a glance. Built for big profiles: one scan over the kernels feeds the per-name
// totals, per-device counts, tiny-kernel and NCCL counts; busy time comes from the cached per-device
// union; percentiles are computed only for the top 5 names; NCCL overlap only when NCCL kernels exist.
import type { GpuInfo, ProfileModel } from '../../core/profile.js';
import { keyValues, pct, section, table, bytes as fmtBytes } from './format.js';
import { detectIterations, iterationsResult } from './iterations.js';
import { memcpyStats } from './memcpy.js';
import { isNcclName, ncclStats } from './nccl.js';
import type { QueryDef } from './query-def.js';
import { syncCalls } from './sync.js';
import { type KernelTotals, type TopKernelRow, kernelRows, topNameIds } from './top-kernels.js';
import { DenseIndex, LIMIT_PARAM, NS_PER_US, intArg, deviceBusy, hasGpuActivity, nameFlags, nsToMs, round, totalLength } from './util.js';

export interface SummaryDevice {
  deviceId: number;
  name: string;
  kernels: number;
  busyMs: number;
  spanMs: number;
  busyPct: number;
}

export interface ProfileSummary {
  source: string;
  format: string;
  toolVersion?: string;
  durationMs: number;
  startNs: number;
  endNs: number;
  gpus: GpuInfo[];
  processes: Array<{ pid: number; name: string; rank?: number }>;
  threadCount: number;
  /** rows per model table, plus callchains */
  counts: Record<string, number>;
  hasGpuActivity: boolean;
  kernelTimeMs: number;
  /** mean over devices of busy / GPU-active span */
  gpuBusyPct: number;
  devices: SummaryDevice[];
  tinyKernelPct: number;
  topKernels: TopKernelRow[];
  iterations: { method: string; count: number; meanMs: number; medianMs: number; p90Ms: number };
  sync: { calls: number; totalMs: number; idleAfterMs: number };
  memcpy: { count: number; bytes: number; totalMs: number; pageableCount: number; tinyPct: number };
  nccl: { kernels: number; totalMs: number; exposedMs: number; overlapPct: number };
  notes: string[];
}

/** `topKernels`: how many kernel names to list (default 5). */
export function profileSummary(model: ProfileModel, opts: { topKernels?: number } = {}): ProfileSummary {
  const { meta } = model;
  const k = model.kernels;
  // one scan over the kernels
  const totals: KernelTotals = {
    count: new Float64Array(model.strings.length), totalNs: new Float64Array(model.strings.length), kernelCount: k.length, kernelTimeNs: 0,
  };
  const dense = new DenseIndex();
  const devCounts: number[] = [];
  const isNccl = nameFlags(model, isNcclName);
  const tinyNs = 10 * NS_PER_US;
  let tiny = 0;
  let ncclKernels = 0;
  const { start, end, nameId, deviceId } = k;
  for (let i = 0, n = k.length; i < n; i++) {
    const d = end[i]! - start[i]!;
    const id = nameId[i]!;
    totals.count[id]!++;
    totals.totalNs[id]! += d;
    totals.kernelTimeNs += d;
    if (d < tinyNs) tiny++;
    if (isNccl(id)) ncclKernels++;
    const j = dense.of(deviceId[i]!);
    devCounts[j] = (devCounts[j] ?? 0) + 1;
  }
  const perDevice = new Map(dense.keys.map((d, j) => [d, devCounts[j]!]));
  const gpuNames = new Map(meta.gpus.map((g) => [g.deviceId, g.name]));
  const devices = deviceBusy(model).map((b): SummaryDevice => {
    const busyNs = totalLength(b.busy);
    const span = b.busy.length ? b.busy.end[b.busy.length - 1]! - b.busy.start[0]! : 0;
    return {
      deviceId: b.deviceId, name: gpuNames.get(b.deviceId) ?? '', kernels: perDevice.get(b.deviceId) ?? 0,
      busyMs: nsToMs(busyNs), spanMs: nsToMs(span), busyPct: span > 0 ? round((100 * busyNs) / span, 2) : 0,
    };
  });
  const it = iterationsResult(detectIterations(model), 0);
  const calls = syncCalls(model);
  const mc = memcpyStats(model);
  const nc = ncclKernels > 0 ? ncclStats(model) : undefined;
  const counts: Record<string, number> = {
    kernels: k.length, runtime: model.runtime.length, memcpy: model.memcpy.length, memset: model.memset.length,
    sync: model.sync.length, nvtx: model.nvtx.length, cpu: model.cpu.length, osrt: meta.countOnly?.osrt ?? model.osrt.length,
    callchains: model.callchains.size,
  };
  const notes = [...meta.notes];
  if (!hasGpuActivity(model)) notes.push('no GPU activity (no kernels or copies): GPU queries do not apply to this profile');
  return {
    source: meta.source,
    format: meta.format,
    ...(meta.toolVersion ? { toolVersion: meta.toolVersion } : {}),
    durationMs: nsToMs(meta.endNs - meta.startNs),
    startNs: meta.startNs,
    endNs: meta.endNs,
    gpus: meta.gpus,
    processes: meta.processes.slice(0, 32),
    threadCount: meta.threads.length,
    counts,
    hasGpuActivity: hasGpuActivity(model),
    kernelTimeMs: nsToMs(totals.kernelTimeNs),
    gpuBusyPct: devices.length ? round(devices.reduce((s, d) => s + d.busyPct, 0) / devices.length, 2) : 0,
    devices,
    tinyKernelPct: k.length ? round((100 * tiny) / k.length, 2) : 0,
    topKernels: kernelRows(model, totals, topNameIds(totals, opts.topKernels ?? 5)),
    iterations: { method: it.method, count: it.count, meanMs: it.meanMs, medianMs: it.medianMs, p90Ms: it.p90Ms },
    sync: {
      calls: calls.length,
      totalMs: nsToMs(calls.reduce((s, c) => s + c.durationNs, 0)),
      idleAfterMs: nsToMs(calls.reduce((s, c) => s + c.idleAfterNs, 0)),
    },
    memcpy: { count: mc.count, bytes: mc.bytes, totalMs: nsToMs(mc.totalNs), pageableCount: mc.pageableCount, tinyPct: mc.tinyPct },
    nccl: nc
      ? { kernels: nc.kernels, totalMs: nsToMs(nc.totalNs), exposedMs: nsToMs(nc.exposedNs), overlapPct: nc.overlapPct }
      : { kernels: 0, totalMs: 0, exposedMs: 0, overlapPct: 0 },
    notes,
  };
}

export function formatSummary(s: ProfileSummary): string {
  const overview = keyValues([
    ['profile', s.source],
    ['format', `${s.format}${s.toolVersion ? ` (${s.toolVersion})` : ''}`],
    ['duration', `${s.durationMs} ms`],
    ['GPUs', s.gpus.length ? s.gpus.map((g) => `${g.deviceId}: ${g.name}`).join(', ') : 'none listed'],
    ['processes', s.processes.map((p) => `${p.pid} ${p.name}${p.rank !== undefined ? ` (rank ${p.rank})` : ''}`).join(', ') || 'none listed'],
    ['threads', s.threadCount],
    ['events', Object.entries(s.counts).filter(([, n]) => n > 0).map(([t, n]) => `${t} ${n}`).join(', ') || 'none'],
  ]);
  const parts = [section('Profile', overview)];
  if (s.hasGpuActivity) {
    const gpu = keyValues([
      ['GPU busy', `${pct(s.gpuBusyPct)} (mean over devices, of each device's active span)`],
      ['kernel time', `${s.kernelTimeMs} ms`],
      ['tiny kernels (< 10 µs)', pct(s.tinyKernelPct)],
    ]);
    const dev = table(['device', 'name', 'kernels', 'busy ms', 'span ms', 'busy'],
      s.devices.map((d) => [d.deviceId, d.name, d.kernels, d.busyMs, d.spanMs, pct(d.busyPct)]));
    const top = table(['kernel', 'count', 'total ms', 'mean µs', 'p99 µs', 'share'],
      s.topKernels.map((t) => [t.name, t.count, round(t.totalNs / 1e6, 3), round(t.meanNs / 1e3, 2), round(t.p99Ns / 1e3, 2), pct(t.sharePct)]));
    parts.push(section('GPU', `${gpu}\n\n${dev}`), section('Top kernels', top));
  }
  const it = s.iterations;
  parts.push(section('Headlines', keyValues([
    ['iterations', it.count ? `${it.count} by ${it.method}: mean ${it.meanMs} ms, median ${it.medianMs} ms, p90 ${it.p90Ms} ms` : 'none detected'],
    ['sync calls', `${s.sync.calls} (${s.sync.totalMs} ms; GPU idle right after: ${s.sync.idleAfterMs} ms)`],
    ['memcpy', `${s.memcpy.count} copies, ${fmtBytes(s.memcpy.bytes)}, ${s.memcpy.totalMs} ms (${s.memcpy.pageableCount} pageable, ${pct(s.memcpy.tinyPct)} tiny)`],
    ['NCCL', s.nccl.kernels ? `${s.nccl.kernels} kernels, ${s.nccl.totalMs} ms, ${s.nccl.exposedMs} ms exposed (${pct(s.nccl.overlapPct)} overlapped)` : 'none'],
  ])));
  if (s.notes.length) parts.push(section('Notes', s.notes.map((n) => `- ${n}`).join('\n')));
  return parts.join('\n\n');
}

export const summaryQuery: QueryDef<ProfileSummary> = {
  name: 'summary',
  description: 'Profile summary: duration, GPUs, processes, event counts, GPU busy %, top 5 kernels, iterations, sync/memcpy/NCCL headlines, notes',
  params: [{ ...LIMIT_PARAM, default: 5, description: 'kernel names listed' }],
  run: (model, args) => profileSummary(model, { topKernels: intArg(args, 'limit', 5, 1) }),
  format: (r) => formatSummary(r),
  formatCached: (r) => formatSummary(r),
};
