// Records a profile of the workload: nsys when it is on PATH (exported to SQLite), else torch.profiler through
// the timing shim (Kineto-format JSON; without a Kineto build, with sampled Python stacks). The agent loop
// records at a commit in a trial worktree (recordProfile); `sysight record` records the tree as it is
// (recordIn). Both run the same command line with the same environment.
import { existsSync, mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { createTrialWorktree, describeFailure, runCommand, succeeded, withPython } from '../sandbox/index.js';
import { findOnPath } from '../sandbox/python.js';
import { shimEnv } from '../sandbox/shim.js';

export interface RecordOptions {
  repo: string;
  ref: string;
  command: string[];
  python?: string | undefined;
  /** output path for the trace (a .json; nsys writes a .sqlite beside it) */
  out: string;
  env?: Record<string, string> | undefined;
  /** optimizer steps skipped before the recorded window, and steps recorded */
  skipSteps?: number | undefined;
  steps?: number | undefined;
  timeoutMs?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface Recording {
  /** the profile written: the trace, or nsys's .sqlite export */
  path: string;
  recorder: 'nsys' | 'torch.profiler';
  skipSteps: number;
  steps: number;
}

export async function recordProfile(o: RecordOptions): Promise<string> {
  const wt = await createTrialWorktree(o.repo, { baseRef: o.ref, ...(o.signal ? { signal: o.signal } : {}) });
  try {
    return (await recordIn(wt.repoPath, o)).path;
  } finally {
    await wt.dispose();
  }
}

/** Runs the workload in `cwd` under the recorder; the profile goes to `o.out` (absolute or relative to the caller). */
export async function recordIn(cwd: string, o: Omit<RecordOptions, 'repo' | 'ref'>): Promise<Recording> {
  if (!o.command.length) throw new UserError('no command to record: give it after --, e.g. sysight record --out p.json -- python train.py');
  const skip = o.skipSteps ?? 2;
  const steps = o.steps ?? 5;
  const target = resolve(o.out);
  mkdirSync(dirname(target), { recursive: true });
  const cmd = withPython(o.command, o.python);
  // nothing lands in the recorded tree: no bytecode caches
  const env: Record<string, string> = { ...o.env, PYTHONDONTWRITEBYTECODE: '1', ...shimEnv({ maxSteps: skip + steps + 1, seed: 1234 }) };
  const nsys = findOnPath('nsys');
  let argv = cmd;
  let out = target;
  if (nsys) {
    const rep = target.replace(/\.json(\.gz)?$/, '').replace(/\.sqlite$/, '');
    argv = [nsys, 'profile', '--trace=cuda,nvtx,osrt', '--python-backtrace=cuda', '--force-overwrite=true', '-o', rep, ...cmd];
    out = `${rep}.sqlite`;
  } else {
    Object.assign(env, shimEnv({ maxSteps: skip + steps + 1, seed: 1234, profileFile: target, profileSkip: skip, profileSteps: steps }));
  }
  const r = await runCommand(argv, { cwd, env, timeoutMs: o.timeoutMs ?? 600_000, ...(o.signal ? { signal: o.signal } : {}) });
  if (!succeeded(r)) throw new UserError(`the workload failed while being profiled: ${describeFailure(r)}`);
  if (nsys) {
    const ex = await runCommand([nsys, 'export', '--type', 'sqlite', '--force-overwrite', 'true', '-o', out, `${out.replace(/\.sqlite$/, '')}.nsys-rep`], { cwd, timeoutMs: 600_000, ...(o.signal ? { signal: o.signal } : {}) });
    if (!succeeded(ex)) throw new UserError(`nsys export failed: ${describeFailure(ex)}`);
  }
  if (!existsSync(out)) {
    throw new UserError(`the workload ran but wrote no profile (${out}): it made fewer than ${skip + 1} optimizer steps, or it does not use torch.optim (set a timing function with SYSIGHT_TIMING_FUNC)`);
  }
  return { path: out, recorder: nsys ? 'nsys' : 'torch.profiler', skipSteps: skip, steps };
}
