// One pass over chrome-trace events (the array JSON.parse gave) into the columnar tables of the profile
// model. Category names drift across Kineto versions; CATEGORY maps every spelling seen in real traces.
import { EventTablesBuilder, KERNEL_COLUMNS, launchDimsKey, TableBuilder } from '../../core/tables.js';
import type { StackFrame } from '../../core/profile.js';
import { SyncKind } from '../../core/profile.js';
import { throwIfAborted } from '../../core/errors.js';
import { parsePythonFrame } from '../python-frame.js';
import {
  cudaSyncKind, isLegacyOperatorName, parseCallStack, parseMemcpyName, runtimeSyncKind,
  shortKernelName,
} from './names.js';

export type EventClass = 'op' | 'runtime' | 'kernel' | 'memcpy' | 'memset' | 'python' | 'annotation' | 'gpuAnnotation' | 'sync';

/** Every category spelling seen in the real torch.profiler traces of 2021–2025 (CUDA and ROCm). */
export const CATEGORY: Record<string, EventClass> = {
  cpu_op: 'op', Operator: 'op',
  cuda_runtime: 'runtime', Runtime: 'runtime', cuda_driver: 'runtime',
  kernel: 'kernel', Kernel: 'kernel',
  gpu_memcpy: 'memcpy', Memcpy: 'memcpy',
  gpu_memset: 'memset', Memset: 'memset',
  python_function: 'python',
  user_annotation: 'annotation',
  gpu_user_annotation: 'gpuAnnotation',
  cuda_sync: 'sync',
};

type Json = Record<string, unknown>;

/** The one process of a legacy autograd-profiler trace (which records no pid). */
const LEGACY_CPU_PID = 'CPU functions';
/** torch ≤1.8 legacy profiler with use_cuda=True: per-operator GPU time measured with CUDA events. */
const LEGACY_GPU_PID = 'CUDA functions';

export function num(v: unknown): number {
  if (typeof v === 'number') return v;
  if (typeof v === 'string' && v.trim() !== '') return Number(v);
  return NaN;
}

function int(v: unknown, fallback: number): number {
  const n = num(v);
  return Number.isFinite(n) ? Math.trunc(n) : fallback;
}

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function argsOf(e: Json): Json {
  return isObj(e.args) ? e.args : {};
}

export interface BuildOptions {
  legacy: boolean;
  signal?: AbortSignal;
}

/** Tables and facts gathered in the pass; ./meta.ts turns the facts into ProfileMeta. */
export class TraceBuilder extends EventTablesBuilder<typeof KERNEL_COLUMNS> {
  /** event count per raw category (or `ph:<ph>` for events without one) */
  readonly categories: Record<string, number> = {};
  /** metadata events (ph "M"): process_name, process_labels, thread_name … */
  readonly metadata: Json[] = [];
  /** pids/tids seen on host-side events */
  readonly hostThreads = new Map<string, { pid: number; tid: number }>();
  readonly gpuPids = new Set<number>();
  readonly devicesSeen = new Set<number>();
  /** runtime rows that are synchronizing calls, with their kind */
  readonly runtimeSyncs: { row: number; kind: SyncKind }[] = [];
  readonly cudaSyncCorrelations = new Set<number>();
  /** per runtime row (in push order): the External id of the operator that made the call, -1 none */
  readonly runtimeExternal = new TableBuilder({ id: Float64Array });
  /** operator External id → the callchain of its "Call stack" arg (2021 traces) */
  readonly opChainByExternal = new Map<number, number>();
  readonly syntheticIds = new Map<string, number>();
  /** synthetic id → the string it stands for */
  readonly syntheticNames = new Map<number, string>();
  /** the trace's time origin (µs, floored smallest ts): 0 ns; set by settleTimes() */
  origin = 0;
  minStartNs = Infinity;
  maxEndNs = -Infinity;
  private minTs = Infinity;
  private minRowTs = Infinity;
  private maxRawEnd = -Infinity;
  private lastEnds: [number, number][] = [];
  callStacks = 0;
  legacyGpuEvents = 0;
  skipped = 0;
  private readonly kernelNames = new Map<string, [number, number]>();
  private readonly pyFrames = new Map<string, [number, number, number]>();
  private readonly stackIds = new Map<string, number>();
  private readonly atenOps = new Set<string>();

