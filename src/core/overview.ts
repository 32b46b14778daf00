// The binned summary of a profile that a dashboard or report draws: a fixed number of bins per lane,
// whatever the profile's size. Built from a ProfileModel by src/profile/overview.ts. No I/O here.

export type LaneKind = 'kernel' | 'memcpy' | 'nccl';

/** One row of the timeline: GPU work on one device and stream. */
export interface OverviewLane {
  deviceId: number;
  streamId: number;
  /** busy fraction (0..1) of each bin, per kind of work */
  busy: Record<LaneKind, number[]>;
  /** total busy time (ns) of the lane */
  busyNs: number;
}

export interface OverviewIteration {
  /** e.g. "ProfilerStep#3" or the NVTX range text */
  label: string;
  startNs: number;
  endNs: number;
}

export interface OverviewKernel {
  name: string;
  count: number;
  totalNs: number;
  meanNs: number;
  /** share of all kernel time, 0..1 */
  share: number;
}

export interface ProfileOverview {
  schemaVersion: 1;
  source: string;
  format: string;
  startNs: number;
  endNs: number;
  bins: number;
  /** width of one bin (ns) */
  binNs: number;
  gpus: Array<{ deviceId: number; name: string }>;
  lanes: OverviewLane[];
  /** fraction of each bin during which the host was inside a CUDA runtime call or CPU op (0..1) */
  cpuBusy: number[];
  /** fraction of each bin with any GPU work on any lane (0..1) */
  gpuBusy: number[];
  /**
   * share of the profile where CPU and GPU were both busy, only the GPU, only the CPU, neither but inside an NVTX
   * or annotation range other than a step range (nvtxOnly: annotated code with no GPU work and no recorded CPU
   * call; absent in overviews saved before it was measured), and none of these (idle); they sum to 1
   */
  overlap: { both: number; gpuOnly: number; cpuOnly: number; nvtxOnly?: number; idle: number };
  iterations: OverviewIteration[];
  /** median iteration time (ms) when iterations were found */
  iterationMs: number | null;
  topKernels: OverviewKernel[];
  /** how the steps were found: the one step detector (src/profile/queries/iterations.ts) and its method in words */
  iterationMethod?: string;
  iterationDetail?: string;
  /** fraction of each bin the host was blocked in a synchronization call (waiting for the GPU, not CPU work) */
  cpuWaiting?: number[];
  /** GPU time by kind, CUDA API calls and NVTX ranges (whole profile only, not on zoom) */
  gpuTime?: GpuTimeResult;
  counts: { kernels: number; memcpy: number; runtime: number; nvtx: number };
  notes: string[];
}

// GPU time by kind (src/profile/queries/gpu-time.ts), what `nsys stats` users read first.
export interface GpuTimeDevice {
  deviceId: number;
  name: string;
  /** first to last GPU work on the device */
  spanNs: number;
  kernelNs: number;
  ncclNs: number;
  copyNs: number;
  memsetNs: number;
  /** span minus the union of all work */
  idleNs: number;
}

export interface GpuTimeCopies {
  /** HtoD, DtoH, DtoD, HtoH, PtoP, Unknown */
  direction: string;
  /** Pinned, Pageable, Device, Managed, Unknown */
  hostMemory: string;
  count: number;
  bytes: number;
  ns: number;
}

export interface GpuTimeRow { name: string; count: number; ns: number }

export interface GpuTimeResult {
  devices: GpuTimeDevice[];
  kernels: { count: number; ns: number };
  nccl: { count: number; ns: number };
  copies: GpuTimeCopies[];
  memsets: { count: number; bytes: number; ns: number };
  /** host time blocked in synchronization calls (waiting for the GPU, not CPU work) */
  syncWaitNs: number;
  /** costliest CUDA API calls; `waiting` for synchronization calls */
  api: Array<GpuTimeRow & { waiting: boolean }>;
  /** costliest NVTX / annotation ranges by name (total time, nested ranges counted in their own row) */
  nvtx: GpuTimeRow[];
}

/**
 * An overview's steps as three arrays and one string (a profile can have 100k+ steps): what a worker sends and a
 * cache entry keeps instead of one object per step, which costs far more to clone, parse and checksum.
 * `labels` is every label joined, `labelEnds[i]` the end of label i in it (UTF-16 units).
 */
export interface PackedIterations {
  startNs: Float64Array;
  endNs: Float64Array;
  labelEnds: Int32Array;
  labels: string;
}

export function packIterations(its: readonly OverviewIteration[]): PackedIterations {
  const n = its.length;
  const startNs = new Float64Array(n);
  const endNs = new Float64Array(n);
  const labelEnds = new Int32Array(n);
  let at = 0;
  its.forEach((it, i) => {
    startNs[i] = it.startNs;
    endNs[i] = it.endNs;
    labelEnds[i] = at += it.label.length;
  });
  return { startNs, endNs, labelEnds, labels: its.map((it) => it.label).join('') };
}

export function unpackIterations(p: PackedIterations): OverviewIteration[] {
  const out: OverviewIteration[] = new Array<OverviewIteration>(p.startNs.length);
  let from = 0;
  for (let i = 0; i < out.length; i++) {
    const to = p.labelEnds[i]!;
    out[i] = { label: p.labels.slice(from, to), startNs: p.startNs[i]!, endNs: p.endNs[i]! };
    from = to;
  }
  return out;
}
