// The one profile model every reader produces and every query consumes.
// Columnar (typed arrays) so a profile with millions of events stays compact and one pass can feed
// several metrics. Times are nanoseconds on the profile's own clock. No I/O here.

/** Interned strings: every *NameId / textId column indexes into ProfileModel.strings. */
export type StringTable = string[];

export type ProfileFormat = 'nsys-sqlite' | 'kineto-json' | 'autograd-legacy-json';

export interface GpuInfo {
  deviceId: number;
  name: string;
  /** e.g. "9.0" */
  computeCapability?: string;
  smCount?: number;
  memoryBytes?: number;
  busLocation?: string;
}

export interface ProcessInfo {
  pid: number;
  name: string;
  /** distributed rank when the profile says so (Kineto distributedInfo, env, process name) */
  rank?: number;
}

export interface ThreadInfo {
  pid: number;
  tid: number;
  name: string;
}

// The normalized kind codes stored in the Uint8Array columns (and so in the profile cache): values are fixed.

/** Memory copy direction, normalized across nsys (ENUM_CUDA_MEMCPY_OPER) and Kineto names. PtoP: between two GPUs. */
export enum CopyKind { Unknown = 0, HtoD = 1, DtoH = 2, DtoD = 3, HtoH = 4, PtoP = 5 }

/**
 * Host memory kind of a copy endpoint, normalized (nsys ENUM_CUDA_MEM_KIND). Pageable: ordinary host memory (the
 * copy is staged and cannot overlap compute); Pinned: page-locked (pin_memory); Array: a CUDA array; Managed: unified memory.
 */
export enum MemKind { Unknown = 0, Pageable = 1, Pinned = 2, Device = 3, Array = 4, Managed = 5 }

/**
 * What a synchronization waited for (nsys CUPTI_ACTIVITY_SYNCHRONIZATION_TYPE, Kineto cuda_sync names, runtime call
 * names): an event (cudaEventSynchronize), a stream for an event (cudaStreamWaitEvent, the host does not block), a
 * stream, a context or the device.
 */
export enum SyncKind { Unknown = 0, Event = 1, StreamWaitEvent = 2, Stream = 3, Context = 4, Device = 5 }

/** What every table has: its row count and each row's interval (ns). */
export interface Rows {
  length: number;
  start: Float64Array;
  end: Float64Array;
}

/** Rows of GPU work: the device and stream it ran on, the process that issued it. */
export interface StreamRows extends Rows {
  deviceId: Int32Array;
  streamId: Int32Array;
  pid: Int32Array;
}

/** Rows of host work: the process and thread it ran on. */
export interface ThreadRows extends Rows {
  pid: Int32Array;
  tid: Int32Array;
}

/** Kernels and other GPU work (one row per kernel launch). */
export interface KernelTable extends StreamRows {
  /** short (demangled, no args) name */
  nameId: Int32Array;
  /** full demangled name when known, else same as nameId */
  fullNameId: Int32Array;
  /** runtime correlation id (links to ApiTable.correlationId), -1 when unknown */
  correlationId: Float64Array;
  gridX: Int32Array; gridY: Int32Array; gridZ: Int32Array;
  blockX: Int32Array; blockY: Int32Array; blockZ: Int32Array;
  registersPerThread: Int32Array;
  sharedMemoryBytes: Int32Array;
  /**
   * CUDA graph node the kernel ran as (nsys KERNEL.graphNodeId, 2025.5+), -1 when not launched by a graph or
   * unknown. Absent when the reader has no such column. Graph membership itself is by correlation id: a
   * graph's kernels carry the correlation id of the `*GraphLaunch` call that replayed them (nsys and Kineto).
   */
  graphNodeId?: Float64Array;
}

/** CPU-side API calls: CUDA runtime/driver calls (nsys RUNTIME, Kineto cuda_runtime). */
export interface ApiTable extends ThreadRows {
  nameId: Int32Array;
  correlationId: Float64Array;
  /** CUDA_CALLCHAINS id / OSRT callchain id, -1 when none */
  callchainId: Float64Array;
  /** return value / status, 0 when unknown */
  returnValue: Int32Array;
  /**
   * Kernel-launch calls that name their kernel (Kineto args.kernel of cudaLaunchKernel / hipModuleLaunchKernel
   * …): that name's string id, -1 otherwise. It is how a launch recorded during CUDA-graph capture (which runs
   * no kernel then) says what it captured. Absent when the reader has no such column.
   */
  kernelNameId?: Int32Array;
  /** the launch's grid and block as a string id of `launchDimsKey(...)` (Kineto args.grid/block), -1 when not given */
  launchDimsId?: Int32Array;
}

export interface MemcpyTable extends StreamRows {
  copyKind: Uint8Array; // CopyKind
  srcKind: Uint8Array; // MemKind
  dstKind: Uint8Array; // MemKind
  bytes: Float64Array;
  correlationId: Float64Array;
}

export interface MemsetTable extends StreamRows {
  bytes: Float64Array;
  correlationId: Float64Array;
}

export interface SyncTable extends ThreadRows {
  deviceId: Int32Array;
  streamId: Int32Array;
  syncKind: Uint8Array; // SyncKind
  correlationId: Float64Array;
}

