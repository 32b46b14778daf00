// Sync stalls: host threads blocked in synchronization calls (cudaStreamSynchronize under aten::item, a
// cudaDeviceSynchronize, a synchronous cudaMemcpy), grouped by call and the operator or range that made it, with
// what the GPU was doing meanwhile — the copies and kernels the host waited for.
import type { Evidence, ProfileFinding } from '../../core/findings.js';
import { CopyKind, MemKind } from '../../core/profile.js';
import { hostMemKind } from '../../profile/queries/memcpy.js';
import { syncCalls, type SyncCall } from '../../profile/queries/sync.js';
import { nameOf, rangeLabel } from '../../profile/queries/util.js';
import { type DiagnoseContext, atMs, enough, finding, fmtBytes, fmtMs, frameLabel, isStepName, unionNs, windowScanner } from './context.js';
import { threadName, userFrame } from './idle.js';

/** calls shorter than this are not stalls */
const MIN_CALL_NS = 100_000;

interface Encl { name: string; start: number; dur: number; python: boolean; file?: string; line?: number }
interface CopyAcc { ns: number; bytes: number; count: number; pageable: number }
interface CallWin {
  startNs: number; endNs: number; call: SyncCall;
  encl: Encl[];
  kernelNs: number;
  copies: Map<string, CopyAcc>;
  gpuPids: Set<number> | undefined;
}

export const DIRECTION: Record<number, string> = {
  [CopyKind.HtoD]: 'host→device', [CopyKind.DtoH]: 'device→host', [CopyKind.DtoD]: 'device→device',
  [CopyKind.HtoH]: 'host→host', [CopyKind.PtoP]: 'peer→peer', [CopyKind.Unknown]: 'unknown direction',
};

