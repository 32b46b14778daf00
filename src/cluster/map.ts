// The map step over many profiles: one task per profile running `sysight profile summarize <profile> --out
// <dir>`, each into its own folder (so two tasks never write the same file), on any Scheduler. What comes back
// is the summary files of the tasks that succeeded and, per failed task, which profile and why.
import { existsSync, readdirSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import type { JobProgress, MapJob, Scheduler, TaskStatus } from './scheduler.js';

const PROFILE_RE = /\.(sqlite|json|json\.gz)$/i;

function globToRegExp(pattern: string): RegExp {
  const body = pattern.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]');
  return new RegExp(`^${body}$`);
}

/**
 * Profiles named on the command line: files as they are, a folder's profile files (.sqlite, .json, .json.gz;
 * not recursive), a glob with * or ? in its last part. Sorted within each argument, duplicates dropped.
 */
export function expandProfiles(args: string[]): string[] {
  const out: string[] = [];
  for (const a of args) {
    const abs = resolve(a);
    if (/[*?]/.test(basename(a))) {
      const dir = dirname(abs);
      if (!existsSync(dir)) throw new UserError(`no such folder: ${dirname(a)}`);
      const re = globToRegExp(basename(a));
      const hits = readdirSync(dir).filter((f) => re.test(f)).sort().map((f) => join(dir, f));
      if (hits.length === 0) throw new UserError(`no file matches ${a}`);
      out.push(...hits);
    } else if (!existsSync(abs)) {
      throw new UserError(`no such file or folder: ${a}`);
    } else if (statSync(abs).isDirectory()) {
      const hits = readdirSync(abs).filter((f) => PROFILE_RE.test(f) && !f.endsWith('.summary.json')).sort().map((f) => join(abs, f));
      if (hits.length === 0) throw new UserError(`no profiles (.sqlite, .json, .json.gz) in ${a}`);
      out.push(...hits);
    } else out.push(abs);
  }
  return [...new Set(out)];
}

export interface SummarizeMapOptions {
  /** the CLI bundle tasks run (dist/cli.js) */
  cliPath: string;
  /** the Node binary tasks run (an absolute path valid where the tasks run) */
  nodePath?: string;
  /** where task folders, logs and the scheduler's files go */
  outDir: string;
  /** V8 heap limit per task, MB */
  maxOldSpaceMb?: number;
  signal?: AbortSignal;
  onProgress?: (p: JobProgress, tasks: readonly TaskStatus[]) => void;
}

export interface MapTaskResult {
  profile: string;
  status: TaskStatus;
  /** the rank-<N>.summary.json files this task wrote (empty when it failed) */
  summaries: string[];
}

export function summaryDir(outDir: string, index: number): string {
  return join(outDir, 'map', `task-${index}`);
}

export function summarizeJob(profiles: string[], opts: SummarizeMapOptions): MapJob {
  const outDir = resolve(opts.outDir);
  const node = opts.nodePath ?? process.execPath;
  return {
    name: 'sysight-map',
    workDir: join(outDir, 'map', 'scheduler'),
    maxOldSpaceMb: opts.maxOldSpaceMb,
    tasks: profiles.map((p, index) => ({
      index,
      label: p,
      argv: [node, resolve(opts.cliPath), 'profile', 'summarize', p, '--out', summaryDir(outDir, index)],
      logPath: join(outDir, 'map', 'logs', `task-${index}.log`),
    })),
  };
}

/** Runs the map on `scheduler` and waits for it; a failed task is in the result, never thrown. */
export async function runSummarizeMap(scheduler: Scheduler, profiles: string[], opts: SummarizeMapOptions): Promise<MapTaskResult[]> {
  const job = summarizeJob(profiles, opts);
  const submitted = await scheduler.submit(job);
  const statuses = await submitted.wait({ signal: opts.signal, onProgress: opts.onProgress });
  return statuses.map((status) => {
    const dir = summaryDir(resolve(opts.outDir), status.index);
    const summaries = status.state === 'succeeded' && existsSync(dir)
      ? readdirSync(dir).filter((f) => /^rank-.+\.summary\.json$/.test(f)).sort().map((f) => join(dir, f))
      : [];
    return { profile: profiles[status.index]!, status, summaries };
  });
}

/** Default heap limit per map task: the memory of this machine shared by the workers, between 512 MB and 8 GB. */
export function heapPerWorkerMb(workers: number, totalBytes: number): number {
  const share = totalBytes / 1024 / 1024 / Math.max(1, workers) * 0.6;
  return Math.max(512, Math.min(8192, Math.floor(share)));
}
