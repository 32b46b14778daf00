// Run records, patches, measurements: the data contracts of .sysight/runs/<run-id>/.
import type { Category, Finding } from './findings.js';

export interface RepoSetup {
  schemaVersion: 1;
  repo: string;
  /** the workload command, argv form, run from the repo root */
  entryCommand: string[] | null;
  entrySource: string | null;
  /** functions on the hot path, qualified "file:function" (reached from the hot loops' bodies) */
  hotFunctions: string[];
  /**
   * training/inference/data loops found; the body (bodyLine..endLine) of a loop with `hot: true` runs once
   * per iteration too, though the function that holds it is not in hotFunctions unless reached otherwise
   */
  loops: Array<{
    file: string; function: string; line: number; endLine: number; kind: 'train' | 'inference' | 'data';
    bodyLine?: number; hot?: boolean; iter?: string; signals?: string[];
  }>;
  pythonFiles: number;
  notes: string[];
  /** why the entry command was picked (source, what it runs) */
  entryReason?: string;
  /** every entry candidate, best first */
  entryCandidates?: Array<{ command: string[]; source: string; score: number; reason: string }>;
  /** why each hot function is hot, by "file:function" */
  hotReasons?: Record<string, string>;
  /** hot functions the loops reach only through call sites under an if (run on some iterations only) */
  conditionalHot?: string[];
  /** DataLoader constructions, with the dataset item access and collate functions they run */
  dataLoaders?: Array<{ file: string; function: string; line: number; datasetFns: string[]; collateFns: string[] }>;
  /** syntax errors (the rest of each file is still indexed) */
  parseErrors?: Array<{ file: string; line: number; endLine: number }>;
}

export interface PatchPlan {
  id: string;
  findingId: string;
  category: Category;
  pattern: string;
  file: string;
  /** sha256 of the file the patch was made against: stale anchors are refused */
  baseHash: string;
  /** unified diff, repo-relative paths */
  diff: string;
  linesChanged: number;
  rationale: string;
  source: 'codemod' | 'llm';
}

export interface JudgeVerdict {
  findingId: string;
  real: boolean;
  safe: boolean;
  reason: string;
}

export interface Interval { low: number; high: number; level: number }

export interface Measurement {
  /** ms per iteration samples for each side (one per run, warm-up dropped) */
  baselineMs: number[];
  candidateMs: number[];
  baselineMedianMs: number;
  candidateMedianMs: number;
  /** relative speed-up (baseline/candidate - 1): exp(mean per-pair log ratio) - 1 */
  speedup: number;
  /** the confidence sequence at the last look (valid under optional stopping; `level` is simultaneous) */
  speedupInterval: Interval;
  source: 'shim' | 'stdout' | 'wall';
  /** pairs measured (runs per side) */
  runs: number;
  /** how the measurement ended: the interval decided, the time budget ran out, or the pair cap was reached */
  stopped?: 'decided' | 'budget' | 'max-pairs';
  /** wall-clock time the measured pairs took, and the trial's budget for them (ms) */
  spentMs?: number;
  budgetMs?: number;
  /** median peak RSS (MiB) of each side's measured runs, when the workload reported it */
  baselinePeakRssMb?: number | null;
  candidatePeakRssMb?: number | null;
  /**
   * The CPU-share correction (src/sandbox/share.ts), when the runs recorded it: medians over the pairs of the
   * cores each side's process tree used, the cores the machine left idle, and the factor each side's step
   * times were multiplied by (1: nothing taken from other jobs). The ms samples above are the corrected ones.
   */
  share?: ShareSummary;
}

/** The CPU-share correction of one A/B comparison (src/sandbox/share.ts computes it). */
export interface ShareSummary {
  /** medians over the pairs */
  baselineCores: number;
  candidateCores: number;
  baselineIdleCores: number;
  candidateIdleCores: number;
  baselineFactor: number;
  candidateFactor: number;
}

/**
 * accepted: the interval's low end is above the minimum gain (and smoke, numerics, memory guards pass);
 * rejected: shown not worth it (high end below the minimum gain) or a guard failed; inconclusive: the
 * budget ran out before the interval decided (retried later with a larger budget, never a failure).
 */
