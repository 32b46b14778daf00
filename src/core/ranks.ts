// Multi-rank contracts (issue 9). The map step turns one rank's profile into a RankSummary (small JSON, a few
// hundred KB at most, written by `sysight profile summarize <profile> --out <dir>`); the reduce step
// (`sysight ranks <dir>`) combines summaries into a RanksReport without ever holding two raw profiles.
// A single nsys export that holds several rank processes yields one RankSummary per process.
// Times are nanoseconds. Pure types, no I/O.
import type { Finding } from './findings.js';

export const RANK_SUMMARY_VERSION = 1;

/** How the rank number was established, strongest first. */
export type RankSource =
  | 'distributedInfo' // Kineto distributedInfo.rank
  | 'nccl' // NCCL communicator / rank info in the capture
  | 'env' // RANK / LOCAL_RANK / OMPI_COMM_WORLD_RANK / SLURM_PROCID in the capture's environment
  | 'process-name' // e.g. "rank3" in a process name
  | 'file-name' // e.g. "trace_rank3.json", "report.7.sqlite"
  | 'device' // one process per GPU: rank = device order
  | 'order'; // nothing better: position in the sorted input

export interface RankIdentity {
  rank: number;
  worldSize?: number;
  source: RankSource;
  host?: string;
  pid?: number;
  /** GPUs this rank's kernels ran on */
  deviceIds: number[];
  /**
   * What ties the ranks of one run together (e.g. hash of the command line without rank-specific
   * arguments, NCCL unique id, Kineto trace_id prefix). Ranks with different run keys are reported as
   * coming from different runs.
   */
  runKey?: string;
}

/** Clock of a summary. Timestamps in the summary are on `domain`'s clock; `offsetNs` maps them to the run clock. */
export interface RankClock {
  /**
   * Ranks that share a domain share a clock (nsys: one report = one session clock; Kineto: each trace has its
   * own unless its timestamps are epoch-based and the hosts are synchronized).
   */
  domain: string;
  /** added to this summary's timestamps to put them on the run clock; filled by the reduce step (0 in the map) */
  offsetNs: number;
  /** how offsetNs was found: same clock, collective end times (NCCL collectives end together), or not at all */
  alignedBy?: 'shared-clock' | 'collective-end' | 'none';
}

/** One training step on one rank. */
export interface RankStep extends RankTotals {
  index: number;
  startNs: number;
  endNs: number;
}

/** One collective as one rank saw it (the n-th NCCL kernel of this name on this rank). */
export interface RankCollective {
  /** sequence number among this rank's collectives of the same op, so ranks can be matched up */
  seq: number;
  /** normalized op, e.g. "AllReduce", "AllGather", "ReduceScatter", "Broadcast", "SendRecv" */
  op: string;
  kernel: string;
  startNs: number;
  endNs: number;
  step?: number;
  /** bytes when known */
  bytes?: number;
}

/** A source location seen on this rank (callchain / Python stack), with how much time it explains. */
export interface RankHotspot {
  kind: 'collective' | 'barrier' | 'data-load' | 'sync' | 'host';
  file: string;
  function: string;
  line: number;
  totalNs: number;
  count: number;
}

/** Where a step's (or the whole run's) time went on one rank. */
export interface RankTotals {
  /** GPU busy with compute kernels (not NCCL) */
  computeNs: number;
  /** GPU busy with NCCL kernels */
  commNs: number;
  /** NCCL time not overlapped by compute kernels on the same GPU */
  exposedCommNs: number;
  /** step time with no GPU activity at all */
  idleNs: number;
  memcpyNs: number;
  syncNs: number;
  /** host time in data loading (DataLoader next / pin memory / H2D of the batch) when it can be seen */
  dataLoadNs: number;
}

export interface RankSummary {
  version: typeof RANK_SUMMARY_VERSION;
  /** the profile path as given */
  source: string;
  format: 'nsys-sqlite' | 'kineto-json' | 'autograd-legacy-json';
  identity: RankIdentity;
  clock: RankClock;
  startNs: number;
  endNs: number;
  steps: RankStep[];
  totals: RankTotals;
  collectives: RankCollective[];
  hotspots: RankHotspot[];
  notes: string[];
}

/** A rank that could not be summarized or used; the rest of the analysis goes on. */
export interface RankProblem {
  source: string;
  rank?: number;
  kind: 'unreadable' | 'no-gpu' | 'different-run' | 'missing' | 'duplicate' | 'unaligned' | 'other';
  message: string;
}

/** Who arrived last at one collective, and how long the others waited for it. */
export interface CollectiveWait {
  op: string;
  seq: number;
  step?: number;
  /** rank whose collective started last (on the run clock) */
  lastRank: number;
  /** latest start − earliest start */
  skewNs: number;
  /** per rank: time waited for the last arrival (latest start − this rank's start) */
  waitNs: number[];
}

export interface StragglerEntry {
  rank: number;
  /** 0..1: share of collectives at which this rank arrived last */
  lastArrivalShare: number;
  /** total time other ranks spent waiting for this rank */
  causedWaitNs: number;
  /** median step time / median over ranks − 1 */
  stepTimeExcess: number;
  /** mean over collectives of (this rank's arrival − the median arrival): how late it is, ns */
  meanLateNs?: number;
  /** best explanation from this rank's own split */
  reason: 'compute' | 'data-loading' | 'host' | 'memcpy' | 'sync' | 'unknown';
  evidence: string[];
}

export interface RanksReport {
  version: 1;
  worldSize: number;
  ranks: Array<{ identity: RankIdentity; clock: RankClock; source: string; steps: number; medianStepMs: number | null; totals: RankTotals }>;
  /** step time ms, [rank index in `ranks`][step]; null where a rank lacks that step */
  stepMs: Array<Array<number | null>>;
  stragglers: StragglerEntry[];
  /** the largest waits first, capped */
  collectiveWaits: CollectiveWait[];
  /** per step: max − min step time over ranks, ms */
  skewMs: Array<number | null>;
  /**
   * per step (same index as `skewMs`): the largest arrival skew (latest − earliest collective start) among the
   * collectives of that step, ms; null where no collective of the step was seen on two aligned ranks
   */
  arrivalSkewMs?: Array<number | null>;
  /**
   * Communication per rank, ms per step: NCCL time, the part not overlapped by compute (exposed), and the part of
   * that spent waiting for the last rank to arrive (the rest is the transfer itself).
   */
  comm?: Array<{ rank: number; commMsPerStep: number; exposedMsPerStep: number; waitMsPerStep: number }>;
  findings: Finding[];
  problems: RankProblem[];
  notes: string[];
}
