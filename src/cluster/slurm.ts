// Slurm: the map job becomes one job array. The batch script reads its task's line from a list file (log path
// and argv, shell-quoted), runs it with its output in the task's log, and leaves the exit code in a file. The
// job is submitted with `sbatch --parsable` and followed with `squeue` until it leaves the queue; exit codes
// come from those files, or from `scontrol show job` for a task that never wrote one (killed, cancelled,
// out of memory). `sacct` is not used: clusters without accounting storage have none.
import { execFile } from 'node:child_process';
import { chmodSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledError, UserError } from '../core/errors.js';
import {
  type MapJob, type Scheduler, type SubmittedJob, type TaskState, type TaskStatus, type WaitOptions, progressOf,
} from './scheduler.js';
import { optional } from '../core/optional.js';
import { USAGE_ENV, lastLogLine, nodeOptions, readUsage, usagePath, writeUsagePreload } from './taskfiles.js';

export interface SlurmOptions {
  partition?: string | undefined;
  /** most array tasks running at once (`--array=0-(N-1)%max`) */
  maxParallel?: number | undefined;
  /** passed to sbatch as they are (e.g. `--time=00:30:00`, `--mem=4G`, `--account=x`) */
  sbatchArgs?: string[] | undefined;
  /** folder holding sbatch/squeue/scontrol/scancel; default: PATH */
  binDir?: string | undefined;
  /** squeue poll interval, ms (default 2000) */
  pollMs?: number | undefined;
  /** environment for the Slurm commands (e.g. SLURM_CONF); default: this process's */
  env?: NodeJS.ProcessEnv | undefined;
}

/** A word for bash, single-quoted. */
export function shellQuote(s: string): string {
  return /^[A-Za-z0-9_@%+=:,./-]+$/.test(s) ? s : `'${s.replace(/'/g, `'\\''`)}'`;
}

export function taskListText(job: MapJob): string {
  const sorted = [...job.tasks].sort((a, b) => a.index - b.index);
  sorted.forEach((t, i) => {
    if (t.index !== i) throw new Error(`map job tasks must be numbered 0..N-1 (task ${t.index} at position ${i})`);
  });
  return sorted.map((t) => [t.logPath, ...t.argv].map(shellQuote).join(' ')).join('\n') + '\n';
}

export function exitPath(workDir: string, index: number): string {
  return join(workDir, 'exit', `task-${index}`);
}

/** The batch script of a map job (the array range, log folder and partition are in its #SBATCH lines). */
export function batchScript(job: MapJob, opts: Pick<SlurmOptions, 'partition' | 'maxParallel'>, listFile: string, preload: string): string {
  const n = job.tasks.length;
  const throttle = opts.maxParallel ? `%${Math.max(1, Math.floor(opts.maxParallel))}` : '';
  const q = shellQuote;
  const env = Object.entries(job.env ?? {}).map(([k, v]) => `export ${k}=${q(v)}`);
  return [
    '#!/bin/bash',
    `#SBATCH --job-name=${q(job.name)}`,
    `#SBATCH --array=0-${n - 1}${throttle}`,
    `#SBATCH --output=${q(join(job.workDir, 'slurm', 'task-%a.out'))}`,
    ...(opts.partition ? [`#SBATCH --partition=${q(opts.partition)}`] : []),
    '#SBATCH --ntasks=1',
    '#SBATCH --cpus-per-task=1',
    '# written by sysight: one map task per array index; the task list holds its log path and argv',
    'set -u',
    'i=$SLURM_ARRAY_TASK_ID',
    `line=$(sed -n "$((i + 1))p" ${q(listFile)})`,
    'eval "set -- $line"',
    'log=$1; shift',
    'mkdir -p "$(dirname "$log")"',
    ...env,
    `export ${USAGE_ENV}=${q(join(job.workDir, 'usage'))}/task-$i.json`,
    `export NODE_OPTIONS=${q(nodeOptions(preload, job.maxOldSpaceMb, ''))}`,
    '"$@" >"$log" 2>&1',
    'rc=$?',
    `mkdir -p ${q(join(job.workDir, 'exit'))}`,
    `echo "$rc" >${q(join(job.workDir, 'exit'))}/task-$i.tmp && mv ${q(join(job.workDir, 'exit'))}/task-$i.tmp ${q(join(job.workDir, 'exit'))}/task-$i`,
    'exit $rc',
    '',
  ].join('\n');
}

export interface ScontrolTask {
  index: number;
  state: string;
  exitCode: number | null;
  signal: number;
  reason?: string;
}