export type TrialVerdict = 'accepted' | 'rejected' | 'inconclusive' | 'error' | 'skipped';

export interface TrialRecord {
  patchId: string;
  findingId: string;
  pattern: string;
  verdict: TrialVerdict;
  reason: string;
  smokeOk: boolean;
  numericsOk: boolean | null;
  measurement: Measurement | null;
  /** present when the trial measured a stack: patches each too small or undecided alone, tried together */
  stack?: StackInfo;
}

/** What a stack trial held: its member patches, each with its own trial's verdict and speed-up, and the candidates left out. */
export interface StackInfo {
  members: Array<{ patchId: string; findingId: string; pattern: string; file: string; verdict: TrialVerdict; speedup: number | null }>;
  /** candidates left out of the stack, and why (planned on code that changed since, or conflicting hunks) */
  left: Array<{ patchId: string; reason: string }>;
}

/** One line naming a stack's members: "stack of 2 patches: a (C7.x in f.py, alone inconclusive +12.0%), b (…)". */
export function describeStack(s: StackInfo): string {
  const pct = (x: number | null) => (x === null ? '—' : `${x > 0 ? '+' : ''}${(x * 100).toFixed(1)}%`);
  const members = s.members.map((m) => `${m.patchId} (${m.pattern} in ${m.file}, alone ${m.verdict} ${pct(m.speedup)})`).join(', ');
  const left = s.left.length ? `; left out: ${s.left.map((l) => `${l.patchId} (${l.reason})`).join(', ')}` : '';
  return `stack of ${s.members.length} patches: ${members}${left}`;
}

/** A diff headline without the verdict it starts with ("neutral: median step …" → "median step …"), for lines that show the verdict already. */
export function diffDetail(d: { verdict: string; headline: string }): string {
  return d.headline.startsWith(`${d.verdict}: `) ? d.headline.slice(d.verdict.length + 2) : d.headline;
}

export interface RoundRecord {
  index: number;
  profile: string;
  iterationMs: number | null;
  iterationInterval: Interval | null;
  findings: number;
  trials: TrialRecord[];
  /** this round's profile against the previous round's (sysight diff): verdict, one line, changed categories */
  profileDiff?: { verdict: string; headline: string; changedCategories: string[] };
  /** the learn stage with an LLM (absent when learn is `provider: none`): lesson pages written, lessons dropped and why */
  learn?: LearnRecord;
}

export interface LearnRecord {
  /** "<provider> <model>" */
  by: string;
  lessons: Array<{ page: string; title: string }>;
  dropped: Array<{ page: string; reason: string }>;
  /** why the stage gave no (usable) answer */
  error?: string;
  inputTokens: number;
  outputTokens: number;
  /** USD; null when the model's price is unknown */
  costUsd: number | null;
}

export interface RunRecord {
  schemaVersion: 1;
  id: string;
  repo: string;
  createdAt: string;
  status: 'running' | 'done' | 'failed' | 'cancelled';
  command: string[] | null;
  python: string | null;
  rounds: RoundRecord[];
  /** the stack of accepted patches re-measured against the starting code */
  final?: {
    baselineMs: number | null;
    finalMs: number | null;
    speedup: number | null;
    interval: Interval | null;
    baselineInterval: Interval | null;
    finalInterval: Interval | null;
    verdict: TrialVerdict;
    reason: string;
    patches: string[];
  };
  stopReason?: string;
  /** the clock iteration times were measured on: process CPU time for CPU-only workloads, else wall time */
  clock?: 'wall' | 'cpu';
  error?: string;
}

/** Progress events from long work; every long operation takes an AbortSignal too. */
export interface ProgressEvent {
  stage: 'warmup' | 'profile' | 'analyze' | 'optimize' | 'execute' | 'learn' | 'report';
  message: string;
  /** 0..1 when known */
  fraction?: number;
}

export type ProgressSink = (e: ProgressEvent) => void;

/** The folder Sysight keeps in a repository (runs, ledger, wiki, config, transcripts) and in the user's home. */
export const SYSIGHT_DIR = '.sysight';
