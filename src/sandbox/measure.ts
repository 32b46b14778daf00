// Interleaved A/B measurement: baseline and candidate run in pairs (A B, then B A, …) with the same seed;
// each run yields one statistic (the median ms/iter after the warm-up steps), read from the timing
// file, else the stdout regex, else wall time / steps, and its peak RSS. Pairs are added until the
// confidence sequence of the speed-up (sequential.ts) decides or the trial's time budget runs out.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Measurement, ProgressSink } from '../core/index.js';
import { throwIfAborted } from '../core/index.js';
import type { Instrumentation, StepShare } from './instrument.js';
import { defaultInstrumentation } from './shim-instrumentation.js';
import { registerTempDir, unregisterTempDir } from './registry.js';
import { describeFailure, runCommand, succeeded, type RunResult } from './runner.js';
import { DEFAULT_ALPHA, DEFAULT_MIN_PAIRS, logRatios, sequentialLook, type SequentialOptions } from './sequential.js';
import { median } from './stats.js';
import { runShare, shareCorrected, type RunShare } from './share.js';

export type Side = 'baseline' | 'candidate';

export interface RunSpec {
  command: string[];
  /** extra environment for every run */
  env?: Record<string, string>;
  seed?: number;
  /** losses recorded for the numerics guard (K); default 10 */
  lossSteps?: number;
  /** per-run wall-clock limit; default 10 minutes */
  timeoutMs?: number;
  outputCapBytes?: number;
  instrumentation?: Instrumentation;
  signal?: AbortSignal;
}

export interface RunSample {
  side: Side;
  index: number;
  result: RunResult;
  fileMs: number[];
  stdoutMs: number[];
  losses: number[];
  /** peak RSS of the main process (MiB), when the workload reported it */
  peakRssMb: number | null;
  /** per-step CPU share of the process tree and the machine's idle time, when the instrumentation records it */
  shares: StepShare[];
}

export const DEFAULT_SEED = 1234;
export const DEFAULT_LOSS_STEPS = 10;

