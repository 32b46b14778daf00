// `sysight profile summary <profile> [--json]`: the profile at a glance.
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { summaryQuery } from '../../profile/queries/summary.js';
import type { QueryDef } from '../../profile/queries/registry.js';
import { runQuery } from './tool.js';

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
  profile.on('command:*', (operands: string[]) => {
    throw new UserError(`unknown profile command "${operands[0]}": valid commands are summary`);
  });
}
