// `sysight python`: which interpreter runs workloads, with which torch; the same choice the sandbox makes.
import type { Command } from 'commander';
import { resolvePython } from '../../sandbox/python.js';

export function register(program: Command): void {
  program
    .command('python')
    .description('show the Python that runs workloads: --python, else SYSIGHT_PYTHON, else /usr/bin/python3 or python3 on PATH, the first with PyTorch')
    .option('--python <path>', 'use this interpreter (it must import torch)')
    .option('--json', 'print machine-readable JSON')
    .action(async (opts: { python?: string; json?: boolean }) => {
      const signal = (globalThis as { __sysightAbort?: AbortSignal }).__sysightAbort;
      const info = await resolvePython({ configured: opts.python, signal });
      if (opts.json) {
        process.stdout.write(`${JSON.stringify(info)}\n`);
      } else {
        process.stdout.write(
          `${info.path}: Python ${info.version}, PyTorch ${info.torchVersion}, CUDA ${info.cuda ? 'available' : 'not available'}\n`,
        );
      }
    });
}
