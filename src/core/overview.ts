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
  /** share of the profile where CPU and GPU were both busy, only the GPU, only the CPU, neither */
  overlap: { both: number; gpuOnly: number; cpuOnly: number; idle: number };
  iterations: OverviewIteration[];
  /** median iteration time (ms) when iterations were found */
  iterationMs: number | null;
  topKernels: OverviewKernel[];
  counts: { kernels: number; memcpy: number; runtime: number; nvtx: number };
  notes: string[];
}
