// Plays a scenario forward in time: each rank's main thread issues CUDA runtime calls (with their cost), GPU
// streams execute the work in order (a launch queue of 1024 per stream), syncs block the thread until the GPU
// drains, NCCL collectives finish when the last rank arrives. Every event becomes rows of the nsys tables.
import { mulberry32 } from '../../core/random.js';
import { throwIfAborted } from '../../core/errors.js';
import { optional } from '../../core/optional.js';
import { Callchains } from './callchains.js';
import { compiledRangeText, replayGraph } from './graphs.js';
import { type NsysDb, globalPid, globalTid } from './nsys-db.js';
import {
  type CpuEvent, type Frame, type KernelEvent, type MemcpyEvent, type MemsetEvent, type NcclEvent, type Scenario,
  type StepEvent, type SyncEvent, kernelDims, parseFrame,
} from './scenario.js';

export type Leaf = Exclude<StepEvent, { type: 'nvtx' } | { type: 'compiled' }>;
type Op = { k: 'ev'; ev: Leaf } | { k: 'push'; text: string; domain?: string } | { k: 'pop' };

const QUEUE = 1024;
const INVALID = 4294967295;

/** The generator's seeded PRNG (mulberry32). */
export const rng = mulberry32;

export interface Proc {
  rank: number;
  pid: number;
  name: string;
  threads: string[];
  device: number;
  gtid: number;
  gpid: number;
  cpuScale: number;
  gpuScale: number;
  labelScale: Record<string, number>;
  env: Record<string, string>;
  /** the export this rank's rows go to (all ranks share one unless each writes its own file) */
  db: NsysDb;
  cc: Callchains;
  names: Map<string, [number, number, number]>;
  cpu: number;
  corr: number;
  computeStream: number;
  ncclStream: number;
  streams: Map<number, { free: number; ring: Float64Array; n: number }>;
  nvtx: { start: number; text: string; domainId: number }[];
  domains: Map<string, number>;
  gridId: number;
  eventId: number;
  rand: () => number;
}

function flatten(events: StepEvent[], out: Op[] = []): Op[] {
  for (const e of events) {
    if (e.type === 'nvtx') {
      out.push({ k: 'push', text: e.text, ...optional('domain', e.domain) });
      flatten(e.events, out);
      out.push({ k: 'pop' });
    } else if (e.type === 'compiled') {
      out.push({ k: 'push', text: compiledRangeText(e.graph) });
      flatten(e.events, out);
      out.push({ k: 'pop' });
    } else out.push({ k: 'ev', ev: e });
  }
  return out;
}

/** The short name nsys stores beside a demangled kernel name: no return type, template arguments or parameters. */
export function shortKernelName(name: string): string {
  let s = name.replace(/^void\s+/, '').replace(/\(anonymous namespace\)/g, '{anon}');
  let depth = 0;
  let end = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '<' || c === '(') {
      if (depth === 0) {
        end = i;
        break;
      }
      depth++;
    }
  }
  s = s.slice(0, end);
  const parts = s.split('::');
  return parts[parts.length - 1]!.trim() || name;
}

export class Simulator {
  readonly procs: Proc[];
  private jitter: number;
  private threshold: number | false;
  private outer: Frame[];
  private launchNs: number;
  /** @internal (./graphs.ts) */
  readonly latencyNs: number;
  endNs = 0;

