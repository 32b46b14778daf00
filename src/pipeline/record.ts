// Records a profile of the workload: nsys when it is on PATH (exported to SQLite), else torch.profiler through
// the timing shim (Kineto-format JSON; without a Kineto build, with sampled Python stacks). The agent loop
// records at a commit in a trial worktree (recordProfile); `sysight record` records the tree as it is
// (recordIn). Both run the same command line with the same environment.
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import { createTrialWorktree, describeFailure, runCommand, succeeded, withPython } from '../sandbox/index.js';
import { findOnPath } from '../sandbox/python.js';
import { shimEnv } from '../sandbox/shim.js';
import { registerTempDir, unregisterTempDir } from '../sandbox/registry.js';

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
/** Runs the workload in `cwd` under the recorder; the profile goes to `o.out` (absolute or relative to the caller). */
export async function recordIn(cwd: string, o: Omit<RecordOptions, 'repo' | 'ref'>): Promise<Recording> {
  if (!o.command.length) throw new UserError('no command to record: give it after --, e.g. sysight record --out p.json -- python train.py');
  const skip = o.skipSteps ?? 2;
  const steps = o.steps ?? 5;
  const target = resolve(o.out);
  mkdirSync(dirname(target), { recursive: true });
  const cmd = withPython(o.command, o.python);
  const nsys = findOnPath('nsys');
  if (nsys) return recordNsys(cwd, o, nsys, cmd, target, skip, steps);
  // torch.profiler through the shim; the shim's timing file counts the optimizer steps the run made, so a run
  // that wrote no trace says why, and is profiled again where that can help
  const dir = mkdtempSync(join(tmpdir(), 'sysight-record-'));
  registerTempDir(dir);
  try {
    let window = { skip, steps };
    let tries = 0;
    for (;;) {
      tries++;
      const made = await profileRun(cwd, o, cmd, target, window, join(dir, `steps-${tries}.txt`));
      // the recording starts when step `skip` returns: a run of `made` steps has made − skip whole steps in it
      const recorded = Math.min(window.steps, made.steps - window.skip);
      if (existsSync(target) && recorded >= 1) return { path: target, recorder: 'torch.profiler', skipSteps: window.skip, steps: recorded };
      const next = retryWindow(window, made.steps, tries);
      if (!next) {
        rmSync(target, { force: true }); // a trace without one whole step is no profile
        throw new UserError(noProfileMessage(target, window, made));
      }
      window = next;
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
    unregisterTempDir(dir);
  }
}

/**
 * The window to profile again after a run that made `made` optimizer steps and wrote no trace with a whole step
 * in it, or null. A run shorter than warm-up + one step is profiled again with one warm-up step and every step it has left (it needs
 * two steps at least: the recording starts when a step returns). A run long enough whose trace is missing (the
 * writer failed, e.g. a busy machine's transient error) is tried once more as it was. Two tries at most.
 */
export function retryWindow(window: { skip: number; steps: number }, made: number, tries: number): { skip: number; steps: number } | null {
  if (tries >= 2 || made < 2) return null;
  if (made < window.skip + 1) return { skip: 1, steps: made - 1 };
  return window;
}

function noProfileMessage(target: string, window: { skip: number; steps: number }, made: { steps: number; warnings: string[] }): string {
  const why = made.steps === 0
    ? 'it made no optimizer step the shim could see: it does not use torch.optim, or set a timing function with SYSIGHT_TIMING_FUNC'
    : made.steps < 2
      ? `it made only ${made.steps} optimizer step; a profile needs 2 at least (one to warm up, one recorded): give it more steps`
      : `it made ${made.steps} optimizer steps (${window.skip} warm-up + ${window.steps} recorded asked), but the trace was not written, twice`;
  const said = made.warnings.length ? ` (the shim said: ${made.warnings.join(' | ')})` : '';
  return `the workload ran but wrote no profile (${target}): ${why}${said}`;
}

async function profileRun(cwd: string, o: Omit<RecordOptions, 'repo' | 'ref'>, cmd: string[], target: string, w: { skip: number; steps: number }, stepsFile: string): Promise<{ steps: number; warnings: string[] }> {
  const env: Record<string, string> = {
    ...o.env, PYTHONDONTWRITEBYTECODE: '1',
    ...shimEnv({ maxSteps: w.skip + w.steps + 1, seed: 1234, profileFile: target, profileSkip: w.skip, profileSteps: w.steps, timingFile: stepsFile }),
  };
  const r = await runCommand(cmd, { cwd, env, timeoutMs: o.timeoutMs ?? 600_000, ...(o.signal ? { signal: o.signal } : {}) });
  if (!succeeded(r)) throw new UserError(`the workload failed while being profiled: ${describeFailure(r)}`);
  const warnings = r.stderrTail.split('\n').map((l) => l.trim()).filter((l) => l.startsWith('sysight shim:')).slice(-3);
  const made = existsSync(stepsFile) ? readFileSync(stepsFile, 'utf8').split('\n').filter((l) => /^\d+ \d+/.test(l)).length : 0;
  return { steps: made, warnings };
}

async function recordNsys(cwd: string, o: Omit<RecordOptions, 'repo' | 'ref'>, nsys: string, cmd: string[], target: string, skip: number, steps: number): Promise<Recording> {
  // nothing lands in the recorded tree: no bytecode caches
  const env: Record<string, string> = { ...o.env, PYTHONDONTWRITEBYTECODE: '1', ...shimEnv({ maxSteps: skip + steps + 1, seed: 1234 }) };
  const rep = target.replace(/\.json(\.gz)?$/, '').replace(/\.sqlite$/, '');
  const argv = [nsys, 'profile', '--trace=cuda,nvtx,osrt', '--python-backtrace=cuda', '--force-overwrite=true', '-o', rep, ...cmd];
  const out = `${rep}.sqlite`;
  const r = await runCommand(argv, { cwd, env, timeoutMs: o.timeoutMs ?? 600_000, ...(o.signal ? { signal: o.signal } : {}) });
  if (!succeeded(r)) throw new UserError(`the workload failed while being profiled: ${describeFailure(r)}`);
  const ex = await runCommand([nsys, 'export', '--type', 'sqlite', '--force-overwrite', 'true', '-o', out, `${out.replace(/\.sqlite$/, '')}.nsys-rep`], { cwd, timeoutMs: 600_000, ...(o.signal ? { signal: o.signal } : {}) });
  if (!succeeded(ex)) throw new UserError(`nsys export failed: ${describeFailure(ex)}`);
  if (!existsSync(out)) {
    throw new UserError(`the workload ran but wrote no profile (${out}): it made fewer than ${skip + 1} optimizer steps, or it does not use torch.optim (set a timing function with SYSIGHT_TIMING_FUNC)`);
  }
  return { path: out, recorder: 'nsys', skipSteps: skip, steps };
}
