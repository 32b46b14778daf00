// How a run is instrumented and read back. The env contract (shared with the timing shim,
// src/sandbox/shim): PYTHONPATH=<shim dir>; SYSIGHT_TIMING_FILE gets lines "step wall_ns";
// SYSIGHT_LOSS_FILE one loss per line for the first SYSIGHT_LOSS_STEPS steps; SYSIGHT_SEED;
// SYSIGHT_MAX_STEPS. `Instrumentation` is the seam: the shim module can provide its own; the default
// here implements the file formats and the stdout regexes, and works for any workload that honours the
// variables itself (tests use plain Python scripts that do).
import { existsSync, readFileSync } from 'node:fs';
import { delimiter } from 'node:path';

export interface RunFiles {
  timingFile: string;
  lossFile: string;
  lossSteps: number;
  seed: number;
  maxSteps?: number;
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
 * Timing file lines "step wall_ns". wall_ns are read as end-of-step timestamps when they increase
 * and look like clock readings (> 1e12 ns); per-step durations are then consecutive differences.
 * Otherwise each value is the step's own duration.
 */
export function parseTimingText(text: string): number[] {
  const rows: Array<{ step: number; ns: number }> = [];
  for (const line of text.split('\n')) {
    const parts = line.trim().split(/\s+/);
    if (parts.length < 2) continue;
    const step = Number(parts[0]);
    const ns = Number(parts[1]);
    if (Number.isFinite(step) && Number.isFinite(ns)) rows.push({ step, ns });
  }
  rows.sort((a, b) => a.step - b.step);
  if (rows.length === 0) return [];
  const increasing = rows.every((r, i) => i === 0 || r.ns > rows[i - 1]!.ns);
  if (increasing && rows[0]!.ns > 1e12) {
    const out: number[] = [];
    for (let i = 1; i < rows.length; i++) out.push((rows[i]!.ns - rows[i - 1]!.ns) / ((rows[i]!.step - rows[i - 1]!.step) || 1) / 1e6);
    return out;
  }
  return rows.map((r) => r.ns / 1e6);
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
      if (o.shimDir) env.PYTHONPATH = [o.shimDir, process.env.PYTHONPATH].filter(Boolean).join(delimiter);
      return env;
    },
    stepMsFromFile: (f) => parseTimingText(read(f)),
    lossesFromFile: (f) => parseLossText(read(f)),
    stepMsFromStdout: (s) => firstMatchPerLine(s, timePatterns),
    lossesFromStdout: (s) => firstMatchPerLine(s, lossPatterns),
  };
}