  get legacy(): boolean {
    return this.opts.legacy;
  }

  constructor(private readonly opts: BuildOptions) {
    super(KERNEL_COLUMNS);
    // Legacy traces name their one process "CPU functions" and give no pid: it becomes pid 0.
    if (opts.legacy) this.syntheticNames.set(0, LEGACY_CPU_PID);
  }

  /** A pid/tid as a number: numbers and numeric strings as they are, other strings as stable negative ids. */
  idOf(v: unknown): number {
    const n = num(v);
    if (Number.isFinite(n)) return Math.trunc(n);
    if (typeof v !== 'string') return -1;
    let id = this.syntheticIds.get(v);
    if (id === undefined) {
      id = -2 - this.syntheticIds.size;
      this.syntheticIds.set(v, id);
      this.syntheticNames.set(id, v);
    }
    return id;
  }

  /** Legacy traces tell operators from ranges by the aten op names of the whole trace: see them all first. */
  noteNames(e: unknown): void {
    if (this.opts.legacy && isObj(e) && typeof e.name === 'string' && e.name.startsWith('aten::')) this.atenOps.add(e.name.slice(6));
  }

  /** One element of the event list; non-objects are counted as skipped. */
  addEvent(e: unknown, index: number): void {
    if ((index & 0xffff) === 0xffff) throwIfAborted(this.opts.signal);
    if (isObj(e)) this.add(e);
    else this.skipped++;
  }

  addAll(events: unknown[]): void {
    for (const e of events) this.noteNames(e);
    for (let i = 0; i < events.length; i++) this.addEvent(events[i], i);
  }

  /**
   * Rows hold raw µs (ts, and dur or 0) until every event is seen, since the origin is the smallest ts of
   * them all: this turns them into ns from the origin, as `round((ts - origin)·1000)` and that plus
   * `round(dur·1000)`. Call once, after the last event.
   */
  settleTimes(): void {
    this.origin = Number.isFinite(this.minTs) ? Math.floor(this.minTs) : 0;
    const origin = this.origin;
    const tables: { column(key: 'start' | 'end'): Float64Array }[] = [this.kernels, this.runtime, this.memcpy, this.memset, this.sync, this.nvtx, this.cpu];
    for (const t of tables) {
      const start = t.column('start');
      const end = t.column('end');
      for (let i = 0; i < start.length; i++) {
        const s = Math.round((start[i]! - origin) * 1000);
        start[i] = s;
        end[i] = s + Math.round(end[i]! * 1000);
      }
    }
    if (Number.isFinite(this.minRowTs)) this.minStartNs = Math.round((this.minRowTs - origin) * 1000);
    for (const [ts, dur] of this.lastEnds) {
      const e = Math.round((ts - origin) * 1000) + Math.round(dur * 1000);
      if (e > this.maxEndNs) this.maxEndNs = e;
    }
  }

  /**
   * Keeps the events whose end may be the latest once rounded: ends within 1 µs of the largest (rounding
   * moves an end by at most 1 ns, and ts + dur near 1.7e15 µs is exact to 0.125 µs).
   */
  private noteEnd(ts: number, dur: number): void {
    const e = ts + dur;
    if (e < this.maxRawEnd - 1) return;
    if (e > this.maxRawEnd) {
      this.maxRawEnd = e;
      this.lastEnds = this.lastEnds.filter(([t, d]) => t + d >= e - 1);
    }
    this.lastEnds.push([ts, dur]);
  }

