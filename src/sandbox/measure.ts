// Interleaved A/B measurement: baseline and candidate run alternately (A B A B …) with the same seed;
// each run yields one statistic (the median ms/iter after the warm-up steps), read from the timing
// file, else the stdout regex, else wall time / steps; the speed-up (median of the per-pair ratios)
// gets a paired bootstrap interval.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Measurement, ProgressSink } from '../core/index.js';
import { throwIfAborted } from '../core/index.js';
import type { Instrumentation } from './instrument.js';
import { defaultInstrumentation } from './shim-instrumentation.js';
import { registerTempDir, unregisterTempDir } from './registry.js';
import { describeFailure, runCommand, succeeded, type RunResult } from './runner.js';
import { median, pairedBootstrapSpeedup, pairedSpeedup, type BootstrapOptions } from './stats.js';

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

export interface MeasureOptions extends RunSpec {
  baselineDir: string;
  candidateDir: string;
  /** runs per side, default 5 */
  runs?: number;
  /** steps dropped at the start of each run, default 2 */
  warmup?: number;
  /** SYSIGHT_MAX_STEPS for measured runs; default: the workload's own length */
  steps?: number;
  bootstrap?: BootstrapOptions;
  onProgress?: ProgressSink;
  /**
   * One extension: when `extendIf` says the first `runs` pairs are inconclusive, run more pairs up to
   * `maxRuns` a side and decide on all of them (a single second look; default: no extension).
   */
  maxRuns?: number;
  extendIf?: (m: Measurement) => boolean;
}

export interface MeasureResult {
  measurement: Measurement;
  samples: RunSample[];
  baselineLosses: number[][];
  candidateLosses: number[][];
}

export async function measureInterleaved(o: MeasureOptions): Promise<MeasureResult> {
  const runs = Math.max(1, o.runs ?? 5);
  const maxRuns = Math.max(runs, o.maxRuns ?? runs);
  const warmup = Math.max(0, o.warmup ?? 2);
  const samples: RunSample[] = [];
  const runPairs = async (from: number, to: number): Promise<void> => {
    for (let i = from; i < to; i++) {
      for (const side of ['baseline', 'candidate'] as const) {
        throwIfAborted(o.signal);
        o.onProgress?.({ stage: 'execute', message: `measuring: ${side} run ${i + 1}/${to}`, fraction: (2 * i + (side === 'baseline' ? 0 : 1)) / (2 * to) });
        const s = await runInstrumented(side, i, side === 'baseline' ? o.baselineDir : o.candidateDir, o, o.steps);
        if (!succeeded(s.result)) throw new RunFailedError(s);
        samples.push(s);
      }
    }
  };
  await runPairs(0, runs);
  let measurement = summarize(samples, warmup, o);
  if (maxRuns > runs && o.extendIf?.(measurement)) {
    await runPairs(runs, maxRuns);
    measurement = summarize(samples, warmup, o);
  }
  return {
    measurement,
    samples,
    baselineLosses: samples.filter((s) => s.side === 'baseline').map((s) => s.losses),
    candidateLosses: samples.filter((s) => s.side === 'candidate').map((s) => s.losses),
  };
}

function summarize(samples: readonly RunSample[], warmup: number, o: MeasureOptions): Measurement {
  const { source, values } = perRunStatistics(samples, warmup, o.steps);
  const baselineMs = values.filter((_, i) => samples[i]!.side === 'baseline');
  const candidateMs = values.filter((_, i) => samples[i]!.side === 'candidate');
  return {
    baselineMs,
    candidateMs,
    baselineMedianMs: median(baselineMs),
    candidateMedianMs: median(candidateMs),
    // Runs i of both sides ran back to back: the speed-up is the median of the per-pair ratios and its
    // interval resamples whole pairs, so load drift on a shared machine cancels within each pair.
    speedup: pairedSpeedup(baselineMs, candidateMs),
    speedupInterval: pairedBootstrapSpeedup(baselineMs, candidateMs, o.bootstrap),
    source,
    runs: baselineMs.length,
  };
}
