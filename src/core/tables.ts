// Growable columnar tables: readers append rows, then freeze into the typed-array tables of profile.ts.
import type {
  ApiTable, CpuEventTable, KernelTable, MemcpyTable, MemsetTable, OsCallTable, ProfileModel,
  RangeTable, StackFrame, StringTable, SyncTable,
} from './profile.js';

type ArrayCtor = Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;
type ColumnSpec = Record<string, ArrayCtor>;
type Columns<S extends ColumnSpec> = { [K in keyof S]: InstanceType<S[K]> };
export type Table<S extends ColumnSpec> = Columns<S> & { length: number };

/** The columns every table starts with: the row's interval (ns). */
const INTERVAL = { start: Float64Array, end: Float64Array } satisfies ColumnSpec;
/** Where GPU work ran: device, stream, and the process that issued it. */
const ON_STREAM = { ...INTERVAL, deviceId: Int32Array, streamId: Int32Array, pid: Int32Array } satisfies ColumnSpec;
/** Where host work ran: process and thread. */
const ON_THREAD = { ...INTERVAL, pid: Int32Array, tid: Int32Array } satisfies ColumnSpec;

export const KERNEL_COLUMNS = {
  ...ON_STREAM,
  nameId: Int32Array, fullNameId: Int32Array, correlationId: Float64Array,
  gridX: Int32Array, gridY: Int32Array, gridZ: Int32Array, blockX: Int32Array, blockY: Int32Array, blockZ: Int32Array,
  registersPerThread: Int32Array, sharedMemoryBytes: Int32Array,
} satisfies ColumnSpec;
export const API_COLUMNS = {
  ...ON_THREAD, nameId: Int32Array,
  correlationId: Float64Array, callchainId: Float64Array, returnValue: Int32Array,
} satisfies ColumnSpec;
/** Runtime calls of readers that know what a launch call launched (Kineto args.kernel/grid/block). */
export const LAUNCH_API_COLUMNS = {
  ...API_COLUMNS, kernelNameId: Int32Array, launchDimsId: Int32Array,
} satisfies ColumnSpec;
/** Kernels of readers that know their CUDA graph node (nsys 2025.5+ KERNEL.graphNodeId). */
export const GRAPH_KERNEL_COLUMNS = { ...KERNEL_COLUMNS, graphNodeId: Float64Array } satisfies ColumnSpec;
export const GRAPH_TRACE_COLUMNS = {
  ...ON_STREAM, correlationId: Float64Array, graphId: Float64Array, graphExecId: Float64Array,
} satisfies ColumnSpec;
export const MEMCPY_COLUMNS = {
  ...ON_STREAM, copyKind: Uint8Array, srcKind: Uint8Array, dstKind: Uint8Array, bytes: Float64Array, correlationId: Float64Array,
} satisfies ColumnSpec;
export const MEMSET_COLUMNS = { ...ON_STREAM, bytes: Float64Array, correlationId: Float64Array } satisfies ColumnSpec;
export const SYNC_COLUMNS = {
  ...ON_THREAD, deviceId: Int32Array, streamId: Int32Array, syncKind: Uint8Array, correlationId: Float64Array,
} satisfies ColumnSpec;
export const RANGE_COLUMNS = { ...ON_THREAD, textId: Int32Array, depth: Int32Array, domainId: Int32Array } satisfies ColumnSpec;
export const CPU_COLUMNS = {
  ...ON_THREAD, nameId: Int32Array, fileId: Int32Array, line: Int32Array, kind: Uint8Array, correlationId: Float64Array, callchainId: Float64Array,
} satisfies ColumnSpec;
export const OSCALL_COLUMNS = { ...ON_THREAD, nameId: Int32Array, callchainId: Float64Array } satisfies ColumnSpec;

/** Appends rows column by column, doubling capacity as needed. */
export class TableBuilder<S extends ColumnSpec> {
  private cols: Columns<S>;
  private capacity: number;
  length = 0;

  constructor(private readonly spec: S, initialCapacity = 1024) {
    this.capacity = Math.max(16, initialCapacity);
    this.cols = this.alloc(this.capacity);
  }

  private alloc(n: number): Columns<S> {
    const out = {} as Record<string, Float64Array | Int32Array | Uint8Array>;
    for (const [k, C] of Object.entries(this.spec)) out[k] = new C(n);
    return out as Columns<S>;
  }

  /** Append one row; missing columns get 0 (or -1 for *Id / correlation / callchain columns). */
  push(row: Partial<Record<keyof S, number>>): void {
    if (this.length === this.capacity) this.grow();
    const i = this.length++;
    for (const k of Object.keys(this.spec) as (keyof S & string)[]) {
      const v = row[k];
      (this.cols[k] as Float64Array)[i] = v === undefined ? defaultFor(k) : v;
    }
  }