/** NVTX ranges and marks; for Kineto, user annotations (ProfilerStep#N, record_function). */
export interface RangeTable extends ThreadRows {
  /** end === start for marks */
  end: Float64Array;
  textId: Int32Array;
  /** nesting depth on its thread when known (0 = top), -1 unknown */
  depth: Int32Array;
  /** NVTX domain name id, -1 none */
  domainId: Int32Array;
}

/**
 * Graph-level replays of CUDA graphs (nsys CUPTI_ACTIVITY_KIND_GRAPH_TRACE): one row per graph launch when
 * graph tracing is at graph level (kernels inside are then not traced one by one).
 */
export interface GraphTraceTable extends StreamRows {
  /** the cudaGraphLaunch call's correlation id (links to ApiTable.correlationId), -1 when unknown */
  correlationId: Float64Array;
  graphId: Float64Array;
  graphExecId: Float64Array;
}

/** CPU operator / Python frames (Kineto cpu_op, python_function; legacy autograd events). */
export interface CpuEventTable extends ThreadRows {
  nameId: Int32Array;
  /** for python_function: the file (string id) and line; -1 / 0 otherwise */
  fileId: Int32Array;
  line: Int32Array;
  /** 0 = cpu_op/operator, 1 = python_function, 2 = user annotation, 3 = other */
  kind: Uint8Array;
  /** Kineto cpu_op: its "External id" (the same id sits in args of the runtime calls and kernels it launched); -1 otherwise */
  correlationId: Float64Array;
  /** key into ProfileModel.callchains when the event carries its own Python stack (Kineto 2021 "Call stack"), -1 none */
  callchainId?: Float64Array;
}

/** OS runtime calls (nsys OSRT_API): read, poll, futex, pthread_mutex_lock, … */
export interface OsCallTable extends ThreadRows {
  nameId: Int32Array;
  callchainId: Float64Array;
}

export interface StackFrame {
  symbol: string;
  module?: string;
  /** source file and line when the frame has them (Python frames, resolved symbols) */
  file?: string;
  line?: number;
}

/** What a reader found in (and missing from) the profile. */
export interface ProfileCapabilities {
  kernels: boolean;
  runtime: boolean;
  memcpy: boolean;
  memset: boolean;
  sync: boolean;
  nvtx: boolean;
  osrt: boolean;
  cudaCallchains: boolean;
  osrtCallchains: boolean;
  cpuSampling: boolean;
  pythonStacks: boolean;
  cpuOps: boolean;
}

/** Model tables a reader can open count-only (rows counted, not loaded). */
export type CountOnlyTable = 'osrt';

export interface ProfileMeta {
  format: ProfileFormat;
  /** path as given by the user */
  source: string;
  /** e.g. nsys "2024.6.2.25", torch "2.1.0" */
  toolVersion?: string;
  schemaVersion?: string;
  /** recorded command line when the capture has it */
  commandLine?: string;
  /** first and last timestamp over all events (ns) */
  startNs: number;
  endNs: number;
  gpus: GpuInfo[];
  processes: ProcessInfo[];
  threads: ThreadInfo[];
  capabilities: ProfileCapabilities;
  /** tables found, with row counts (nsys) or event categories (Kineto) */
  tables: Record<string, number>;
  /**
   * Model tables opened count-only (OpenOptions.countOnly): their rows were not loaded (the model table is
   * empty) and this is how many there are. Span, processes, threads and capabilities still include them.
   */
  countOnly?: Partial<Record<CountOnlyTable, number>>;
  /** human-readable notes on what is missing and what follows, e.g. "no callchains: localization will be static" */
  notes: string[];
  /**
   * Kineto/legacy traces: the trace timestamp (µs, the trace's own clock) that became 0 ns here.
   * Traces are rebased so that epoch-based microsecond timestamps keep nanosecond precision in a float64.
   */
  clockOriginUs?: number;
  /**
   * Environment of the launched process as the capture recorded it (nsys PROCESS_n:ENVIRONMENT_VARIABLE
   * "KEY=VALUE" rows; redacted values are left out). Tells a one-rank export its RANK / WORLD_SIZE / run id.
   */
  captureEnv?: Record<string, string>;
  /** host the capture ran on when the profile says (nsys TARGET_INFO_SYSTEM_ENV Hostname) */
  host?: string;
  /** distributed info when present */
  distributed?: { rank: number; worldSize: number; backend?: string };
}

export interface ProfileModel {
  meta: ProfileMeta;
  strings: StringTable;
  kernels: KernelTable;
  runtime: ApiTable;
  memcpy: MemcpyTable;
  memset: MemsetTable;
  sync: SyncTable;
  nvtx: RangeTable;
  cpu: CpuEventTable;
  osrt: OsCallTable;
  /** callchain id → frames, innermost first (CUDA_CALLCHAINS, OSRT_CALLCHAINS) */
  callchains: Map<number, StackFrame[]>;
  /** graph-level CUDA graph replays (nsys graph trace); absent when the profile has none */
  graphTrace?: GraphTraceTable;
}
