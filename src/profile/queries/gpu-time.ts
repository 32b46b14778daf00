// gpu-time: where GPU time went, by kind — kernels, copies by direction and host memory (pinned / pageable,
// bytes), memsets, NCCL — per device, with the idle rest; the costliest CUDA API calls (sync calls marked as
// waiting) and NVTX ranges. What `nsys stats` users read first (cuda_gpu_sum, cuda_gpu_mem_*, cuda_api_sum,
// nvtx_sum), in one pass per table.
import type { GpuTimeCopies, GpuTimeDevice, GpuTimeResult, GpuTimeRow } from '../../core/overview.js';
import type { ProfileModel } from '../../core/profile.js';

export type { GpuTimeCopies, GpuTimeDevice, GpuTimeResult, GpuTimeRow };
import { hostMemKind } from './memcpy.js';
import { isNcclName } from './nccl.js';
import { keyValues, table } from './format.js';
import type { QueryDef } from './query-def.js';
import { COPY_KIND_NAMES, LIMIT_PARAM, MEM_KIND_NAMES, apiName, deviceBusy, intArg, nameFlags, rangeLabel, round, stripApiSuffix, totalLength } from './util.js';

/** CUDA calls that block the calling thread until the GPU catches up. */
export const WAITING_API = /^(cuda|cu)(DeviceSynchronize|CtxSynchronize|ThreadSynchronize|StreamSynchronize|EventSynchronize|StreamQuery|EventQuery|Memcpy(2D|3D|Peer|ToSymbol|FromSymbol)?|MemcpyHtoD|MemcpyDtoH|MemcpyDtoD)$/;

export function gpuTime(model: ProfileModel, opts: { limit?: number } = {}): GpuTimeResult {
  const limit = opts.limit ?? 10;
  const busy = new Map(deviceBusy(model).map((b) => [b.deviceId, b.busy]));
  const dev = new Map<number, GpuTimeDevice>();
  const devOf = (d: number): GpuTimeDevice => {
    let x = dev.get(d);
    if (!x) {
      const iv = busy.get(d);
      const spanNs = iv && iv.length ? iv.end[iv.length - 1]! - iv.start[0]! : 0;
      const name = model.meta.gpus.find((g) => g.deviceId === d)?.name ?? `GPU ${d}`;
      dev.set(d, (x = { deviceId: d, name, spanNs, kernelNs: 0, ncclNs: 0, copyNs: 0, memsetNs: 0, idleNs: iv ? spanNs - totalLength(iv) : 0 }));
    }
    return x;
  };
  const nccl = nameFlags(model, isNcclName);
  const kernels = { count: 0, ns: 0 }, ncclT = { count: 0, ns: 0 };
  const k = model.kernels;
  for (let i = 0; i < k.length; i++) {
    const d = k.end[i]! - k.start[i]!;
    const x = devOf(k.deviceId[i]!);
    if (nccl(k.nameId[i]!)) { x.ncclNs += d; ncclT.count++; ncclT.ns += d; } else { x.kernelNs += d; kernels.count++; kernels.ns += d; }
  }
  const copies = new Map<string, GpuTimeCopies>();
  const m = model.memcpy;
  for (let i = 0; i < m.length; i++) {
    const d = m.end[i]! - m.start[i]!;
    devOf(m.deviceId[i]!).copyNs += d;
    const direction = COPY_KIND_NAMES[m.copyKind[i]!] ?? 'Unknown';
    const hostMemory = MEM_KIND_NAMES[hostMemKind(m.copyKind[i]!, m.srcKind[i]!, m.dstKind[i]!)] ?? 'Unknown';
    const key = `${direction}|${hostMemory}`;
    const g = copies.get(key) ?? { direction, hostMemory, count: 0, bytes: 0, ns: 0 };
    g.count++; g.bytes += m.bytes[i]!; g.ns += d;
    copies.set(key, g);
  }
  const memsets = { count: 0, bytes: 0, ns: 0 };
  const s = model.memset;
  for (let i = 0; i < s.length; i++) {
    const d = s.end[i]! - s.start[i]!;
    devOf(s.deviceId[i]!).memsetNs += d;
    memsets.count++; memsets.bytes += s.bytes[i]!; memsets.ns += d;
  }
  for (const d of busy.keys()) devOf(d);

  const api = new Map<number, GpuTimeRow & { waiting: boolean }>();
  let syncWaitNs = 0;
  const waiting = nameFlags(model, (n) => WAITING_API.test(stripApiSuffix(n)));
  const r = model.runtime;
  for (let i = 0; i < r.length; i++) {
    const id = r.nameId[i]!;
    const d = r.end[i]! - r.start[i]!;
    let row = api.get(id);
    if (!row) api.set(id, (row = { name: apiName(model, id), count: 0, ns: 0, waiting: waiting(id) }));
    row.count++; row.ns += d;
    if (row.waiting) syncWaitNs += d;
  }
  const apiRows = new Map<string, GpuTimeRow & { waiting: boolean }>();
  for (const row of api.values()) {
    const t = apiRows.get(row.name);
    if (t) { t.count += row.count; t.ns += row.ns; } else apiRows.set(row.name, { ...row });
  }
  const nv = new Map<string, GpuTimeRow>();
  const n = model.nvtx;
  for (let i = 0; i < n.length; i++) {
    if (n.end[i]! <= n.start[i]!) continue;
    const name = rangeLabel(model, n.textId[i]!);
    const row = nv.get(name) ?? { name, count: 0, ns: 0 };
    row.count++; row.ns += n.end[i]! - n.start[i]!;
    nv.set(name, row);
  }
  const top = <T extends GpuTimeRow>(xs: Iterable<T>) => [...xs].sort((a, b) => b.ns - a.ns || a.name.localeCompare(b.name)).slice(0, limit);
  return {
    devices: [...dev.values()].sort((a, b) => a.deviceId - b.deviceId),
    kernels, nccl: ncclT,
    copies: [...copies.values()].sort((a, b) => b.ns - a.ns),
    memsets, syncWaitNs, api: top(apiRows.values()), nvtx: top(nv.values()),
  };
}