  private add(e: Json): void {
    if (e.ph !== 'M') {
      const t = num(e.ts);
      if (t < this.minTs) this.minTs = t;
    }
    const cat = typeof e.cat === 'string' ? e.cat : undefined;
    const key = cat ?? `ph:${String(e.ph)}`;
    this.categories[key] = (this.categories[key] ?? 0) + 1;
    if (e.ph === 'M') {
      this.metadata.push(e);
      return;
    }
    if (e.ph !== 'X') return;
    const cls = cat !== undefined ? CATEGORY[cat] : this.opts.legacy ? this.legacyClass(e) : undefined;
    if (cls === undefined) return;
    const ts = num(e.ts);
    if (!Number.isFinite(ts)) {
      this.skipped++;
      return;
    }
    const rawDur = num(e.dur);
    // Raw µs until settleTimes(): the row's start column holds ts, its end column the duration.
    const start = ts;
    const end = Number.isFinite(rawDur) && rawDur > 0 ? rawDur : 0;
    if (!Number.isFinite(ts * 1000) || !Number.isFinite(end * 1000)) {
      this.skipped++;
      return;
    }
    if (ts < this.minRowTs) this.minRowTs = ts;
    this.noteEnd(ts, end);
    const name = typeof e.name === 'string' ? e.name : String(e.name ?? '');
    const args = argsOf(e);
    switch (cls) {
      case 'kernel': return this.addKernel(e, args, name, start, end);
      case 'memcpy': {
        const k = parseMemcpyName(name, args.kind);
        this.memcpy.push({
          start, end, ...this.gpuPlace(e, args), copyKind: k.copyKind, srcKind: k.srcKind, dstKind: k.dstKind,
          bytes: num(args.bytes) || 0, correlationId: int(args.correlation, -1),
        });
        return;
      }
      case 'memset':
        this.memset.push({ start, end, ...this.gpuPlace(e, args), bytes: num(args.bytes) || 0, correlationId: int(args.correlation, -1) });
        return;
      case 'sync': {
        const correlationId = int(args.correlation, -1);
        if (correlationId >= 0) this.cudaSyncCorrelations.add(correlationId);
        const kindText = typeof args.cuda_sync_kind === 'string' ? args.cuda_sync_kind : name;
        const place = this.gpuPlace(e, args);
        this.sync.push({ start, end, pid: -1, tid: -1, deviceId: place.deviceId, streamId: place.streamId, syncKind: cudaSyncKind(kindText), correlationId });
        return;
      }
      case 'gpuAnnotation':
        return;
      default:
        return this.addHost(cls, e, args, name, start, end);
    }
  }

  private addHost(cls: EventClass, e: Json, args: Json, name: string, start: number, end: number): void {
    const pid = this.opts.legacy && e.pid === LEGACY_CPU_PID ? 0 : this.idOf(e.pid);
    const tid = this.idOf(e.tid);
    const tkey = `${pid}:${tid}`;
    if (!this.hostThreads.has(tkey)) this.hostThreads.set(tkey, { pid, tid });
    if (cls === 'runtime') {
      const correlationId = int(args.correlation, -1);
      const row = this.runtime.length;
      this.runtime.push({ start, end, pid, tid, nameId: this.strings.intern(name), correlationId, ...this.launchOf(args) });
      this.runtimeExternal.push({ id: int(args['External id'] ?? args['external id'], -1) });
      const kind = runtimeSyncKind(name);
      if (kind !== undefined) this.runtimeSyncs.push({ row, kind });
    } else if (cls === 'annotation') {
      this.nvtx.push({ start, end, pid, tid, textId: this.strings.intern(name) });
    } else if (cls === 'python') {
      const [nameId, fileId, line] = this.pythonFrame(name);
      this.cpu.push({ start, end, pid, tid, nameId, fileId, line, kind: 1 });
    } else if (cls === 'op') {
      const external = int(args['External id'] ?? args['external id'], -1);
      const stack = args['Call stack'];
      const callchainId = typeof stack === 'string' && stack.length > 0 ? this.callchain(stack) : -1;
      if (callchainId >= 0 && external >= 0) this.opChainByExternal.set(external, callchainId);
      this.cpu.push({ start, end, pid, tid, nameId: this.strings.intern(name), kind: 0, correlationId: external, callchainId });
    }
  }

