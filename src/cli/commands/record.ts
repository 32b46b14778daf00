// `sysight record --out P [--repo R] [--python PY] [--steps N] [--skip N] -- <command…>`: records a profile of
// the workload exactly as the agent loop does (nsys when it is on PATH, else torch.profiler through the timing
// shim), in the repository as it is, so it can be analyzed many times (`sysight analyze P --repo R`).
import { resolve } from 'node:path';
import { statSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { recordIn } from '../../pipeline/record.js';
import { resolvePython } from '../../sandbox/python.js';
import { cliSignal } from '../signal.js';

function count(v: string, name: string, min: number): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < min) throw new UserError(`--${name} must be an integer ≥ ${min}, got ${v}`);
  return n;
}

export function register(program: Command): void {
  program
    .command('record')
    .description('record a profile of a workload as the loop does (nsys when on PATH, else torch.profiler via the timing shim)')
    .argument('<command...>', 'the workload, after --: e.g. -- python train.py --max-steps 20')
    .requiredOption('--out <path>', 'where the profile goes (.json or .json.gz for torch.profiler; nsys writes a .sqlite)')
    .option('--repo <dir>', 'directory the command runs in (default: the current directory)')
    .option('--python <path>', 'the interpreter for a python/.py command (default: the one `sysight python` shows)')
    .option('--steps <n>', 'optimizer steps recorded', '5')
    .option('--skip <n>', 'optimizer steps run before the recording starts (warm-up)', '2')
    .option('--timeout <s>', 'stop the workload after this many seconds', '600')
    .option('--json', 'print {profile, recorder, steps, skipSteps} as JSON')
    .action(async (command: string[], o: { out: string; repo?: string; python?: string; steps: string; skip: string; timeout: string; json?: boolean }) => {
      const cwd = resolve(o.repo ?? '.');
      let st;
      try { st = statSync(cwd); } catch { throw new UserError(`no such directory: ${cwd}`); }
      if (!st.isDirectory()) throw new UserError(`${cwd} is not a directory`);
      const steps = count(o.steps, 'steps', 1);
      const skipSteps = count(o.skip, 'skip', 0);
      const timeoutMs = count(o.timeout, 'timeout', 1) * 1000;
      const signal = cliSignal();
      const python = /^python(\d+(\.\d+)*)?$|\.py$/.test(command[0]!.split('/').pop() ?? '')
        ? (await resolvePython({ configured: o.python, ...(signal ? { signal } : {}) })).path
        : o.python;
      if (!o.json) process.stderr.write(`recording ${steps} step(s) after ${skipSteps} warm-up step(s): ${command.join(' ')}\n`);
      const r = await recordIn(cwd, { command, python, out: resolve(o.out), steps, skipSteps, timeoutMs, ...(signal ? { signal } : {}) });
      if (o.json) process.stdout.write(`${JSON.stringify({ profile: r.path, recorder: r.recorder, steps: r.steps, skipSteps: r.skipSteps })}\n`);
      else process.stdout.write(`wrote ${r.path} (${r.recorder}, ${r.steps} step(s))\nanalyze it with: sysight analyze ${r.path} --repo ${cwd}\n`);
    });
}
