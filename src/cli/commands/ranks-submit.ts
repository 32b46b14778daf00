// `sysight ranks submit --scheduler slurm|local <profiles|dir|glob…> --out <dir>`: the map step (one
// `sysight profile summarize` per profile) as a Slurm job array or on the local pool, then the reduce here.
// Also the local pool behind `sysight ranks <profiles…> --workers N`.
import { realpathSync } from 'node:fs';
import { totalmem } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import type { RanksReport } from '../../core/ranks.js';
import { LocalPool, defaultWorkers } from '../../cluster/local.js';
import { expandProfiles, heapPerWorkerMb } from '../../cluster/map.js';
import { type MapReduceResult, type Reduce, describeFailure, mapReduce } from '../../cluster/run.js';
import type { JobProgress, Scheduler } from '../../cluster/scheduler.js';
import { SlurmScheduler } from '../../cluster/slurm.js';
import { cliSignal } from '../main.js';

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
  reduce: Reduce;
  workers: number;
  heapMb?: number;
  quiet?: boolean;
}

/** Runs map + reduce and says which tasks failed on stderr; exit code 1 when some did (the report is written). */
export async function runMapReduceCli(o: MapReduceCliOptions): Promise<MapReduceResult> {
  const res = await mapReduce(o.scheduler, o.profiles, o.reduce, {
    cliPath: cliEntry(),
    outDir: o.outDir,
    maxOldSpaceMb: o.heapMb ?? heapPerWorkerMb(o.workers, totalmem()),
    signal: cliSignal(),
    onProgress: o.quiet ? undefined : progressLine(o.scheduler.kind),
  });
  if (res.failed.length > 0) {
    process.stderr.write(`sysight: ${res.failed.length} of ${res.tasks.length} map tasks failed; the report covers the others:\n`);
    for (const t of res.failed) process.stderr.write(`  ${describeFailure(t)}\n`);
    process.exitCode = 1;
  }
  return res;
}

interface SubmitOpts {
  scheduler?: string;
  out?: string;
  partition?: string;
  maxParallel?: string;
  workers?: string;
  sbatchArg: string[];
  heapMb?: string;
  json?: boolean;
}

/** Adds `submit` under the `ranks` command; `reduce` and `print` are the ranks command's own. */
export function registerSubmit(ranks: Command, reduce: Reduce, print: (r: RanksReport, json: boolean) => void): void {
  ranks
    .command('submit')
    .description('run the map step (summarize each profile) on a scheduler, then the reduce: local pool or a Slurm job array')
    .argument('<profiles...>', 'profiles, folders of profiles, or globs (e.g. "runs/rank*.sqlite")')
    .requiredOption('--out <dir>', 'output folder: map/ (task folders, logs, batch script) and ranks.json')
    .option('--scheduler <kind>', 'local | slurm', 'local')
    .option('--partition <p>', 'Slurm partition')
    .option('--max-parallel <k>', 'Slurm: most array tasks running at once (--array=…%k)')
    .option('--workers <n>', `local: tasks at once (default: cores, ${defaultWorkers()} here)`)
    .option('--sbatch-arg <arg>', 'extra sbatch argument, repeatable (e.g. --sbatch-arg=--time=00:30:00)', (v: string, acc: string[]) => [...acc, v], [] as string[])
    .option('--heap-mb <m>', 'V8 heap limit per map task, MB (default: memory / workers, 512..8192)')
    .option('--json', 'print the report as JSON')
    .action(async (inputs: string[], opts: SubmitOpts) => {
      const kind = opts.scheduler ?? 'local';
      if (kind !== 'local' && kind !== 'slurm') throw new UserError(`--scheduler must be local or slurm (got "${kind}")`);
      const profiles = expandProfiles(inputs);
      const workers = positiveInt(opts.workers, '--workers') ?? defaultWorkers();
      const maxParallel = positiveInt(opts.maxParallel, '--max-parallel');
      const scheduler: Scheduler = kind === 'slurm'
        ? new SlurmScheduler({ partition: opts.partition, maxParallel, sbatchArgs: opts.sbatchArg })
        : new LocalPool({ workers });
      if (kind === 'local' && (opts.partition || maxParallel || opts.sbatchArg.length)) {
        throw new UserError('--partition, --max-parallel and --sbatch-arg are for --scheduler slurm');
      }
      const res = await runMapReduceCli({
        scheduler, profiles, outDir: opts.out!, reduce, workers: kind === 'slurm' ? (maxParallel ?? profiles.length) : workers,
        heapMb: positiveInt(opts.heapMb, '--heap-mb'), quiet: opts.json,
      });
      if (!opts.json) process.stdout.write(`report: ${join(resolve(opts.out!), 'ranks.json')}\n`);
      print(res.report, !!opts.json);
    });
}
