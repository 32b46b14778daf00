// Checks and choices made once before the loop: the repo, the workload command, the interpreter, the run dir.
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError } from '../core/errors.js';
import type { ProgressSink } from '../core/run.js';
import { resolvePython } from '../sandbox/python.js';
import { cleanupStale, dirtyMessage, inspectRepo } from '../sandbox/index.js';
import { warmup } from '../source/index.js';
import { RunDir } from './rundir.js';

export interface LoopOptions {
  repo: string;
  profile?: string | undefined;
  command?: string[] | undefined;
  python?: string | undefined;
  rounds?: number | undefined;
  apply?: boolean | undefined;
  /** A/B pairs before the first look of the sequential measurement */
  runs?: number | undefined;
  minGain?: number | undefined;
  /** wall-clock budget of each trial's measured pairs (ms); doubled per earlier inconclusive trial of the same patch */
  trialBudgetMs?: number | undefined;
  /** optimizer steps per measured run (SYSIGHT_MAX_STEPS); default: the workload's own length */
  steps?: number | undefined;
  env?: Record<string, string> | undefined;
  /** only these findings (ids as in findings.json); default: all */
  findingIds?: readonly string[] | undefined;
  /** continue this run instead of creating one */
  runDir?: RunDir | undefined;
  signal?: AbortSignal | undefined;
  onProgress?: ProgressSink | undefined;
}

export interface PreparedLoop {
  repo: string;
  command: string[];
  python: string;
  dir: RunDir;
  signal?: AbortSignal;
}

export async function prepareLoop(o: LoopOptions): Promise<PreparedLoop> {
  const repo = resolve(o.repo);
  let st;
  try { st = statSync(repo); } catch { throw new UserError(`no such directory: ${o.repo}`); }
  if (!st.isDirectory()) throw new UserError(`${o.repo} is not a directory`);
  const info = await inspectRepo(repo, { ...(o.signal ? { signal: o.signal } : {}) });
  if (info.changed.length) throw new UserError(dirtyMessage(repo, info.changed));
  // Trial worktrees (and their workloads) that a crashed or killed earlier run left behind.
  const stale = await cleanupStale(repo);
  if (stale.length) o.onProgress?.({ stage: 'warmup', message: `removed ${stale.length} trial worktree(s) left by an earlier run that did not finish` });
  if (o.profile) {
    try { statSync(o.profile); } catch { throw new UserError(`no such file: ${o.profile}`); }
  }
  o.onProgress?.({ stage: 'warmup', message: `scanning ${repo}` });
  let command = o.command;
  if (!command?.length) {
    const setup = await warmup(repo, { ...(o.signal ? { signal: o.signal } : {}) });
    if (!setup.entryCommand?.length) {
      throw new UserError(`could not find how to run the workload in ${repo}: pass --command "python train.py …"`);
    }
    command = setup.entryCommand;
  }
  const py = await resolvePython({ ...(o.python ? { configured: o.python } : {}) });
  const dir = o.runDir ?? RunDir.create(repo, { repo, status: 'running', command, python: py.path, rounds: [] });
  if (o.runDir) dir.updateRecord((r) => { r.status = 'running'; r.command = command!; r.python = py.path; });
  return { repo, command, python: py.path, dir, ...(o.signal ? { signal: o.signal } : {}) };
}