  private addKernel(e: Json, args: Json, name: string, start: number, end: number): void {
    let ids = this.kernelNames.get(name);
    if (!ids) {
      // Legacy GPU rows are named after their operator (aten::mm), not a kernel signature.
      const short = e.pid === LEGACY_GPU_PID ? name : shortKernelName(name);
      ids = [this.strings.intern(short), this.strings.intern(name)];
      this.kernelNames.set(name, ids);
    }
    const grid = Array.isArray(args.grid) ? args.grid : [];
    const block = Array.isArray(args.block) ? args.block : [];
    this.kernels.push({
      start, end, ...this.gpuPlace(e, args), nameId: ids[0], fullNameId: ids[1],
      correlationId: int(args.correlation, -1),
      gridX: int(grid[0], 0), gridY: int(grid[1], 0), gridZ: int(grid[2], 0),
      blockX: int(block[0], 0), blockY: int(block[1], 0), blockZ: int(block[2], 0),
      registersPerThread: int(args['registers per thread'], 0),
      sharedMemoryBytes: int(args['shared memory'], 0),
    });
  }

  /**
   * What a launch call says it launched (args.kernel, grid, block): the only record of a kernel captured into
   * a CUDA graph, since capture runs nothing.
   */
  private launchOf(args: Json): { kernelNameId?: number; launchDimsId?: number } {
    const kernel = args.kernel;
    if (typeof kernel !== 'string' || kernel === '') return {};
    const grid = Array.isArray(args.grid) ? args.grid : undefined;
    const block = Array.isArray(args.block) ? args.block : undefined;
    const dims = grid && block
      ? this.strings.intern(launchDimsKey(int(grid[0], 0), int(grid[1], 0), int(grid[2], 0), int(block[0], 0), int(block[1], 0), int(block[2], 0)))
      : -1;
    return { kernelNameId: this.strings.intern(kernel), launchDimsId: dims };
  }

  /** Device and stream of a GPU row: args.device/args.stream, else the event's pid/tid (Kineto draws them so). */
  private gpuPlace(e: Json, args: Json): { deviceId: number; streamId: number; pid: number } {
    if (e.pid === LEGACY_GPU_PID) {
      // Legacy use_cuda events: tid is the device; the stream is not recorded.
      const deviceId = int(e.tid, -1);
      if (deviceId >= 0) this.devicesSeen.add(deviceId);
      this.legacyGpuEvents++;
      return { deviceId, streamId: -1, pid: -1 };
    }
    const deviceId = int(args.device, int(e.pid, -1));
    let streamId = int(args.stream, NaN);
    if (Number.isNaN(streamId)) {
      const m = typeof e.tid === 'string' ? /(\d+)\s*$/.exec(e.tid) : null;
      streamId = m ? Number(m[1]) : int(e.tid, -1);
    }
    const gpuPid = int(e.pid, NaN);
    if (!Number.isNaN(gpuPid)) this.gpuPids.add(gpuPid);
    if (deviceId >= 0) this.devicesSeen.add(deviceId);
    return { deviceId, streamId, pid: -1 };
  }

  private pythonFrame(name: string): [number, number, number] {
    let f = this.pyFrames.get(name);
    if (!f) {
      // a name that is not a frame (`nn.Module: Linear_0`, a built-in) is kept whole, with no file
      const p = parsePythonFrame(name);
      f = p ? [this.strings.intern(p.function), this.strings.intern(p.file), p.line] : [this.strings.intern(name), -1, 0];
      this.pyFrames.set(name, f);
    }
    return f;
  }

  private legacyClass(e: Json): EventClass {
    if (e.pid === LEGACY_GPU_PID) return 'kernel';
    return isLegacyOperatorName(typeof e.name === 'string' ? e.name : '', this.atenOps) ? 'op' : 'annotation';
  }

  /** The callchain id of a stack, keyed by its text; `frames` builds it the first time. */
  chainId(key: string, frames: () => StackFrame[]): number {
    let id = this.stackIds.get(key);
    if (id === undefined) {
      id = this.stackIds.size;
      this.stackIds.set(key, id);
      this.callchains.set(id, frames());
    }
    return id;
  }

  private callchain(stack: string): number {
    this.callStacks++;
    return this.chainId(stack, () => parseCallStack(stack));
  }
}

