// Records a profile of the workload at a commit: nsys when it is on PATH (exported to SQLite), else
// torch.profiler through the timing shim (Kineto-format JSON with sampled Python stacks).
import { existsSync } from 'node:fs';
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

export async function recordProfile(o: RecordOptions): Promise<string> {
  const skip = o.skipSteps ?? 2;
  const steps = o.steps ?? 5;
  const wt = await createTrialWorktree(o.repo, { baseRef: o.ref, ...(o.signal ? { signal: o.signal } : {}) });
  try {
    const cmd = withPython(o.command, o.python);
    const env: Record<string, string> = { ...o.env, ...shimEnv({ maxSteps: skip + steps + 1, seed: 1234 }) };
    const nsys = findOnPath('nsys');
    let argv = cmd;
    let out = o.out;
    if (nsys) {
      const rep = o.out.replace(/\.json$/, '');
      argv = [nsys, 'profile', '--trace=cuda,nvtx,osrt', '--python-backtrace=cuda', '--force-overwrite=true', '-o', rep, ...cmd];
      out = `${rep}.sqlite`;
    } else {
      Object.assign(env, shimEnv({ maxSteps: skip + steps + 1, seed: 1234, profileFile: o.out, profileSkip: skip, profileSteps: steps }));
    }
    const r = await runCommand(argv, { cwd: wt.repoPath, env, timeoutMs: o.timeoutMs ?? 600_000, ...(o.signal ? { signal: o.signal } : {}) });
    if (!succeeded(r)) throw new UserError(`the workload failed while being profiled: ${describeFailure(r)}`);
    if (nsys) {
      const ex = await runCommand([nsys, 'export', '--type', 'sqlite', '--force-overwrite', 'true', '-o', out, `${out.replace(/\.sqlite$/, '')}.nsys-rep`], { cwd: wt.repoPath, timeoutMs: 600_000, ...(o.signal ? { signal: o.signal } : {}) });
      if (!succeeded(ex)) throw new UserError(`nsys export failed: ${describeFailure(ex)}`);
    }
    if (!existsSync(out)) {
      throw new UserError(`the workload ran but wrote no profile (${out}): it made fewer than ${skip + 1} optimizer steps, or it does not use torch.optim (set a timing function with SYSIGHT_TIMING_FUNC)`);
    }
    return out;
  } finally {
    await wt.dispose();
  }
}