  /** `dbs[i]`, when given, receives process i's rows (one export per rank); else every process goes to `db` */
  constructor(db: NsysDb, private readonly sc: Scenario, dbs?: NsysDb[]) {
    const shared = new Callchains(db);
    const sharedNames = new Map<string, [number, number, number]>();
    this.jitter = Math.min(0.5, sc.jitter ?? 0.03);
    this.threshold = sc.backtraceThresholdUs === undefined ? 0 : sc.backtraceThresholdUs;
    this.outer = (sc.pythonStack ?? ['train.py:112 main', 'train.py:130 <module>']).map(parseFrame);
    this.launchNs = (sc.launchUs ?? 4) * 1000;
    this.latencyNs = (sc.launchLatencyUs ?? 3) * 1000;
    const specs = sc.processes ?? [{}];
    const nDev = (sc.devices ?? [{}]).length;
    const seed = sc.seed ?? 1;
    this.procs = specs.map((p, i) => {
      const rank = p.rank ?? i;
      const pid = p.pid ?? 4242 + 100 * rank;
      return {
        rank, pid, name: p.name ?? 'python', threads: p.threads ?? [], device: p.device ?? rank % nDev,
        gtid: globalTid(pid, pid), gpid: globalPid(pid), cpuScale: p.cpuScale ?? 1, gpuScale: p.gpuScale ?? 1,
        labelScale: p.labelScale ?? {}, env: p.env ?? {},
        db: dbs?.[i] ?? db, cc: dbs?.[i] ? new Callchains(dbs[i]!) : shared, names: dbs?.[i] ? new Map() : sharedNames,
        cpu: (sc.iterations.startUs ?? 500_000) * 1000, corr: 100, computeStream: 7, ncclStream: 13,
        streams: new Map(), nvtx: [], domains: new Map(), gridId: 1, eventId: 1, rand: rng(seed * 7919 + rank),
      };
    });
  }

  /** A jittered duration in ns: `scale` true applies the rank's cpuScale, a number multiplies as given. */
  /** @internal (./graphs.ts) */
  dur(p: Proc, us: number, scale: boolean | number = false): number {
    const r = p.rand;
    const g = (r() + r() + r() + r() - 2) * Math.sqrt(3);
    const f = Math.max(0.2, 1 + this.jitter * g);
    const s = scale === true ? p.cpuScale : scale === false ? 1 : scale;
    return Math.max(1, Math.round(us * 1000 * f * s));
  }

  private stream(p: Proc, id: number) {
    let s = p.streams.get(id);
    if (!s) {
      s = { free: 0, ring: new Float64Array(QUEUE), n: 0 };
      p.streams.set(id, s);
    }
    return s;
  }

  /** Enqueues GPU work on a stream: returns [start, end]; `blockUntil` is when the launch queue had room. */
  /** @internal (./graphs.ts) */
  enqueue(p: Proc, streamId: number, earliest: number, durNs: number): { start: number; end: number; room: number } {
    const s = this.stream(p, streamId);
    const room = s.n >= QUEUE ? s.ring[s.n % QUEUE]! : 0;
    const start = Math.max(earliest, s.free);
    const end = start + durNs;
    s.free = end;
    s.ring[s.n % QUEUE] = end;
    s.n++;
    return { start, end, room };
  }

  private frames(at: string | Frame | undefined): Frame[] {
    return at ? [parseFrame(at), ...this.outer] : this.outer;
  }

  /** @internal (./graphs.ts) */
  api(p: Proc, name: string, start: number, end: number, corr: number | null, at?: Leaf['at'], cls = 0): void {
    const chain = this.threshold !== false && end - start >= this.threshold * 1000 ? p.cc.cuda(name, this.frames(at)) : null;
    p.db.insert('CUPTI_ACTIVITY_KIND_RUNTIME', {
      start, end, eventClass: cls, globalTid: p.gtid, correlationId: corr, nameId: p.db.str(name), returnValue: 0,
      callchainId: chain,
    });
  }

  private names = new Map<string, [number, number, number]>();

  /** StringIds of a kernel's demangled, short and mangled names (cached per name). */
  private kernelNames(p: Proc, name: string): [number, number, number] {
    let ids = p.names.get(name);
    if (!ids) {
      const short = shortKernelName(name);
      ids = [p.db.str(name), p.db.str(short), p.db.str(`_Z${short.length}${short}v`)];
      p.names.set(name, ids);
    }
    return ids;
  }

