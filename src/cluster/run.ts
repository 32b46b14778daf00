// Map on a scheduler, then reduce here: the summaries of the tasks that succeeded are read (small JSON files),
// every failed task becomes a per-rank problem naming its profile, exit code, reason and log, and the reduce
// combines the rest. No step holds more than one raw profile; this process holds none.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { RankReducer, SUMMARY_SUFFIX, readSummaryFile, type ReduceOptions } from '../analyze/ranks/index.js';
import { UserError } from '../core/errors.js';
import type { RankProblem, RanksReport } from '../core/ranks.js';
import { fileNameRank } from '../profile/ranks/index.js';
import { type MapTaskResult, type SummarizeMapOptions, runSummarizeMap } from './map.js';
import type { Scheduler, TaskStatus } from './scheduler.js';

export interface MapReduceResult {
  report: RanksReport;
  tasks: MapTaskResult[];
  failed: MapTaskResult[];
  scheduler: Scheduler['kind'];
}

export function describeFailure(t: { profile: string; status: TaskStatus }): string {
  const s = t.status;
  const how = s.exitCode !== null ? `exit code ${s.exitCode}` : s.signal ? `killed by ${s.signal}` : s.state;
  return `map task ${s.index} (${t.profile}) failed: ${how}${s.message ? `: ${s.message}` : ''} (log: ${s.logPath})`;
}

/**
 * The rank problem of a failed map task, as the sequential path (`sysight ranks <profiles>`) words it: the task's
 * own one-line error when it printed one, so both paths give the same report.
 */
export function taskProblem(t: MapTaskResult): RankProblem {
  const m = t.status.message?.match(/^sysight: (error|internal error): (.*)$/);
  const msg = !m ? describeFailure(t) : m[1] === 'error' ? m[2]! : `cannot summarize ${t.profile}: ${m[2]}`;
  const rank = fileNameRank(t.profile.replace(SUMMARY_SUFFIX, '.json'));
  return { source: t.profile, ...(rank !== undefined ? { rank } : {}), kind: /no GPU work/.test(msg) ? 'no-gpu' : 'unreadable', message: msg };
}

/**
 * Runs `sysight profile summarize` for every profile on `scheduler`, reduces the summaries (a RankReducer, one file at a time), and
 * writes `<outDir>/ranks.json` (the report, as `sysight ranks --out` does) and `<outDir>/map/tasks.json` (one status per task). A failed task
 * is a problem in the report; only when every task failed is it an error.
 */
export async function mapReduce(
  scheduler: Scheduler, profiles: string[], opts: SummarizeMapOptions & { reduce?: Omit<ReduceOptions, 'problems'> },
): Promise<MapReduceResult> {
  if (profiles.length === 0) throw new UserError('no profiles to summarize');
  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  const tasks = await runSummarizeMap(scheduler, profiles, { ...opts, outDir });
  writeFileSync(join(outDir, 'map', 'tasks.json'), `${JSON.stringify({ scheduler: scheduler.kind, tasks: tasks.map((t) => ({ profile: t.profile, ...t.status, summaries: t.summaries })) }, null, 2)}\n`);
  const failed = tasks.filter((t) => t.status.state !== 'succeeded');
  if (failed.length === tasks.length) {
    throw new UserError(`every map task failed; first: ${describeFailure(failed[0]!)}`);
  }
  const reducer = new RankReducer();
  const problems: RankProblem[] = [];
  for (const t of tasks) {
    if (t.status.state !== 'succeeded') problems.push(taskProblem(t));
    for (const f of t.summaries) {
      try {
        reducer.add(readSummaryFile(f));
      } catch (e) {
        problems.push({ source: t.profile, kind: 'unreadable', message: (e as Error).message });
      }
    }
  }
  const report: RanksReport = reducer.finish({ ...opts.reduce, problems });
  writeFileSync(join(outDir, 'ranks.json'), `${JSON.stringify(report, null, 1)}\n`);
  return { report, tasks, failed, scheduler: scheduler.kind };
}
