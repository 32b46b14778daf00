// `sysight ranks <dir|glob|files...> [--repo R] [--json] [--out report.json]`: the multi-rank reduce. Rank
// summaries (*.summary.json, from `sysight profile summarize`) are only combined; raw profiles are summarized
// here first, one at a time. Prints straggler ranking, collective waits, exposed communication, problems and
// findings; --json prints the RanksReport.
import { renameSync, writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import type { RanksReport } from '../../core/ranks.js';
import { RankReducer, forEachRank, formatRanksReport, localizeRankFindings } from '../../analyze/ranks/index.js';
import { cliSignal } from '../signal.js';
import { positiveInt, ranksOnLocalPool, registerSubmit } from './ranks-submit.js';

interface Opts {
  repo?: string;
  json?: boolean;
  out?: string;
  worldSize?: string;
  workers?: string;
}

export function register(program: Command): void {
  const ranks = program
    .command('ranks')
    .description('multi-rank analysis: stragglers, collective waits, exposed communication and C1/C6 findings over rank summaries or profiles')
    .argument('<inputs...>', 'a folder of *.summary.json (reduce only) or of profiles, a glob, or files')
    .option('--repo <dir>', 'place the findings in this repository (DDP/FSDP construction, collectives in the loop, DataLoader)')
    .option('--world-size <n>', 'expected number of ranks (default: from the profiles)')
    .option('--json', 'print the RanksReport as JSON')
    .option('--out <file>', 'also write the RanksReport JSON to this file')
    .option('--workers <n>', 'summarize the profiles on a local pool of N processes (bounded memory each) instead of one after another here')
    .action(async (inputs: string[], opts: Opts) => {
      const signal = cliSignal();
      let worldSize: number | undefined;
      if (opts.worldSize !== undefined) {
        worldSize = Number(opts.worldSize);
        if (!Number.isInteger(worldSize) || worldSize < 1) throw new UserError(`--world-size must be a positive integer (got "${opts.worldSize}")`);
      }
      const workers = positiveInt(opts.workers, '--workers');
      const pooled = workers ? await ranksOnLocalPool(inputs, { workers, ...(worldSize ? { worldSize } : {}), quiet: !!opts.json }) : undefined;
      let report = pooled ?? (await reduceInputs(inputs, opts, signal, worldSize));
      if (opts.repo) report = await localizeRankFindings(report, opts.repo, signal ? { signal } : {});
      if (opts.out) {
        const tmp = `${opts.out}.tmp-${process.pid}`;
        try {
          writeFileSync(tmp, `${JSON.stringify(report, null, 1)}\n`);
          renameSync(tmp, opts.out);
        } catch (e) {
          throw new UserError(`cannot write ${opts.out}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
        }
      }
      process.stdout.write(opts.json ? `${JSON.stringify(report)}\n` : `${formatRanksReport(report)}\n`);
    });
  // `ranks submit … --out <dir>`: the options after `submit` are its own, not the reduce's (--out, --workers, --json)
  ranks.enablePositionalOptions();
  registerSubmit(ranks);
}

/** Sequential: summaries read, raw profiles summarized here one at a time, each compacted into the reduce as it comes. */
async function reduceInputs(inputs: string[], opts: Opts, signal: AbortSignal | undefined, worldSize: number | undefined): Promise<RanksReport> {
  const reducer = new RankReducer();
  const { problems, files } = await forEachRank(inputs, (s) => reducer.add(s), {
    ...(signal ? { signal } : {}),
    onProgress: (i, n, f) => { if (!opts.json && n > 1 && process.stderr.isTTY) process.stderr.write(`\r[${i + 1}/${n}] ${f}`.padEnd(80).slice(0, 120)); },
  });
  if (!opts.json && files > 1 && process.stderr.isTTY) process.stderr.write('\n');
  if (reducer.size === 0) {
    throw new UserError(`no usable rank among ${files} file(s): ${problems.map((p) => p.message).join('; ').slice(0, 400)}`);
  }
  return reducer.finish({ problems, ...(worldSize ? { worldSize } : {}) });
}