/** Runs the command once in `cwd` with the instrumentation env; reads timings and losses back. */
export async function runInstrumented(
  side: Side, index: number, cwd: string, spec: RunSpec, maxSteps?: number,
): Promise<RunSample> {
  const inst = spec.instrumentation ?? defaultInstrumentation();
  const dir = mkdtempSync(join(tmpdir(), 'sysight-run-'));
  registerTempDir(dir);
  try {
    const files = {
      timingFile: join(dir, 'timing.txt'),
      lossFile: join(dir, 'loss.txt'),
      rssFile: join(dir, 'rss.txt'),
      lossSteps: spec.lossSteps ?? DEFAULT_LOSS_STEPS,
      seed: spec.seed ?? DEFAULT_SEED,
      ...(maxSteps !== undefined ? { maxSteps } : {}),
    };
    const result = await runCommand(spec.command, {
      cwd,
      env: { ...spec.env, ...inst.env(files) },
      timeoutMs: spec.timeoutMs ?? 600_000,
      ...(spec.signal ? { signal: spec.signal } : {}),
      ...(spec.outputCapBytes !== undefined ? { outputCapBytes: spec.outputCapBytes } : {}),
    });
    const fileLosses = inst.lossesFromFile(files.lossFile);
    const losses = (fileLosses.length > 0 ? fileLosses : inst.lossesFromStdout(result.stdoutTail)).slice(0, files.lossSteps);
    return {
      side, index, result,
      fileMs: inst.stepMsFromFile(files.timingFile),
      stdoutMs: inst.stepMsFromStdout(result.stdoutTail),
      losses,
      peakRssMb: inst.peakRssMbFromFile?.(files.rssFile) ?? null,
      shares: inst.sharesFromFile?.(files.timingFile) ?? [],
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
    unregisterTempDir(dir);
  }
}

/** A run that failed during measurement. */
export class RunFailedError extends Error {
  override readonly name = 'RunFailedError';
  constructor(readonly sample: RunSample) {
    super(`${sample.side} run ${sample.index + 1} failed: ${describeFailure(sample.result)}`);
  }
}

/**
 * One statistic per run: the best timing source every run has (shim file > stdout > wall), median of
 * the steps after `warmup`. Wall time is divided by `steps` when known.
 */
export function perRunStatistics(samples: readonly RunSample[], warmup: number, steps?: number):
  { source: Measurement['source']; values: number[] } {
  const after = (xs: number[]): number[] => xs.slice(Math.min(warmup, Math.max(0, xs.length - 1)));
  if (samples.every((s) => s.fileMs.length > warmup)) return { source: 'shim', values: samples.map((s) => median(after(s.fileMs))) };
  if (samples.every((s) => s.stdoutMs.length > warmup)) return { source: 'stdout', values: samples.map((s) => median(after(s.stdoutMs))) };
  return { source: 'wall', values: samples.map((s) => s.result.wallMs / (steps && steps > 0 ? steps : 1)) };
}

/**
 * Each side's per-run statistics in pair order, with the CPU-share correction (share.ts) applied when every
 * run recorded its share (the shim with SYSIGHT_TIMING_TREE, on Linux) and the statistic is the shim's.
 */
export function pairedStatistics(samples: readonly RunSample[], warmup: number, steps?: number):
  { source: Measurement['source']; baseline: number[]; candidate: number[]; share: Measurement['share'] | null } {
  const { source, values } = perRunStatistics(samples, warmup, steps);
  const baseline = sideValues(samples, values, 'baseline');
  const candidate = sideValues(samples, values, 'candidate');
  if (source !== 'shim') return { source, baseline, candidate, share: null };
  const shares = (side: Side): Array<RunShare | null> => samples.filter((s) => s.side === side).map((s) => runShare(s.shares, warmup));
  const c = shareCorrected(baseline, candidate, shares('baseline'), shares('candidate'));
  return { source, baseline: c.baseline, candidate: c.candidate, share: c.summary };
}

export interface MeasureOptions extends RunSpec {
  baselineDir: string;
  candidateDir: string;
  /** pairs measured before the first look; default 3 (at least 2) */
  runs?: number;
  /** steps dropped at the start of each run, default 2 */
  warmup?: number;
  /** SYSIGHT_MAX_STEPS for measured runs; default: the workload's own length */
  steps?: number;
  /** the decision threshold of the confidence sequence (relative gain); default 0.01 */
  minGain?: number;
  /** simultaneous error of the confidence sequence; the false-accept rate is at most alpha / 2; default 0.05 */
  alpha?: number;
  /**
   * Wall-clock budget of the measured pairs (ms): pairs are added while the interval is undecided and
   * another pair (at the mean pair time so far) fits. Default DEFAULT_TRIAL_BUDGET_MS. The first
   * `runs` pairs always run.
   */
  budgetMs?: number;
  /** hard cap on pairs; default 40 */
  maxPairs?: number;
  onProgress?: ProgressSink;
}

export const DEFAULT_TRIAL_BUDGET_MS = 120_000;
export const DEFAULT_MAX_PAIRS = 40;

export interface MeasureResult {
  measurement: Measurement;
  samples: RunSample[];
  baselineLosses: number[][];
  candidateLosses: number[][];
}

/**
 * Sequential interleaved measurement. Pair i runs A then B when i is even and B then A when odd (ABBA:
 * a drift of the machine's load over time cancels instead of favouring one side). After the first
 * `runs` pairs the confidence sequence is looked at after every pair; measuring stops when it decides
 * (low end above, or high end below, the minimum gain), when the budget cannot fit another pair, or at
 * `maxPairs`.
 */
export async function measureInterleaved(o: MeasureOptions): Promise<MeasureResult> {
  const minPairs = Math.max(2, o.runs ?? DEFAULT_MIN_PAIRS);
  const maxPairs = Math.max(minPairs, o.maxPairs ?? DEFAULT_MAX_PAIRS);
  const budgetMs = o.budgetMs ?? DEFAULT_TRIAL_BUDGET_MS;
  const warmup = Math.max(0, o.warmup ?? 2);
  const seq = { minPairs, ...(o.alpha !== undefined ? { alpha: o.alpha } : {}) };
  const minGain = o.minGain ?? 0.01;
  const samples: RunSample[] = [];
  const started = performance.now();
  let stopped: NonNullable<Measurement['stopped']> = 'max-pairs';
  for (let i = 0; i < maxPairs; i++) {
    const order: Side[] = i % 2 === 0 ? ['baseline', 'candidate'] : ['candidate', 'baseline'];
    for (const side of order) {
      throwIfAborted(o.signal);
      const label = i < minPairs ? `${i + 1}/${minPairs}` : `${i + 1} (sequential, up to ${maxPairs})`;
      o.onProgress?.({ stage: 'execute', message: `measuring: ${side} run ${label}`, fraction: Math.min(1, (performance.now() - started) / budgetMs) });
      const s = await runInstrumented(side, i, side === 'baseline' ? o.baselineDir : o.candidateDir, o, o.steps);
      if (!succeeded(s.result)) throw new RunFailedError(s);
      samples.push(s);
    }
    const pairs = i + 1;
    if (pairs < minPairs) continue;
    const p = pairedStatistics(samples, warmup, o.steps);
    const look = sequentialLook(logRatios(p.baseline, p.candidate), minGain, seq);
    if (look && look.decision !== 'continue') { stopped = 'decided'; break; }
    const spent = performance.now() - started;
    if (pairs < maxPairs && spent + spent / pairs > budgetMs) { stopped = 'budget'; break; }
  }
  const spentMs = performance.now() - started;
  return {
    measurement: summarize(samples, warmup, o, minGain, seq, { stopped, spentMs, budgetMs }),
    samples,
    baselineLosses: samples.filter((s) => s.side === 'baseline').map((s) => s.losses),
    candidateLosses: samples.filter((s) => s.side === 'candidate').map((s) => s.losses),
  };
}

function sideValues(samples: readonly RunSample[], values: readonly number[], side: Side): number[] {
  // samples alternate ABBA; pair i's baseline and candidate are its two entries, in pair order
  return values.filter((_, i) => samples[i]!.side === side);
}

function medianOrNull(xs: ReadonlyArray<number | null>): number | null {
  const v = xs.filter((x): x is number => x !== null);
  return v.length === xs.length && v.length > 0 ? median(v) : null;
}

function summarize(
  samples: readonly RunSample[], warmup: number, o: MeasureOptions, minGain: number, seq: SequentialOptions,
  how: { stopped: NonNullable<Measurement['stopped']>; spentMs: number; budgetMs: number },
): Measurement {
  const { source, baseline: baselineMs, candidate: candidateMs, share } = pairedStatistics(samples, warmup, o.steps);
  const d = logRatios(baselineMs, candidateMs);
  // fewer pairs than the first look (a caller asking for 1 run): a look with minPairs = pairs, so there is
  // still an honest (wide) interval rather than none
  const look = sequentialLook(d, minGain, seq) ?? sequentialLook(d, minGain, { ...seq, minPairs: Math.max(2, d.length) });
  const speedup = look ? look.speedup : Math.exp(d.reduce((a, b) => a + b, 0) / Math.max(1, d.length)) - 1;
  return {
    baselineMs,
    candidateMs,
    baselineMedianMs: median(baselineMs),
    candidateMedianMs: median(candidateMs),
    speedup,
    speedupInterval: look ? look.interval : { low: -Infinity, high: Infinity, level: 1 - (seq.alpha ?? DEFAULT_ALPHA) },
    source,
    runs: baselineMs.length,
    stopped: how.stopped,
    spentMs: how.spentMs,
    budgetMs: how.budgetMs,
    baselinePeakRssMb: medianOrNull(samples.filter((s) => s.side === 'baseline').map((s) => s.peakRssMb)),
    candidatePeakRssMb: medianOrNull(samples.filter((s) => s.side === 'candidate').map((s) => s.peakRssMb)),
    ...(share ? { share } : {}),
  };
}