  /** @internal (./graphs.ts); `graph`: the CUDA graph and node the kernel ran as */
  kernelRow(p: Proc, k: { name: string; start: number; end: number; stream: number; corr: number }, e?: KernelEvent, graph?: { graphId: number; nodeId: number }): void {
    const [demangled, short, mangled] = this.kernelNames(p, k.name);
    const { grid, block } = kernelDims(e);
    p.db.insert('CUPTI_ACTIVITY_KIND_KERNEL', {
      start: k.start, end: k.end, deviceId: e?.device ?? p.device, contextId: 1, greenContextId: 0, streamId: k.stream,
      correlationId: k.corr, globalPid: p.gpid, demangledName: demangled, shortName: short, mangledName: mangled,
      launchType: 1, cacheConfig: 1,
      registersPerThread: e?.registers ?? 32, gridX: grid[0], gridY: grid[1], gridZ: grid[2], blockX: block[0],
      blockY: block[1], blockZ: block[2], staticSharedMemory: e?.staticSharedMemory ?? 0,
      dynamicSharedMemory: e?.sharedMemory ?? 0, localMemoryPerThread: 0, localMemoryTotal: 95813632,
      gridId: p.gridId++, sharedMemoryExecuted: 16384, sharedMemoryLimitConfig: 0, clusterX: 0, clusterY: 0,
      graphId: graph?.graphId ?? null, graphNodeId: graph?.nodeId ?? null,
      clusterZ: 0, clusterSchedulingPolicy: 0, maxPotentialClusterSize: 0, maxActiveClusters: 0,
    });
  }

  private kernel(p: Proc, e: KernelEvent): void {
    const stream = e.stream ?? p.computeStream;
    for (let i = 0; i < (e.count ?? 1); i++) {
      p.cpu += this.dur(p, e.gapUs ?? 2, true);
      const apiStart = p.cpu;
      let apiEnd = apiStart + this.dur(p, e.launchUs ?? this.launchNs / 1000, true);
      const corr = ++p.corr;
      const q = this.enqueue(p, stream, apiStart + this.latencyNs, this.dur(p, e.durationUs, p.gpuScale));
      if (q.room > apiStart) apiEnd = Math.max(apiEnd, q.room + 1000);
      this.api(p, 'cudaLaunchKernel_v7000', apiStart, apiEnd, corr, e.at);
      this.kernelRow(p, { name: e.name, start: q.start, end: q.end, stream, corr }, e);
      p.cpu = apiEnd;
    }
  }

  private memcpy(p: Proc, e: MemcpyEvent): void {
    const stream = e.stream ?? p.computeStream;
    const pinned = e.memory === 'pinned';
    const bw = e.kind === 'D2D' ? 1000 : pinned ? 24 : 9; // bytes per ns
    const asyncApi = e.async ?? true;
    const blocking = !asyncApi || (!pinned && e.kind !== 'D2D');
    const host = pinned ? 1 : 0;
    for (let i = 0; i < (e.count ?? 1); i++) {
      p.cpu += this.dur(p, e.gapUs ?? 2, true);
      const apiStart = p.cpu;
      const corr = ++p.corr;
      const q = this.enqueue(p, stream, apiStart + this.latencyNs, Math.round(e.bytes / bw) + this.dur(p, 1.5));
      const apiEnd = blocking ? q.end + this.dur(p, 2, true) : apiStart + this.dur(p, 5, true);
      this.api(p, asyncApi ? 'cudaMemcpyAsync_v3020' : 'cudaMemcpy_v3020', apiStart, apiEnd, corr, e.at);
      p.db.insert('CUPTI_ACTIVITY_KIND_MEMCPY', {
        start: q.start, end: q.end, deviceId: e.device ?? p.device, contextId: 1, greenContextId: 0, streamId: stream,
        correlationId: corr, globalPid: p.gpid, bytes: e.bytes, copyKind: e.kind === 'H2D' ? 1 : e.kind === 'D2H' ? 2 : 8,
        srcKind: e.kind === 'H2D' ? host : 2, dstKind: e.kind === 'D2H' ? host : 2, copyCount: 1,
      });
      p.cpu = apiEnd;
    }
  }

