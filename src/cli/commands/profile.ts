// `sysight profile summary <profile> [--json]`: the profile at a glance.
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { summaryQuery } from '../../profile/queries/summary.js';
import type { QueryDef } from '../../profile/queries/registry.js';
import { runQuery } from './tool.js';
import { cliSignal } from '../signal.js';
import { writeSummaries } from './ranks-io.js';

export function register(program: Command): void {
  const profile = program.command('profile').description('inspect a profile');
  profile
    .command('summary')
    .description('duration, GPUs, event counts, GPU busy %, top kernels, iterations, sync/memcpy/NCCL headlines, notes')
    .argument('<profile>', 'Nsight Systems .sqlite export or PyTorch profiler .json/.json.gz trace')
    .option('--json', 'machine-readable output')
    .option('--limit <n>', 'kernel names listed (default 5)')
    .action(async (path: string, opts: { json?: boolean; limit?: string }) => {
      await runQuery(summaryQuery as QueryDef, path, { limit: opts.limit }, Boolean(opts.json), { timings: true, countOnly: ['osrt'] });
    });
  profile
    .command('summarize')
    .description('multi-rank map step: write one <dir>/rank-<N>.summary.json per rank process in the profile')
    .argument('<profile>', 'Nsight Systems .sqlite export or PyTorch profiler .json/.json.gz trace')
    .requiredOption('--out <dir>', 'folder for the rank summaries (created when missing)')
    .option('--json', 'print the written paths and ranks as JSON')
    .option('--order-base <n>', 'rank of a process with no rank metadata: this profile\'s position among the run\'s inputs (set by the map scheduler)')
    .action(async (path: string, opts: { out: string; json?: boolean; orderBase?: string }) => {
      const orderBase = opts.orderBase === undefined ? undefined : Number(opts.orderBase);
      if (orderBase !== undefined && !(Number.isInteger(orderBase) && orderBase >= 0)) throw new UserError(`--order-base must be an integer ≥ 0 (got "${opts.orderBase}")`);
      const written = await writeSummaries(path, opts.out, cliSignal(), orderBase);
      if (opts.json) process.stdout.write(`${JSON.stringify({ profile: path, summaries: written })}\n`);
      else for (const w of written) process.stdout.write(`${w.path}\n`);
    });
  profile.on('command:*', (operands: string[]) => {
    throw new UserError(`unknown profile command "${operands[0]}": valid commands are summary, summarize`);
  });
}
