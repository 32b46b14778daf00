// Map on a scheduler, then reduce here: the summaries of the tasks that succeeded are read (small JSON files),
// every failed task becomes a per-rank problem naming its profile, exit code, reason and log, and the reduce
// combines the rest. No step holds more than one raw profile; this process holds none.
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { RANK_SUMMARY_VERSION, type RankProblem, type RankSummary, type RanksReport } from '../core/ranks.js';
import { type MapTaskResult, type SummarizeMapOptions, runSummarizeMap } from './map.js';
import type { Scheduler, TaskStatus } from './scheduler.js';

export type Reduce = (summaries: RankSummary[]) => RanksReport;

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

function readSummary(file: string): RankSummary {
  const s = JSON.parse(readFileSync(file, 'utf8')) as RankSummary;
  if (s?.version !== RANK_SUMMARY_VERSION || typeof s.identity?.rank !== 'number') {
    throw new Error(`${file} is not a version ${RANK_SUMMARY_VERSION} rank summary`);
  }
  return s;
}

/**
 * Runs `sysight profile summarize` for every profile on `scheduler`, reduces the summaries with `reduce`, and
 * writes `<outDir>/ranks.json` (the report) and `<outDir>/map/tasks.json` (one status per task). A failed task
 * is a problem in the report; only when every task failed is it an error.
 */
export async function mapReduce(scheduler: Scheduler, profiles: string[], reduce: Reduce, opts: SummarizeMapOptions): Promise<MapReduceResult> {
  if (profiles.length === 0) throw new UserError('no profiles to summarize');
  const outDir = resolve(opts.outDir);
  mkdirSync(outDir, { recursive: true });
  const tasks = await runSummarizeMap(scheduler, profiles, { ...opts, outDir });
  writeFileSync(join(outDir, 'map', 'tasks.json'), `${JSON.stringify({ scheduler: scheduler.kind, tasks: tasks.map((t) => ({ profile: t.profile, ...t.status, summaries: t.summaries })) }, null, 2)}\n`);
  const failed = tasks.filter((t) => t.status.state !== 'succeeded');
  if (failed.length === tasks.length) {
    throw new UserError(`every map task failed; first: ${describeFailure(failed[0]!)}`);
  }
  const summaries: RankSummary[] = [];
  const problems: RankProblem[] = failed.map((t) => ({ source: t.profile, kind: 'unreadable', message: describeFailure(t) }));
  for (const t of tasks) {
    for (const f of t.summaries) {
      try {
        summaries.push(readSummary(f));
      } catch (e) {
        problems.push({ source: t.profile, kind: 'unreadable', message: `summary ${f}: ${(e as Error).message}` });
      }
    }
  }
  const report = reduce(summaries);
  report.problems.push(...problems);
  writeFileSync(join(outDir, 'ranks.json'), `${JSON.stringify(report, null, 2)}\n`);
  return { report, tasks, failed, scheduler: scheduler.kind };
}
