// sync: synchronization calls (runtime synchronize / wait-event calls, rows of the sync table, synchronous
// memcpy) with their duration and the GPU idle they cause: idle while the call waits and idle right after
// it returns (until the next GPU work on the caller's device), per name, per thread, per iteration.
import type { ProfileModel } from '../../core/profile.js';
import { SyncKind } from '../../core/profile.js';
import { keyValues, table } from './format.js';
import { detectIterations, sumByIteration } from './iterations.js';
import type { QueryDef } from './query-def.js';
import {
  type Intervals, LIMIT_PARAM, TopN, apiName, covers, deviceBusy, intArg, runtimeRowsFor,
  nameFlags, nextStartAfter, overlapLength, primaryDeviceByPid, round, spread, stripApiSuffix,
} from './util.js';

export type SyncCallKind = 'device' | 'stream' | 'event' | 'stream-wait-event' | 'context' | 'sync-memcpy' | 'unknown';

export interface SyncCall {
  name: string;
  kind: SyncCallKind;
  pid: number;
  tid: number;
  deviceId: number;
  correlationId: number;
  startNs: number;
  endNs: number;
  durationNs: number;
  /** part of the call during which its device ran nothing */
  idleWhileNs: number;
  /** device idle from the call's return until the next GPU work; charged once per idle stretch (to the first
   * sync call that returned in it); 0 for cudaStreamWaitEvent, which does not block the host */
  idleAfterNs: number;
}

export interface SyncGroup {
  name: string;
  kind: SyncCallKind;
  count: number;
  totalNs: number;
  meanNs: number;
  idleWhileNs: number;
  idleAfterNs: number;
}

export interface SyncThread {
  pid: number;
  tid: number;
  threadName: string;
  count: number;
  totalNs: number;
  idleAfterNs: number;
}

export interface SyncResult {
  calls: number;
  totalNs: number;
  idleWhileNs: number;
  idleAfterNs: number;
  byName: SyncGroup[];
  byThread: SyncThread[];
  iterationMethod: string;
  iterationCount: number;
  callsPerIterationMean: number;
  msPerIterationMean: number;
  idleAfterMsPerIterationMean: number;
  /** the costliest calls (duration + idle after), at most `limit` */
  top: SyncCall[];
}

const RUNTIME_SYNC: Record<string, SyncCallKind> = {
  cudaDeviceSynchronize: 'device', cuCtxSynchronize: 'context', cudaThreadSynchronize: 'device',
  cudaStreamSynchronize: 'stream', cuStreamSynchronize: 'stream',
  cudaEventSynchronize: 'event', cuEventSynchronize: 'event',
  cudaStreamWaitEvent: 'stream-wait-event', cuStreamWaitEvent: 'stream-wait-event',
  cudaMemcpy: 'sync-memcpy', cudaMemcpy2D: 'sync-memcpy', cudaMemcpy3D: 'sync-memcpy', cudaMemcpyToSymbol: 'sync-memcpy',
  cudaMemcpyFromSymbol: 'sync-memcpy', cudaMemcpyPeer: 'sync-memcpy', cuMemcpyHtoD: 'sync-memcpy', cuMemcpyDtoH: 'sync-memcpy',
  cuMemcpyDtoD: 'sync-memcpy', cuMemcpy: 'sync-memcpy',
};

const SYNC_TABLE_KIND: Record<number, SyncCallKind> = {
  [SyncKind.Unknown]: 'unknown', [SyncKind.Event]: 'event', [SyncKind.StreamWaitEvent]: 'stream-wait-event',
  [SyncKind.Stream]: 'stream', [SyncKind.Context]: 'context', [SyncKind.Device]: 'device',
};

/** Every synchronization call, in table order (runtime rows first, then unmatched sync-table rows). */
export function syncCalls(model: ProfileModel): SyncCall[] {
  const busy = new Map<number, Intervals>(deviceBusy(model).map((b) => [b.deviceId, b.busy]));
  let devOf: Map<number, number> | undefined; // computed on the first call that needs it
  const out: SyncCall[] = [];
  const firstInGap = new Map<string, number>();
  const add = (name: string, kind: SyncCallKind, pid: number, tid: number, dev: number, corr: number, s: number, e: number) => {
    const deviceId = dev >= 0 && busy.has(dev) ? dev : (devOf ??= primaryDeviceByPid(model)).get(pid) ?? -1;
    const iv = busy.get(deviceId);
    let idleWhileNs = 0;
    let idleAfterNs = 0;
    // cudaStreamWaitEvent makes the GPU wait, not the host: no host-side wait, no idle of its own
    if (iv && iv.length && kind !== 'stream-wait-event') {
      idleWhileNs = e - s - overlapLength(iv, s, e);
      if (!covers(iv, e)) {
        const next = nextStartAfter(iv, e);
        if (Number.isFinite(next)) {
          idleAfterNs = next - e;
          // one idle stretch is charged once: to the first sync call that returned in it
          const key = `${deviceId}:${next}`;
          const prev = firstInGap.get(key);
          if (prev === undefined) firstInGap.set(key, out.length);
          else if (out[prev]!.endNs <= e) idleAfterNs = 0;
          else {
            out[prev]!.idleAfterNs = 0;
            firstInGap.set(key, out.length);
          }
        }
      }
    }
    out.push({ name, kind, pid, tid, deviceId, correlationId: corr, startNs: s, endNs: e, durationNs: e - s, idleWhileNs, idleAfterNs });
  };
  const rt = model.runtime;
  const { start: rtStart, end: rtEnd, nameId: rtName, pid: rtPid, tid: rtTid, correlationId: rtCorr } = rt;
  const isSyncApi = nameFlags(model, (s) => Object.hasOwn(RUNTIME_SYNC, stripApiSuffix(s)));
  for (let i = 0; i < rt.length; i++) {
    const id = rtName[i]!;
    if (!isSyncApi(id)) continue;
    const name = apiName(model, id);
    add(name, RUNTIME_SYNC[name]!, rtPid[i]!, rtTid[i]!, -1, rtCorr[i]!, rtStart[i]!, rtEnd[i]!);
  }
  const sy = model.sync;
  const counted = runtimeRowsFor(model, sy, isSyncApi);
  for (let i = 0; i < sy.length; i++) {
    if (counted[i]! >= 0) continue; // already counted as its runtime call
    const kind = SYNC_TABLE_KIND[sy.syncKind[i]!] ?? 'unknown';
    add(`sync:${kind}`, kind, sy.pid[i]!, sy.tid[i]!, sy.deviceId[i]!, sy.correlationId[i]!, sy.start[i]!, sy.end[i]!);
  }
  return out;
}