/** Parses `scontrol show job <array id>` (one record per array task, blank-line separated). */
export function parseScontrol(text: string): ScontrolTask[] {
  const out: ScontrolTask[] = [];
  for (const rec of text.split(/\n(?=\s*JobId=)/)) {
    const field = (k: string) => new RegExp(`(?:^|\\s)${k}=(\\S+)`).exec(rec)?.[1];
    const idx = field('ArrayTaskId');
    const state = field('JobState');
    if (idx === undefined || state === undefined || !/^\d+$/.test(idx)) continue;
    const ec = /^(\d+):(\d+)$/.exec(field('ExitCode') ?? '');
    out.push({ index: Number(idx), state, exitCode: ec ? Number(ec[1]) : null, signal: ec ? Number(ec[2]) : 0, ...optional('reason', field('Reason')) });
  }
  return out;
}

/** Parses `squeue -h -o '%i|%T'` lines of one array job: which task indices run, which wait. */
export function parseSqueue(text: string): { running: Set<number>; pending: number } {
  const running = new Set<number>();
  let pending = 0;
  for (const line of text.split('\n')) {
    const m = /^\d+_(\d+|\[([^\]]*)\])\|(\w+)/.exec(line.trim());
    if (!m) continue;
    const state = m[3]!;
    if (m[2] !== undefined) {
      // a compacted range of pending tasks: "3-7,9" (possibly with a %throttle suffix)
      for (const part of m[2].split('%')[0]!.split(',')) {
        const [a, b] = part.split('-').map(Number);
        if (Number.isFinite(a)) pending += b !== undefined && Number.isFinite(b) ? b - a! + 1 : 1;
      }
    } else if (state === 'RUNNING' || state === 'COMPLETING') running.add(Number(m[1]));
    else pending++;
  }
  return { running, pending };
}

function stateOf(slurmState: string): TaskState {
  if (slurmState === 'COMPLETED') return 'succeeded';
  if (slurmState.startsWith('CANCELLED')) return 'cancelled';
  if (slurmState === 'PENDING' || slurmState === 'REQUEUED' || slurmState === 'SUSPENDED') return 'pending';
  if (slurmState === 'RUNNING' || slurmState === 'COMPLETING' || slurmState === 'CONFIGURING') return 'running';
  return 'failed'; // FAILED, TIMEOUT, OUT_OF_MEMORY, NODE_FAIL, BOOT_FAIL, DEADLINE, PREEMPTED
}

interface CmdResult {
  code: number;
  stdout: string;
  stderr: string;
}

export class SlurmScheduler implements Scheduler {
  readonly kind = 'slurm' as const;
  constructor(private readonly opts: SlurmOptions = {}) {}

  /** Runs a Slurm client command; a missing command is a UserError naming it. */
  async cmd(name: string, args: string[]): Promise<CmdResult> {
    const bin = this.opts.binDir ? join(this.opts.binDir, name) : name;
    return new Promise((resolve, reject) => {
      execFile(bin, args, { env: this.opts.env ?? process.env, maxBuffer: 64 * 1024 * 1024 }, (err, stdout, stderr) => {
        const code = (err as NodeJS.ErrnoException | null)?.code;
        if (code === 'ENOENT') {
          reject(new UserError(`${name} not found${this.opts.binDir ? ` in ${this.opts.binDir}` : ' on PATH'}: the Slurm client commands are needed (Debian: apt-get install slurm-wlm)`));
          return;
        }
        resolve({ code: err ? (typeof code === 'number' ? code : ((err as { code?: number }).code ?? 1)) : 0, stdout, stderr });
      });
    });
  }

  async submit(job: MapJob): Promise<SubmittedJob> {
    if (job.tasks.length === 0) throw new UserError('nothing to submit: the map job has no tasks');
    mkdirSync(job.workDir, { recursive: true });
    const preload = writeUsagePreload(job.workDir);
    const listFile = join(job.workDir, 'tasks.list');
    writeFileSync(listFile, taskListText(job));
    const script = join(job.workDir, 'map.sbatch');
    writeFileSync(script, batchScript(job, this.opts, listFile, preload));
    chmodSync(script, 0o755);
    for (const d of ['slurm', 'exit', 'usage']) mkdirSync(join(job.workDir, d), { recursive: true });
    const args = ['--parsable', ...(this.opts.sbatchArgs ?? []), script];
    const r = await this.cmd('sbatch', args);
    const id = r.stdout.trim().split(';')[0] ?? '';
    if (r.code !== 0 || !/^\d+$/.test(id)) {
      const why = (r.stderr.trim() || r.stdout.trim()).split('\n')[0] || `exit code ${r.code}`;
      throw new UserError(`sbatch rejected the job: ${why.replace(/^sbatch: error: /, '')}`);
    }
    return new SlurmJob(this, job, id, this.opts.pollMs ?? 2000);
  }
}

