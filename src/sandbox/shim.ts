// The timing shim seen from Node: where sitecustomize.py lives, the environment that turns it on for one run,
// and the readers of what it writes. Iteration times from stdout logs (the fallback) are parsed here too, so
// everything that turns a run into "ms per step" is in one place.

import { existsSync, readFileSync } from 'node:fs';
import { delimiter, join, resolve } from 'node:path';
import type { StepShare } from './instrument.js';

export interface ShimOptions {
  /** File the shim appends "step_index wall_ns cpu_ns" lines to, one per optimizer step. */
  timingFile?: string | undefined;
  /** File the shim appends the loss of each of the first lossSteps backward() calls to. */
  lossFile?: string | undefined;
  /** How many losses to record (default in the shim: 20). */
  lossSteps?: number | undefined;
  /** Seeds random, numpy and torch at start-up. */
  seed?: number | undefined;
  /** File the shim writes "self_kb children_kb" peak RSS to at exit (the memory guard). */
  rssFile?: string | undefined;
  /** Exit cleanly once this many optimizer steps ran (smoke tests). */
  maxSteps?: number | undefined;
  /** "module:qualname" of a function to time per call instead of optimizer steps (inference workloads). */
  timingFunc?: string | undefined;
  /** torch.cuda.synchronize() before each timestamp (adds a sync per step; off by default). */
  syncCuda?: boolean | undefined;
  /** Each timing line also gets "tree_cpu_ns idle_ns" (process tree CPU, machine idle): see readCpuShare. */
  treeCpu?: boolean | undefined;
  /** Write a torch.profiler trace (Kineto JSON, gzip when it ends in .gz) of profileSteps iterations here. */
  profileFile?: string | undefined;
  /** Iterations recorded into profileFile (default in the shim: 5). */
  profileSteps?: number | undefined;
  /** Warm-up iterations before the recording starts (default in the shim: 1; at least 1). */
  profileSkip?: number | undefined;
}

/** Every variable the shim reads; shimEnv sets each one, empty when unused, so inherited values cannot leak in. */
export const SHIM_VARS = [
  'SYSIGHT_TIMING_FILE',
  'SYSIGHT_LOSS_FILE',
  'SYSIGHT_LOSS_STEPS',
  'SYSIGHT_SEED',
  'SYSIGHT_MAX_STEPS',
  'SYSIGHT_TIMING_FUNC',
  'SYSIGHT_TIMING_SYNC',
  'SYSIGHT_TIMING_TREE',
  'SYSIGHT_PROFILE_FILE',
  'SYSIGHT_PROFILE_STEPS',
  'SYSIGHT_PROFILE_SKIP',
  'SYSIGHT_RSS_FILE',
] as const;

/**
 * The folder holding sitecustomize.py: dist/shim next to the bundled CLI/extension, or src/sandbox/shim when
 * running from source (tests). SYSIGHT_SHIM_DIR overrides both.
 */
export function shimDir(env: NodeJS.ProcessEnv = process.env): string {
  const here = typeof __dirname === 'string' ? __dirname : process.cwd();
  const candidates = [
    env.SYSIGHT_SHIM_DIR,
    join(here, 'shim'), // dist/cli.js -> dist/shim; src/sandbox/shim.ts -> src/sandbox/shim
    join(here, '..', 'dist', 'shim'),
    resolve('dist', 'shim'),
    resolve('src', 'sandbox', 'shim'),
  ];
  for (const c of candidates) if (c && existsSync(join(c, 'sitecustomize.py'))) return c;
  throw new Error(`sitecustomize.py of the timing shim not found (looked in ${candidates.filter(Boolean).join(', ')})`);
}

function intOrEmpty(name: string, v: number | undefined): string {
  if (v === undefined) return '';
  if (!Number.isInteger(v)) throw new RangeError(`${name} must be an integer, got ${v}`);
  return String(v);
}