export function syncStats(model: ProfileModel, opts: { limit?: number } = {}): SyncResult {
  const limit = opts.limit ?? 20;
  const calls = syncCalls(model);
  const byName = new Map<string, SyncGroup>();
  const byThread = new Map<string, SyncThread>();
  const threadNames = new Map(model.meta.threads.map((t) => [`${t.pid}:${t.tid}`, t.name]));
  const top = new TopN<SyncCall>(limit);
  let totalNs = 0;
  let idleWhileNs = 0;
  let idleAfterNs = 0;
  for (const c of calls) {
    totalNs += c.durationNs;
    idleWhileNs += c.idleWhileNs;
    idleAfterNs += c.idleAfterNs;
    let g = byName.get(c.name);
    if (!g) byName.set(c.name, (g = { name: c.name, kind: c.kind, count: 0, totalNs: 0, meanNs: 0, idleWhileNs: 0, idleAfterNs: 0 }));
    g.count++;
    g.totalNs += c.durationNs;
    g.idleWhileNs += c.idleWhileNs;
    g.idleAfterNs += c.idleAfterNs;
    const tk = `${c.pid}:${c.tid}`;
    let t = byThread.get(tk);
    if (!t) byThread.set(tk, (t = { pid: c.pid, tid: c.tid, threadName: threadNames.get(tk) ?? '', count: 0, totalNs: 0, idleAfterNs: 0 }));
    t.count++;
    t.totalNs += c.durationNs;
    t.idleAfterNs += c.idleAfterNs;
    top.add(c.durationNs + c.idleAfterNs, c);
  }
  for (const g of byName.values()) g.meanNs = round(g.totalNs / g.count, 1);
  const it = detectIterations(model);
  const starts = Float64Array.from(calls, (c) => c.startNs);
  const perIter = (w: (i: number) => number) => spread(sumByIteration(it.iterations, starts, calls.length, w)).mean;
  return {
    calls: calls.length, totalNs, idleWhileNs, idleAfterNs,
    byName: [...byName.values()].sort((a, b) => b.totalNs + b.idleAfterNs - (a.totalNs + a.idleAfterNs)).slice(0, limit),
    byThread: [...byThread.values()].sort((a, b) => b.totalNs - a.totalNs).slice(0, limit),
    iterationMethod: it.method,
    iterationCount: it.iterations.length,
    callsPerIterationMean: round(perIter(() => 1), 2),
    msPerIterationMean: round(perIter((i) => calls[i]!.durationNs) / 1e6, 3),
    idleAfterMsPerIterationMean: round(perIter((i) => calls[i]!.idleAfterNs) / 1e6, 3),
    top: top.values(),
  };
}

export function formatSync(r: SyncResult): string {
  const head = keyValues([
    ['sync calls', r.calls],
    ['time in sync calls', `${round(r.totalNs / 1e6, 3)} ms`],
    ['GPU idle while waiting', `${round(r.idleWhileNs / 1e6, 3)} ms`],
    ['GPU idle right after', `${round(r.idleAfterNs / 1e6, 3)} ms`],
    ['per iteration', r.iterationCount ? `${r.callsPerIterationMean} calls, ${r.msPerIterationMean} ms, ${r.idleAfterMsPerIterationMean} ms idle after (${r.iterationCount} iterations, ${r.iterationMethod})` : 'no iterations detected'],
  ]);
  const names = table(['call', 'kind', 'count', 'total ms', 'mean µs', 'idle while ms', 'idle after ms'],
    r.byName.map((g) => [g.name, g.kind, g.count, round(g.totalNs / 1e6, 3), round(g.meanNs / 1e3, 2), round(g.idleWhileNs / 1e6, 3), round(g.idleAfterNs / 1e6, 3)]));
  const threads = table(['pid', 'tid', 'thread', 'count', 'total ms', 'idle after ms'],
    r.byThread.map((t) => [t.pid, t.tid, t.threadName, t.count, round(t.totalNs / 1e6, 3), round(t.idleAfterNs / 1e6, 3)]));
  const top = table(['call', 'tid', 'start ns', 'ms', 'idle after ms', 'corr id'],
    r.top.map((c) => [c.name, c.tid, c.startNs, round(c.durationNs / 1e6, 3), round(c.idleAfterNs / 1e6, 3), c.correlationId]));
  return `${head}\n\nBy call\n${names}\n\nBy thread\n${threads}\n\nCostliest calls\n${top}`;
}

export const syncQuery: QueryDef<SyncResult> = {
  name: 'sync',
  description: 'Synchronization calls (device/stream/event sync, wait-event, sync memcpy) with duration and the GPU idle they cause',
  params: [LIMIT_PARAM],
  run: (model, args) => syncStats(model, { limit: intArg(args, 'limit', 20, 1) }),
  format: (r) => formatSync(r),
};
