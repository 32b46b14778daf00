// `sysight ranks submit --scheduler slurm|local <profiles|dir|glob…> --out <dir>`: the map step (one
// `sysight profile summarize` per profile) as a Slurm job array or on the local pool, then the reduce here.
// Also the local pool behind `sysight ranks <profiles…> --workers N`.
import { mkdtempSync, realpathSync, rmSync } from 'node:fs';
import { totalmem, tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { formatRanksReport, localizeRankFindings } from '../../analyze/ranks/index.js';
import { UserError } from '../../core/errors.js';
import type { RanksReport } from '../../core/ranks.js';
import { LocalPool, defaultWorkers } from '../../cluster/local.js';
import { heapPerWorkerMb, mapInputs } from '../../cluster/map.js';
import { type MapReduceResult, describeFailure, mapReduce } from '../../cluster/run.js';
import type { JobProgress, Scheduler } from '../../cluster/scheduler.js';
import { SlurmScheduler } from '../../cluster/slurm.js';
import { cliSignal } from '../signal.js';

/** The script a map task runs: this CLI's bin/sysight.js (dist/cli.js only exports `run`). */
export function cliEntry(): string {
  const argv1 = process.argv[1];
  if (argv1 && /sysight(\.js)?$/.test(argv1)) return realpathSync(argv1);
  return resolve(dirname(__filename), '..', 'bin', 'sysight.js');
}

export function positiveInt(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${what} must be a positive integer (got "${v}")`);
  return n;
}

function progressLine(kind: string): (p: JobProgress) => void {
  let last = '';
  return (p) => {
    const line = `map (${kind}): ${p.succeeded + p.failed + p.cancelled}/${p.total} done, ${p.running} running, ${p.pending} waiting${p.failed ? `, ${p.failed} failed` : ''}`;
    if (line !== last) process.stderr.write(`${line}\n`);
    last = line;
  };
}

export interface MapReduceCliOptions {
  scheduler: Scheduler;
  profiles: string[];
  outDir: string;
  /** tasks running at once, for the heap limit per task */
  workers: number;
  heapMb?: number | undefined;
  worldSize?: number | undefined;
  quiet?: boolean | undefined;
  /** exit code 1 when a task failed (ranks submit); `ranks --workers` keeps the sequential path's 0 */
  failExit?: boolean | undefined;
}

/** Runs map + reduce and says which tasks failed on stderr (their ranks are problems in the written report). */
export async function runMapReduceCli(o: MapReduceCliOptions): Promise<MapReduceResult> {
  const res = await mapReduce(o.scheduler, o.profiles, {
    cliPath: cliEntry(),
    outDir: o.outDir,
    maxOldSpaceMb: o.heapMb ?? heapPerWorkerMb(o.workers, totalmem()),
    signal: cliSignal(),
    onProgress: o.quiet ? undefined : progressLine(o.scheduler.kind),
    reduce: o.worldSize ? { worldSize: o.worldSize } : {},
  });
  if (res.failed.length > 0) {
    process.stderr.write(`sysight: ${res.failed.length} of ${res.tasks.length} map tasks failed; the report covers the others:\n`);
    for (const t of res.failed) process.stderr.write(`  ${describeFailure(t)}\n`);
    if (o.failExit) process.exitCode = 1;
  }
  return res;
}

/**
 * `sysight ranks <profiles…> --workers N`: the map on the local pool (task folders in a temp folder, removed
 * afterwards), the reduce here. Summaries as inputs need no map: undefined, the caller reduces them itself.
 */
export async function ranksOnLocalPool(inputs: string[], o: { workers: number; worldSize?: number; quiet?: boolean }): Promise<RanksReport | undefined> {
  let profiles: string[];
  try {
    profiles = mapInputs(inputs);
  } catch (e) {
    if (e instanceof UserError && /already a rank summary/.test(e.message)) return undefined;
    throw e;
  }
  const tmp = mkdtempSync(join(tmpdir(), 'sysight-ranks-map-'));
  try {
    const res = await runMapReduceCli({ scheduler: new LocalPool({ workers: o.workers }), profiles, outDir: tmp, workers: o.workers, worldSize: o.worldSize, quiet: o.quiet });
    return res.report;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

interface SubmitOpts {
  scheduler: string;
  out: string;
  partition?: string;
  maxParallel?: string;
  workers?: string;
  sbatchArg: string[];
  heapMb?: string;
  worldSize?: string;
  repo?: string;
  json?: boolean;
}

/** Adds `submit` under the `ranks` command. */
export function registerSubmit(ranks: Command): void {
  ranks
    .command('submit')
    .description('run the map step (summarize each profile) on a scheduler, then the reduce: local pool or a Slurm job array')
    .argument('<profiles...>', 'profiles, folders of profiles, or globs (e.g. "runs/rank*.sqlite")')
    .requiredOption('--out <dir>', 'output folder: map/ (task folders, logs, batch script, tasks.json) and ranks.json')
    .option('--scheduler <kind>', 'local | slurm', 'local')
    .option('--partition <p>', 'Slurm partition')
    .option('--max-parallel <k>', 'Slurm: most array tasks running at once (--array=…%k)')
    .option('--workers <n>', `local: tasks at once (default: the cores, ${defaultWorkers()} here)`)
    .option('--sbatch-arg <arg>', 'extra sbatch argument, repeatable (e.g. --sbatch-arg=--time=00:30:00)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--heap-mb <m>', 'V8 heap limit per map task, MB (default: memory shared by the workers, 512..8192)')
    .option('--world-size <n>', 'expected number of ranks (default: from the profiles)')
    .option('--repo <dir>', 'place the findings in this repository')
    .option('--json', 'print the RanksReport as JSON')
    .action(async (inputs: string[], opts: SubmitOpts) => {
      const kind = opts.scheduler;
      if (kind !== 'local' && kind !== 'slurm') throw new UserError(`--scheduler must be local or slurm (got "${kind}")`);
      const workers = positiveInt(opts.workers, '--workers') ?? defaultWorkers();
      const maxParallel = positiveInt(opts.maxParallel, '--max-parallel');
      if (kind === 'local' && (opts.partition || maxParallel || opts.sbatchArg.length)) {
        throw new UserError('--partition, --max-parallel and --sbatch-arg are for --scheduler slurm');
      }
      const profiles = mapInputs(inputs);
      const scheduler: Scheduler = kind === 'slurm'
        ? new SlurmScheduler({ partition: opts.partition, maxParallel, sbatchArgs: opts.sbatchArg })
        : new LocalPool({ workers });
      const res = await runMapReduceCli({
        scheduler, profiles, outDir: opts.out, workers: kind === 'slurm' ? 1 : workers,
        heapMb: positiveInt(opts.heapMb, '--heap-mb'), worldSize: positiveInt(opts.worldSize, '--world-size'), quiet: opts.json, failExit: true,
      });
      const signal = cliSignal();
      const report = opts.repo ? await localizeRankFindings(res.report, opts.repo, signal ? { signal } : {}) : res.report;
      process.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : `${formatRanksReport(report)}\nreport: ${join(resolve(opts.out), 'ranks.json')}\n`);
    });
}