/** Variables to add to a run's environment ({...process.env, ...shimEnv(o)}): PYTHONPATH first gets the shim. */
export function shimEnv(opts: ShimOptions, base: NodeJS.ProcessEnv = process.env): Record<string, string> {
  if (opts.maxSteps !== undefined && opts.maxSteps < 1) throw new RangeError('maxSteps must be at least 1');
  const dir = shimDir(base);
  const rest = (base.PYTHONPATH ?? '').split(delimiter).filter((p) => p && resolve(p) !== resolve(dir));
  return {
    PYTHONPATH: [dir, ...rest].join(delimiter),
    SYSIGHT_TIMING_FILE: opts.timingFile ?? '',
    SYSIGHT_LOSS_FILE: opts.lossFile ?? '',
    SYSIGHT_LOSS_STEPS: intOrEmpty('lossSteps', opts.lossSteps),
    SYSIGHT_SEED: intOrEmpty('seed', opts.seed),
    SYSIGHT_MAX_STEPS: intOrEmpty('maxSteps', opts.maxSteps),
    SYSIGHT_TIMING_FUNC: opts.timingFunc ?? '',
    SYSIGHT_TIMING_SYNC: opts.syncCuda ? '1' : '',
    SYSIGHT_TIMING_TREE: opts.treeCpu ? '1' : '',
    SYSIGHT_PROFILE_FILE: opts.profileFile ?? '',
    SYSIGHT_PROFILE_STEPS: intOrEmpty('profileSteps', opts.profileSteps),
    SYSIGHT_PROFILE_SKIP: intOrEmpty('profileSkip', opts.profileSkip),
    SYSIGHT_RSS_FILE: opts.rssFile ?? '',
  };
}

/** Complete lines only: the shim ends every line with \n, so an unterminated tail is a torn write. */
function readLines(file: string): string[] {
  if (!existsSync(file)) return [];
  const lines = readFileSync(file, 'utf8').split('\n');
  lines.pop();
  return lines;
}

/**
 * Milliseconds per step from a timing file: the gaps between consecutive step timestamps (n steps give n-1
 * gaps, so the first step, which has no start mark, is never counted). A torn last line (killed run) is skipped.
 * clock 'cpu' reads the process CPU time instead of wall time: steadier on a shared machine, but blind to
 * time spent waiting (for a GPU, for I/O), so use it only for CPU-bound workloads.
 */
export function readTimings(file: string, clock: 'wall' | 'cpu' = 'wall'): number[] {
  const stamps: bigint[] = [];
  for (const line of readLines(file)) {
    const m = /^(\d+) (\d+)(?: (\d+))?(?: \d+ \d+)?$/.exec(line.trim());
    if (!m) continue;
    const v = clock === 'wall' ? m[2] : m[3];
    if (v === undefined) continue;
    stamps.push(BigInt(v));
  }
  const out: number[] = [];
  for (let i = 1; i < stamps.length; i++) out.push(Number(stamps[i]! - stamps[i - 1]!) / 1e6);
  return out;
}

/**
 * Per-step shares from a timing file written with SYSIGHT_TIMING_TREE=1 (lines "step wall_ns cpu_ns
 * tree_cpu_ns idle_ns"), as gaps between consecutive lines like readTimings. [] when the file has no such
 * lines (another OS, an old shim): the caller then has no share to correct for.
 */
export function readCpuShare(file: string): StepShare[] {
  const rows: Array<[bigint, bigint, bigint]> = [];
  for (const line of readLines(file)) {
    const m = /^\d+ (\d+) \d+ (\d+) (\d+)$/.exec(line.trim());
    if (m) rows.push([BigInt(m[1]!), BigInt(m[2]!), BigInt(m[3]!)]);
  }
  const out: StepShare[] = [];
  for (let i = 1; i < rows.length; i++) {
    const [w0, c0, i0] = rows[i - 1]!;
    const [w1, c1, i1] = rows[i]!;
    out.push({ wallMs: Number(w1 - w0) / 1e6, treeCpuMs: Number(c1 - c0) / 1e6, idleMs: Number(i1 - i0) / 1e6 });
  }
  return out;
}