  private memset(p: Proc, e: MemsetEvent): void {
    const stream = e.stream ?? p.computeStream;
    for (let i = 0; i < (e.count ?? 1); i++) {
      p.cpu += this.dur(p, 2, true);
      const apiStart = p.cpu;
      const corr = ++p.corr;
      const q = this.enqueue(p, stream, apiStart + this.latencyNs, Math.round(e.bytes / 2000) + this.dur(p, 1));
      const apiEnd = apiStart + this.dur(p, 4, true);
      this.api(p, 'cudaMemsetAsync_v3020', apiStart, apiEnd, corr, e.at);
      p.db.insert('CUPTI_ACTIVITY_KIND_MEMSET', {
        start: q.start, end: q.end, deviceId: p.device, contextId: 1, streamId: stream, correlationId: corr,
        globalPid: p.gpid, value: e.value ?? 0, bytes: e.bytes, memKind: 2,
      });
      p.cpu = apiEnd;
    }
  }

  private sync(p: Proc, e: SyncEvent): void {
    p.cpu += this.dur(p, 2, true);
    const stream = e.stream ?? p.computeStream;
    let drained: number;
    let eventId = INVALID;
    if (e.api === 'device') drained = Math.max(0, ...[...p.streams.values()].map((s) => s.free));
    else drained = this.stream(p, stream).free;
    if (e.api === 'event') {
      const recStart = p.cpu;
      p.cpu += this.dur(p, 3, true);
      eventId = p.eventId++;
      this.api(p, 'cudaEventRecord_v3020', recStart, p.cpu, ++p.corr, e.at);
    }
    const apiStart = p.cpu;
    const apiEnd = Math.max(apiStart + this.dur(p, 1.5, true), drained + this.dur(p, 2));
    const corr = ++p.corr;
    const name = e.api === 'device' ? 'cudaDeviceSynchronize_v3020' : e.api === 'stream' ? 'cudaStreamSynchronize_v3020' : 'cudaEventSynchronize_v3020';
    this.api(p, name, apiStart, apiEnd, corr, e.at);
    p.db.insert('CUPTI_ACTIVITY_KIND_SYNCHRONIZATION', {
      start: apiStart + 300, end: Math.max(apiStart + 300, apiEnd - 300), deviceId: p.device, contextId: 1, greenContextId: null,
      streamId: e.api === 'device' ? INVALID : stream, correlationId: corr, globalPid: p.gpid,
      syncType: e.api === 'device' ? 4 : e.api === 'stream' ? 3 : 1, eventId, eventSyncId: eventId,
    });
    p.cpu = apiEnd;
  }

  /** One collective across every rank: each rank's kernel runs from its own arrival to the common end. */
  private nccl(e: NcclEvent): void {
    const op = e.op ?? 'AllReduce';
    const name = op === 'AllReduce' || op === 'ReduceScatter'
      ? `ncclDevKernel_${op}_Sum_bf16_RING_LL(ncclDevKernelArgsStorage<4096ul>)`
      : `ncclDevKernel_${op}_RING_LL(ncclDevKernelArgsStorage<4096ul>)`;
    const arrivals = this.procs.map((p) => {
      p.cpu += this.dur(p, 3, true);
      const stream = e.stream ?? p.ncclStream;
      const ready = Math.max(p.cpu + this.latencyNs, this.stream(p, p.computeStream).free, this.stream(p, stream).free);
      return { p, stream, ready, apiStart: p.cpu, corr: ++p.corr };
    });
    const wire = this.dur(this.procs[0]!, e.durationUs);
    const end = Math.max(...arrivals.map((a) => a.ready)) + wire;
    for (const a of arrivals) {
      const p = a.p;
      const apiEnd = a.apiStart + this.dur(p, 6, true);
      this.api(p, 'cuLaunchKernelEx', a.apiStart, apiEnd, a.corr, e.at, 1);
      const s = this.stream(p, a.stream);
      s.free = end;
      s.ring[s.n++ % QUEUE] = end;
      this.kernelRow(p, { name, start: a.ready, end, stream: a.stream, corr: a.corr }, {
        type: 'kernel', name, durationUs: e.durationUs, grid: [32, 1, 1], block: [640, 1, 1], registers: 96,
      });
      p.cpu = apiEnd;
      if (e.blocking ?? true) {
        const c = this.stream(p, p.computeStream);
        c.free = Math.max(c.free, end);
        const t = p.cpu;
        p.cpu += this.dur(p, 2, true);
        this.api(p, 'cudaStreamWaitEvent_v3020', t, p.cpu, ++p.corr, e.at);
      }
    }
  }

