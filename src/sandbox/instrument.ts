// How a run is instrumented and read back. The env contract (shared with the timing shim,
// src/sandbox/shim): PYTHONPATH=<shim dir>; SYSIGHT_TIMING_FILE gets lines "step wall_ns";
// SYSIGHT_LOSS_FILE one loss per line for the first SYSIGHT_LOSS_STEPS steps; SYSIGHT_SEED;
// SYSIGHT_MAX_STEPS. `Instrumentation` is the seam: `shimInstrumentation` drives the shim (the default
// when its sitecustomize.py is found); `basicInstrumentation` only sets the variables and reads the
// files, for workloads that honour them themselves (tests use plain Python scripts that do).
import { existsSync, readFileSync } from 'node:fs';
import { delimiter } from 'node:path';

export interface RunFiles {
  timingFile: string;
  lossFile: string;
  lossSteps: number;
  seed: number;
  maxSteps?: number;
  /** where the workload writes "self_kb children_kb" peak RSS at exit (SYSIGHT_RSS_FILE) */
  rssFile?: string;
}

/** What one step used of the machine: its wall time, the CPU time of the workload's whole process tree, and the machine's idle core time (ms). */
export interface StepShare {
  wallMs: number;
  treeCpuMs: number;
  idleMs: number;
}

export interface Instrumentation {
  /** environment additions for one run */
  env(files: RunFiles): Record<string, string>;
  /** per-step durations in ms from the timing file, in step order; [] when absent or empty */
  stepMsFromFile(file: string): number[];
  /** losses from the loss file, in step order; [] when absent */
  lossesFromFile(file: string): number[];
  /** per-iteration times in ms found in stdout ([] when none) */
  stepMsFromStdout(stdout: string): number[];
  /** losses found in stdout, in order ([] when none) */
  lossesFromStdout(stdout: string): number[];
  /** peak resident set size in MiB from the RSS file (the main process), null when absent */
  peakRssMbFromFile?(file: string): number | null;
  /** per-step shares of the machine from the timing file ([] when it holds none): see share.ts */
  sharesFromFile?(file: string): StepShare[];
}

/** "self_kb children_kb" (getrusage ru_maxrss, KiB on Linux) → the main process's peak in MiB; null when unreadable. */
export function parseRssText(text: string): number | null {
  const m = /^\s*(\d+)/.exec(text);
  return m ? Number(m[1]) / 1024 : null;
}

/** nanoGPT "iter 10: loss 2.3456, time 12.34ms", HF-style "'loss': 2.3", generic "step 3 ... 12.3 ms". */
export const DEFAULT_TIME_PATTERNS: RegExp[] = [
  /\biter\s+\d+\s*:.*?\btime\s+([0-9.]+(?:e[-+]?\d+)?)\s*ms\b/i,
  /\bstep\s+\d+\b.*?\b(?:time|dt)\s*[=:]?\s*([0-9.]+(?:e[-+]?\d+)?)\s*ms\b/i,
];
export const DEFAULT_LOSS_PATTERNS: RegExp[] = [
  /\b(?:iter|step)\s+\d+\b[^a-z]*\bloss\s*[=:]?\s*(-?[0-9.]+(?:e[-+]?\d+)?|nan|inf)\b/i,
  /['"]loss['"]\s*:\s*(-?[0-9.]+(?:e[-+]?\d+)?)/i,
];

function firstMatchPerLine(text: string, patterns: readonly RegExp[]): number[] {
  const out: number[] = [];
  for (const line of text.split('\n')) {
    for (const re of patterns) {
      const m = re.exec(line);
      if (m) {
        const v = Number(m[1]!.toLowerCase() === 'inf' ? Infinity : m[1]!.toLowerCase() === 'nan' ? NaN : m[1]);
        out.push(v);
        break;
      }
    }
  }
  return out;
}

/**
 * Timing file lines "step wall_ns [cpu_ns]": wall_ns is the clock reading when the step returned (any
 * clock, e.g. the shim's perf_counter_ns); per-step durations are the gaps between consecutive lines
 * (n lines give n-1 gaps). A last line without its newline is a torn write of a killed run: skipped.
 */
export function parseTimingText(text: string): number[] {
  const lines = text.split('\n');
  lines.pop(); // '' after the final newline, or the torn tail
  const rows: Array<{ step: number; ns: bigint }> = [];
  for (const line of lines) {
    const m = /^\s*(\d+)\s+(\d+)(?:\s+\d+){0,3}\s*$/.exec(line);
    if (m) rows.push({ step: Number(m[1]), ns: BigInt(m[2]!) });
  }
  rows.sort((a, b) => a.step - b.step);
  const out: number[] = [];
  for (let i = 1; i < rows.length; i++) {
    const steps = rows[i]!.step - rows[i - 1]!.step || 1;
    out.push(Number(rows[i]!.ns - rows[i - 1]!.ns) / 1e6 / steps);
  }
  return out;
}

export function parseLossText(text: string): number[] {
  return text.split('\n').map((l) => l.trim()).filter((l) => l.length > 0).map((l) => Number(l.split(/\s+/).pop()));
}

export interface BasicInstrumentationOptions {
  /** directory holding sitecustomize.py, prepended to PYTHONPATH */
  shimDir?: string;
  timePatterns?: RegExp[];
  lossPatterns?: RegExp[];
}

export function basicInstrumentation(o: BasicInstrumentationOptions = {}): Instrumentation {
  const timePatterns = o.timePatterns ?? DEFAULT_TIME_PATTERNS;
  const lossPatterns = o.lossPatterns ?? DEFAULT_LOSS_PATTERNS;
  const read = (f: string): string => (existsSync(f) ? readFileSync(f, 'utf8') : '');
  return {
    env(files) {
      const env: Record<string, string> = {
        SYSIGHT_TIMING_FILE: files.timingFile,
        SYSIGHT_LOSS_FILE: files.lossFile,
        SYSIGHT_LOSS_STEPS: String(files.lossSteps),
        SYSIGHT_SEED: String(files.seed),
        PYTHONHASHSEED: String(files.seed),
      };
      if (files.maxSteps !== undefined) env.SYSIGHT_MAX_STEPS = String(files.maxSteps);
      if (files.rssFile !== undefined) env.SYSIGHT_RSS_FILE = files.rssFile;
      if (o.shimDir) env.PYTHONPATH = [o.shimDir, process.env.PYTHONPATH].filter(Boolean).join(delimiter);
      return env;
    },
    stepMsFromFile: (f) => parseTimingText(read(f)),
    lossesFromFile: (f) => parseLossText(read(f)),
    stepMsFromStdout: (s) => firstMatchPerLine(s, timePatterns),
    lossesFromStdout: (s) => firstMatchPerLine(s, lossPatterns),
    peakRssMbFromFile: (f) => parseRssText(read(f)),
  };
}