const msr = (ns: number) => round(ns / 1e6, 3);

export function formatGpuTime(r: GpuTimeResult): string {
  const parts = [
    keyValues([['kernels', `${r.kernels.count}, ${msr(r.kernels.ns)} ms`], ['NCCL kernels', `${r.nccl.count}, ${msr(r.nccl.ns)} ms`],
      ['memsets', `${r.memsets.count}, ${msr(r.memsets.ns)} ms`], ['host waiting in sync calls', `${msr(r.syncWaitNs)} ms`]]),
    table(['device', 'name', 'span ms', 'kernels ms', 'NCCL ms', 'copies ms', 'memset ms', 'idle ms'],
      r.devices.map((d) => [d.deviceId, d.name, msr(d.spanNs), msr(d.kernelNs), msr(d.ncclNs), msr(d.copyNs), msr(d.memsetNs), msr(d.idleNs)])),
  ];
  if (r.copies.length) parts.push(`Copies\n${table(['direction', 'host memory', 'count', 'MB', 'ms'], r.copies.map((c) => [c.direction, c.hostMemory, c.count, round(c.bytes / 1e6, 3), msr(c.ns)]))}`);
  if (r.api.length) parts.push(`CUDA API calls\n${table(['call', 'count', 'ms', ''], r.api.map((a) => [a.name, a.count, msr(a.ns), a.waiting ? 'waiting' : '']))}`);
  if (r.nvtx.length) parts.push(`NVTX ranges\n${table(['range', 'count', 'ms'], r.nvtx.map((a) => [a.name, a.count, msr(a.ns)]))}`);
  return parts.join('\n\n');
}

/** In ALL_QUERIES (the CLI's `sysight tool gpu-time`, the worker), not in QUERIES: a new LLM tool changes every recorded analyze transcript. */
export const gpuTimeQuery: QueryDef<GpuTimeResult> = {
  name: 'gpu-time',
  description: 'GPU time by kind per device (kernels, NCCL, copies by direction and pinned/pageable memory, memsets, idle), top CUDA API calls (sync calls as waiting) and NVTX ranges',
  params: [{ ...LIMIT_PARAM, default: 10, description: 'API calls and NVTX ranges listed' }],
  run: (model, args) => gpuTime(model, { limit: intArg(args, 'limit', 10, 1) }),
  format: (r) => formatGpuTime(r),
};