  private cpuWork(p: Proc, e: CpuEvent): void {
    const start = p.cpu;
    const end = start + this.dur(p, e.durationUs * (e.label ? p.labelScale[e.label] ?? 1 : 1), true);
    if (e.label) this.push(p, e.label);
    let t = start + 1000;
    for (const o of e.osrt ?? []) {
      for (let i = 0; i < (o.count ?? 1); i++) {
        const d = Math.min(this.dur(p, o.durationUs, true), Math.max(0, end - t - 500));
        if (d <= 0) break;
        const chain = this.sc.osrtBacktraces === false ? 0 : p.cc.osrt(o.name, this.frames(o.at ?? e.at));
        p.db.insert('OSRT_API', {
          start: t, end: t + d, eventClass: 27, globalTid: p.gtid, nameId: p.db.str(o.name), returnValue: 0,
          nestingLevel: 0, callchainId: chain, argumentsId: 0,
        });
        t += d + 500;
      }
    }
    p.cpu = end;
    if (e.label) this.pop(p);
  }

  private domainId(p: Proc, domain?: string): number {
    if (!domain) return 0;
    let id = p.domains.get(domain);
    if (id === undefined) {
      id = p.domains.size + 1;
      p.domains.set(domain, id);
      p.db.insert('NVTX_EVENTS', { start: p.cpu, eventType: 75, text: domain, globalTid: p.gtid, domainId: id });
    }
    return id;
  }

  private push(p: Proc, text: string, domain?: string): void {
    p.nvtx.push({ start: p.cpu, text, domainId: this.domainId(p, domain) });
  }

  private pop(p: Proc): void {
    const r = p.nvtx.pop();
    if (!r) return;
    p.cpu += 200;
    p.db.insert('NVTX_EVENTS', {
      start: r.start, end: p.cpu, eventType: 59, text: r.text, globalTid: p.gtid, domainId: r.domainId,
    });
  }

  private leaf(p: Proc, e: Leaf): void {
    if (e.type === 'kernel') this.kernel(p, e);
    else if (e.type === 'memcpy') this.memcpy(p, e);
    else if (e.type === 'memset') this.memset(p, e);
    else if (e.type === 'sync') this.sync(p, e);
    else if (e.type === 'cpu') this.cpuWork(p, e);
    else if (e.type === 'graph') replayGraph(this, p, e);
  }

  run(signal?: AbortSignal): void {
    const ops = flatten(this.sc.step);
    const it = this.sc.iterations;
    const t0 = Math.min(...this.procs.map((p) => p.cpu));
    const sr = this.sc.stepRanges ?? true;
    const stepText = typeof sr === 'object' ? sr.text ?? 'step {i}' : 'step {i}';
    const stepDomain = typeof sr === 'object' ? sr.domain : undefined;
    for (let i = 0; i < it.count; i++) {
      throwIfAborted(signal);
      for (const p of this.procs) {
        if (it.periodUs) p.cpu = Math.max(p.cpu, t0 + i * it.periodUs * 1000);
        if (sr) this.push(p, stepText.replace('{i}', String(i)), stepDomain);
      }
      for (const op of ops) {
        if (op.k === 'ev' && op.ev.type === 'nccl') this.nccl(op.ev);
        else for (const p of this.procs) {
          if (op.k === 'push') this.push(p, op.text, op.domain);
          else if (op.k === 'pop') this.pop(p);
          else this.leaf(p, op.ev);
        }
      }
      if (sr) for (const p of this.procs) this.pop(p);
    }
    this.endNs = Math.max(...this.procs.flatMap((p) => [p.cpu, ...[...p.streams.values()].map((s) => s.free)]));
  }
}
