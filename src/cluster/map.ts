// The map step over many profiles: one task per profile running `sysight profile summarize <profile> --out
// <dir>`, each into its own folder (so two tasks never write the same file; ranks known only by input order are numbered as `sysight ranks` would), on any Scheduler. What comes back
// is the summary files of the tasks that succeeded and, per failed task, which profile and why.
import { existsSync, readdirSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { SUMMARY_SUFFIX, expandInputs } from '../analyze/ranks/index.js';
import { UserError } from '../core/errors.js';
import { optional } from '../core/optional.js';
import type { JobProgress, MapJob, Scheduler, TaskStatus } from './scheduler.js';

/**
 * The profiles named by the inputs (folders, globs, files; as `sysight ranks` expands them). Summaries are
 * refused: they need no map step.
 */
export function mapInputs(inputs: string[]): string[] {
  const files = expandInputs(inputs);
  const summaries = files.filter((f) => f.endsWith(SUMMARY_SUFFIX));
  if (summaries.length) {
    throw new UserError(`${summaries[0]} is already a rank summary: reduce summaries with \`sysight ranks <dir>\`; the map step takes profiles`);
  }
  return files;
}

export interface SummarizeMapOptions {
  /** the CLI bundle tasks run (dist/cli.js) */
  cliPath: string;
  /** the Node binary tasks run (an absolute path valid where the tasks run) */
  nodePath?: string | undefined;
  /** where task folders, logs and the scheduler's files go */
  outDir: string;
  /** V8 heap limit per task, MB */
  maxOldSpaceMb?: number | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ((p: JobProgress, tasks: readonly TaskStatus[]) => void) | undefined;
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
    ...optional('maxOldSpaceMb', opts.maxOldSpaceMb),
    tasks: profiles.map((p, index) => ({
      index,
      label: p,
      // the profile path as given (the summary's `source`), and its position for ranks known only by input order
      argv: [node, resolve(opts.cliPath), 'profile', 'summarize', p, '--out', summaryDir(outDir, index), '--order-base', String(index)],
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