  private grow(): void {
    this.capacity *= 2;
    const next = this.alloc(this.capacity);
    for (const k of Object.keys(this.spec) as (keyof S)[]) {
      (next[k] as Float64Array).set(this.cols[k] as Float64Array);
    }
    this.cols = next;
  }

  /** The rows pushed so far of one column, as a live view (writes go into the table). */
  column<K extends keyof S>(key: K): InstanceType<S[K]> {
    return (this.cols[key] as Float64Array).subarray(0, this.length) as InstanceType<S[K]>;
  }

  /**
   * build(), then let go of the growable columns (the builder is empty afterwards): the peak holds one
   * table's spare capacity at a time instead of every table's.
   */
  take(): Table<S> {
    const out = this.build();
    this.capacity = 16;
    this.length = 0;
    this.cols = this.alloc(this.capacity);
    return out;
  }

  /** Trim to length and return the frozen table. */
  build(): Table<S> {
    const out = { length: this.length } as Record<string, unknown>;
    for (const k of Object.keys(this.spec)) {
      out[k] = (this.cols[k as keyof S] as Float64Array).slice(0, this.length);
    }
    return out as Table<S>;
  }
}

function defaultFor(column: string): number {
  return column === 'correlationId' || column === 'callchainId' || column === 'domainId' ||
    column === 'fileId' || column === 'depth' || column === 'kernelNameId' || column === 'launchDimsId' ||
    column === 'graphNodeId' ? -1 : 0;
}

export function emptyTable<S extends ColumnSpec>(spec: S): Table<S> {
  return new TableBuilder(spec, 16).build();
}

/**
 * The grid and block of a launch as one comparable key ("grid 8,1,1 block 256,1,1"): how a launch call's
 * dimensions (ApiTable.launchDimsId) are compared with a kernel's (KernelTable grid/block columns).
 */
export function launchDimsKey(gx: number, gy: number, gz: number, bx: number, by: number, bz: number): string {
  return `grid ${gx},${gy},${gz} block ${bx},${by},${bz}`;
}

/** Interns strings into a StringTable; id 0 is always the empty string. */
export class StringInterner {
  readonly strings: StringTable = [''];
  private readonly ids = new Map<string, number>([['', 0]]);
  intern(s: string | null | undefined): number {
    if (s === null || s === undefined) return 0;
    let id = this.ids.get(s);
    if (id === undefined) {
      id = this.strings.length;
      this.strings.push(s);
      this.ids.set(s, id);
    }
    return id;
  }
}

/**
 * The string table, the event tables every source fills and the callchains, grown row by row before they become a
 * ProfileModel: the Kineto reader's TraceBuilder and the tests' ModelBuilder extend it (each with its kernel columns).
 */
export class EventTablesBuilder<K extends ColumnSpec> {
  readonly strings = new StringInterner();
  readonly kernels: TableBuilder<K>;
  readonly runtime = new TableBuilder(LAUNCH_API_COLUMNS);
  readonly memcpy = new TableBuilder(MEMCPY_COLUMNS);
  readonly memset = new TableBuilder(MEMSET_COLUMNS);
  readonly sync = new TableBuilder(SYNC_COLUMNS);
  readonly nvtx = new TableBuilder(RANGE_COLUMNS);
  readonly cpu = new TableBuilder(CPU_COLUMNS);
  /** callchain id → its frames, innermost first */
  readonly callchains = new Map<number, StackFrame[]>();

  constructor(kernelColumns: K) {
    this.kernels = new TableBuilder(kernelColumns);
  }
}

export function emptyTables(): Pick<ProfileModel, 'kernels' | 'runtime' | 'memcpy' | 'memset' | 'sync' | 'nvtx' | 'cpu' | 'osrt'> {
  return {
    kernels: emptyTable(KERNEL_COLUMNS) as KernelTable,
    runtime: emptyTable(API_COLUMNS) as ApiTable,
    memcpy: emptyTable(MEMCPY_COLUMNS) as MemcpyTable,
    memset: emptyTable(MEMSET_COLUMNS) as MemsetTable,
    sync: emptyTable(SYNC_COLUMNS) as SyncTable,
    nvtx: emptyTable(RANGE_COLUMNS) as RangeTable,
    cpu: emptyTable(CPU_COLUMNS) as CpuEventTable,
    osrt: emptyTable(OSCALL_COLUMNS) as OsCallTable,
  };
}