/** The recorded losses, in the order backward() saw them. */
export function readLosses(file: string): number[] {
  const out: number[] = [];
  for (const line of readLines(file)) {
    const t = line.trim();
    if (!t) continue;
    const v = t === 'nan' ? NaN : t === 'inf' ? Infinity : t === '-inf' ? -Infinity : Number(t);
    if (!Number.isNaN(v) || t === 'nan') out.push(v);
  }
  return out;
}

export interface IterTimePattern {
  name: string;
  /** Global regex; the capture group `v` holds the number. */
  regex: RegExp;
  /** Converts the captured number to ms per iteration. */
  toMs: (v: number) => number;
}

const NUM = String.raw`(?<v>\d+(?:\.\d+)?(?:[eE][-+]?\d+)?)`;

/** Default loggers, tried in this order; the first one that matches anything is used alone. */
export const ITER_TIME_PATTERNS: IterTimePattern[] = [
  // nanoGPT: "iter 10: loss 2.3456, time 123.45ms, mfu 1.2%" (and this repo's demo, with a space before ms)
  { name: 'nanogpt', regex: new RegExp(String.raw`\biter \d+: loss [^,\n]*, time ${NUM} ?ms`, 'g'), toMs: (v) => v },
  // explicit per-step times: "step 12 ... 45.6 ms/step", "45.6ms/it", "iteration time: 45.6 ms"
  { name: 'ms-per-step', regex: new RegExp(String.raw`${NUM} ?ms ?/ ?(?:it|iter|iteration|step|batch)\b`, 'g'), toMs: (v) => v },
  {
    name: 'time-per-iter',
    regex: new RegExp(String.raw`\b(?:iter(?:ation)?|step|batch)[ _]time[^0-9\n]{0,4}${NUM} ?ms\b`, 'gi'),
    toMs: (v) => v,
  },
  // tqdm progress bars (HF Trainer, Lightning): "12/100 [00:05<00:40, 2.15it/s]" or "3.20s/it" (smoothed rates)
  { name: 'tqdm-it/s', regex: new RegExp(String.raw`[\d?]+/[\d?]+ \[[^\]\n]*?,\s*${NUM}it/s`, 'g'), toMs: (v) => 1000 / v },
  { name: 'tqdm-s/it', regex: new RegExp(String.raw`[\d?]+/[\d?]+ \[[^\]\n]*?,\s*${NUM}s/it`, 'g'), toMs: (v) => v * 1000 },
];

/**
 * Milliseconds per iteration from a workload's output. With `regex`, its named group `ms` (or `s`, `us`,
 * `its` for iterations per second), else its first group in ms, is read from every match. Without, the first
 * default logger that matches is used. Lines are split on \n and \r (progress bars redraw with \r).
 */
export function parseIterTimes(stdout: string, regex?: RegExp | string): number[] {
  const text = stdout.replace(/\r/g, '\n');
  if (regex !== undefined) {
    const src = typeof regex === 'string' ? regex : regex.source;
    const flags = typeof regex === 'string' ? 'g' : regex.flags.includes('g') ? regex.flags : regex.flags + 'g';
    const re = new RegExp(src, flags);
    const out: number[] = [];
    for (const m of text.matchAll(re)) {
      const g = m.groups ?? {};
      const v =
        g.ms !== undefined ? Number(g.ms)
        : g.s !== undefined ? Number(g.s) * 1000
        : g.us !== undefined ? Number(g.us) / 1000
        : g.its !== undefined ? 1000 / Number(g.its)
        : Number(m[1]);
      if (Number.isFinite(v)) out.push(v);
    }
    return out;
  }
  for (const p of ITER_TIME_PATTERNS) {
    const out: number[] = [];
    for (const m of text.matchAll(p.regex)) {
      const v = p.toMs(Number(m.groups!.v));
      if (Number.isFinite(v)) out.push(v);
    }
    if (out.length) return out;
  }
  return [];
}

/** Path of the shim script itself (for messages and tests). */
export function shimScript(env?: NodeJS.ProcessEnv): string {
  return join(shimDir(env), 'sitecustomize.py');
}