export function syncFindings(ctx: DiagnoseContext): ProfileFinding[] {
  const { model } = ctx;
  const wins: CallWin[] = syncCalls(model)
    .filter((c) => c.kind !== 'stream-wait-event' && c.durationNs >= MIN_CALL_NS)
    .map((call) => ({ startNs: call.startNs, endNs: call.endNs, call, encl: [], kernelNs: 0, copies: new Map(), gpuPids: undefined }));
  if (!wins.length) return [];
  const scan = windowScanner(wins);
  // what encloses each call on its own thread
  const enclose = (s: number, e: number, pid: number, tid: number, python: boolean, name: () => string, loc?: () => [string, number]) => {
    scan(s, e, (w) => {
      if (w.call.tid !== tid || w.call.pid !== pid || s > w.startNs || e < w.endNs) return;
      const nm = name();
      if (!python && isStepName(nm)) return;
      const x: Encl = { name: nm, start: s, dur: e - s, python };
      if (loc) { const [file, line] = loc(); if (file) Object.assign(x, { file, line }); }
      w.encl.push(x);
    });
  };
  const r = model.nvtx;
  for (let i = 0; i < r.length; i++) enclose(r.start[i]!, r.end[i]!, r.pid[i]!, r.tid[i]!, false, () => rangeLabel(model, r.textId[i]!));
  const c = model.cpu;
  for (let i = 0; i < c.length; i++) {
    const py = c.kind[i] === 1;
    enclose(c.start[i]!, c.end[i]!, c.pid[i]!, c.tid[i]!, py, () => nameOf(model, c.nameId[i]!), py ? () => [nameOf(model, c.fileId[i]!), c.line[i]!] : undefined);
  }
  // what the GPU did while the host waited: the call's device, else its process's work on any device
  const onDevice = (w: CallWin, dev: number, pid: number) => (w.call.deviceId >= 0 ? dev === w.call.deviceId : pid === w.call.pid);
  const k = model.kernels;
  for (let i = 0; i < k.length; i++) {
    scan(k.start[i]!, k.end[i]!, (w) => {
      if (onDevice(w, k.deviceId[i]!, k.pid[i]!)) w.kernelNs += Math.min(k.end[i]!, w.endNs) - Math.max(k.start[i]!, w.startNs);
    });
  }
  const m = model.memcpy;
  for (let i = 0; i < m.length; i++) {
    const s = m.start[i]!, e = m.end[i]!;
    scan(s, e, (w) => {
      if (!onDevice(w, m.deviceId[i]!, m.pid[i]!)) return;
      const ov = Math.min(e, w.endNs) - Math.max(s, w.startNs);
      const dir = DIRECTION[m.copyKind[i]!] ?? 'unknown direction';
      const a = w.copies.get(dir) ?? { ns: 0, bytes: 0, count: 0, pageable: 0 };
      a.ns += ov;
      a.bytes += e > s ? m.bytes[i]! * (ov / (e - s)) : m.bytes[i]!;
      a.count++;
      if (hostMemKind(m.copyKind[i]!, m.srcKind[i]!, m.dstKind[i]!) === MemKind.Pageable) a.pageable++;
      w.copies.set(dir, a);
    });
  }

  const groups = new Map<string, CallWin[]>();
  for (const w of wins) {
    w.encl.sort((x, y) => x.start - y.start || y.dur - x.dur);
    const inner = innermostOp(w);
    const key = `${w.call.name}\u0000${inner ?? ''}`;
    const g = groups.get(key);
    if (g) g.push(w); else groups.set(key, [w]);
  }
  const out: ProfileFinding[] = [];
  for (const list of groups.values()) {
    const ns = unionNs(list.map((w) => [w.startNs, w.endNs]));
    if (!enough(ctx, ns)) continue;
    list.sort((a, b) => b.call.durationNs - a.call.durationNs);
    const first = list[0]!;
    const inner = innermostOp(first);
    const chain = first.encl.filter((x) => !x.python).map((x) => x.name);
    const frames = first.encl.filter((x) => x.python && x.file).map((x) => frameLabel(x.name, x.file!, x.line ?? 0));
    const deep = userFrame(first.encl.filter((x) => x.python));
    const copies = new Map<string, CopyAcc>();
    let kernelNs = 0;
    for (const w of list) {
      kernelNs += w.kernelNs;
      for (const [d, a] of w.copies) {
        const t = copies.get(d) ?? { ns: 0, bytes: 0, count: 0, pageable: 0 };
        t.ns += a.ns; t.bytes += a.bytes; t.count += a.count; t.pageable += a.pageable;
        copies.set(d, t);
      }
    }
    const threads = [...new Set(list.map((w) => `${w.call.pid}:${w.call.tid}`))];
    const topCopy = [...copies.entries()].sort((a, b) => b[1].ns - a[1].ns)[0];
    const gpuWhat = topCopy && topCopy[1].ns >= kernelNs
      ? `the GPU copies ${fmtBytes(topCopy[1].bytes)} ${topCopy[0]}`
      : kernelNs > 0 ? `the GPU runs kernels (${fmtMs(kernelNs)})` : 'the GPU is idle';
    const title = `${first.call.name}${inner ? ` under ${inner}` : ''} blocks the host ${fmtMs(ns)}${threads.length > 1 ? ` on ${threads.length} threads` : ''} while ${gpuWhat}`;
    const totalWait = list.reduce((t, w) => t + w.call.durationNs, 0);
    const ev: Evidence[] = [{
      kind: 'profile', query: 'sync',
      summary: `${list.length} ${first.call.name} call${list.length > 1 ? 's' : ''}${inner ? ` inside ${inner}` : ''}: ${fmtMs(totalWait)} waiting in all, the longest ${fmtMs(first.call.durationNs)} at ${atMs(ctx, first.startNs)} on ${threadName(ctx, first.call.tid)}`,
      values: { calls: list.length, waitMs: Math.round(totalWait / 1e3) / 1e3, longestMs: Math.round(first.call.durationNs / 1e3) / 1e3, threads: threads.length },
      ranges: list.slice(0, 8).map((w) => [w.startNs, w.endNs]),
    }];
    const gpuParts = [...copies.entries()].sort((a, b) => b[1].ns - a[1].ns)
      .map(([d, a]) => `${d} copies ${fmtBytes(a.bytes)} in ${fmtMs(a.ns)}${a.pageable ? ` (${a.pageable} from pageable memory)` : ''}`);
    if (kernelNs > 0) gpuParts.push(`kernels ${fmtMs(kernelNs)}`);
    const idle = Math.max(0, list.reduce((t, w) => t + w.call.idleWhileNs, 0));
    if (idle > 0) gpuParts.push(`idle ${fmtMs(idle)}`);
    ev.push({ kind: 'profile', query: 'memcpy', summary: `while the host waited, the GPU did: ${gpuParts.join('; ') || 'nothing recorded'}`,
      values: Object.fromEntries([...copies.entries()].map(([d, a]) => [`${d} MB`, Math.round(a.bytes / 1e6)])) });
    if (chain.length) ev.push({ kind: 'stack', via: 'nvtx', frames: chain });
    if (frames.length) ev.push({ kind: 'stack', via: 'python-stack', frames });
    const subject: ProfileFinding['subject'] = { kind: 'api', name: first.call.name, chain };
    if (deep) Object.assign(subject, { file: deep.file, line: deep.line ?? 0 });
    out.push(finding(ctx, { category: 'C3', pattern: 'profile.sync-stall', title, subject, ns, count: list.length, evidence: ev }));
  }
  return out;
}

/** The innermost operator or range around the call (aten::item's aten::_local_scalar_dense reads as aten::item). */
function innermostOp(w: CallWin): string | undefined {
  const ops = w.encl.filter((x) => !x.python).map((x) => x.name);
  // PyTorch's scalar read names the user-visible op one level up
  const i = ops.findIndex((n) => /^aten::(item|tolist|cpu|numpy)$/.test(n));
  if (i >= 0) return ops[i];
  return ops[ops.length - 1];
}