class SlurmJob implements SubmittedJob {
  private cancelled = false;
  constructor(private readonly s: SlurmScheduler, private readonly job: MapJob, readonly id: string, private readonly pollMs: number) {}

  /** null when the job has left the queue */
  private async queue(): Promise<ReturnType<typeof parseSqueue> | null> {
    const r = await this.s.cmd('squeue', ['-h', '-r', '-j', this.id, '-o', '%i|%T']);
    if (r.code !== 0) {
      if (/invalid job id/i.test(r.stderr)) return null;
      throw new Error(`squeue failed: ${r.stderr.trim().split('\n')[0]}`);
    }
    const q = parseSqueue(r.stdout);
    return q.running.size === 0 && q.pending === 0 ? null : q;
  }

  private readExit(index: number): number | undefined {
    try {
      const n = Number(readFileSync(exitPath(this.job.workDir, index), 'utf8').trim());
      return Number.isInteger(n) ? n : undefined;
    } catch {
      return undefined;
    }
  }

  private statusFrom(q: ReturnType<typeof parseSqueue> | null, sc: ScontrolTask[]): TaskStatus[] {
    const byIndex = new Map(sc.map((t) => [t.index, t]));
    return this.job.tasks.map((t): TaskStatus => {
      const st: TaskStatus = { index: t.index, label: t.label, state: 'pending', exitCode: null, logPath: t.logPath };
      const rc = this.readExit(t.index);
      const rec = byIndex.get(t.index);
      const usage = readUsage(usagePath(this.job.workDir, t.index));
      if (usage) {
        st.peakRssBytes = usage.maxRssKiB * 1024;
        st.wallMs = usage.wallMs;
        st.cpuMs = Math.round((usage.userUs + usage.systemUs) / 1000);
      }
      if (rc !== undefined && !rec?.state.startsWith('CANCELLED')) {
        st.exitCode = rc;
        st.state = rc === 0 ? 'succeeded' : 'failed';
      } else if (rec) {
        st.state = stateOf(rec.state);
        st.exitCode = rec.exitCode;
        if (st.state === 'failed') st.message = `${rec.state}${rec.reason && rec.reason !== 'None' ? ` (${rec.reason})` : ''}`;
      } else if (q?.running.has(t.index)) st.state = 'running';
      else if (q) st.state = 'pending';
      else {
        st.state = this.cancelled ? 'cancelled' : 'failed';
        st.message = 'no exit status: the task never ran, or Slurm forgot it (MinJobAge)';
      }
      if (st.state === 'failed' && rc !== undefined) st.message = lastLogLine(t.logPath) ?? `exit code ${rc}`;
      return st;
    });
  }

  private async scontrol(): Promise<ScontrolTask[]> {
    const r = await this.s.cmd('scontrol', ['show', 'job', this.id]);
    return r.code === 0 ? parseScontrol(r.stdout) : [];
  }

  async status(): Promise<TaskStatus[]> {
    const q = await this.queue();
    return this.statusFrom(q, q ? [] : await this.scontrol());
  }

  async wait(opts: WaitOptions = {}): Promise<TaskStatus[]> {
    const { signal, onProgress } = opts;
    let last = '';
    let errors = 0;
    for (;;) {
      if (signal?.aborted) {
        await this.cancel();
        throw new CancelledError();
      }
      let q: ReturnType<typeof parseSqueue> | null;
      try {
        q = await this.queue();
        errors = 0;
      } catch (e) {
        // a busy or restarting slurmctld: try again a few times before giving up
        if (++errors >= 5) throw new UserError(`cannot follow Slurm job ${this.id}: ${(e as Error).message}`);
        await sleep(this.pollMs, signal);
        continue;
      }
      if (!q) {
        const final = this.statusFrom(null, await this.scontrol());
        onProgress?.(progressOf(final), final);
        return final;
      }
      const now = this.statusFrom(q, []);
      const p = progressOf(now);
      const key = JSON.stringify(p);
      if (key !== last) {
        last = key;
        onProgress?.(p, now);
      }
      await sleep(this.pollMs, signal);
    }
  }

  async cancel(): Promise<void> {
    this.cancelled = true;
    await this.s.cmd('scancel', [this.id]);
    // until the array has left the queue (bounded: scancel is quick on a healthy controller)
    for (let i = 0; i < 60 && (await this.queue().catch(() => null)); i++) await sleep(500);
  }
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve) => {
    const t = setTimeout(done, ms);
    function done() {
      clearTimeout(t);
      signal?.removeEventListener('abort', done);
      resolve();
    }
    signal?.addEventListener('abort', done, { once: true });
  });
}
