// The local pool: the map tasks run as child processes on this machine, at most `workers` at a time (so at most
// `workers` raw profiles are open at once), each with a bounded V8 heap. A task that fails is reported with its
// exit code and the last line of its log; the others go on. Cancel (or the parent exiting) kills every child's
// process group.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, mkdirSync, openSync, rmSync } from 'node:fs';
import { cpus } from 'node:os';
import { dirname } from 'node:path';
import { CancelledError } from '../core/errors.js';
import {
  type JobProgress, type MapJob, type Scheduler, type SubmittedJob, type TaskStatus, type WaitOptions, isDone, progressOf,
} from './scheduler.js';
import { USAGE_ENV, lastLogLine, nodeOptions, procPeakRss, readUsage, usagePath, writeUsagePreload } from './taskfiles.js';

export interface LocalPoolOptions {
  /** tasks running at once; default: the number of cores */
  workers?: number;
  /** after SIGTERM, how long a child may take before SIGKILL (ms) */
  killGraceMs?: number;
  /** how often a running child's /proc VmHWM is sampled (ms) */
  sampleMs?: number;
}

export function defaultWorkers(): number {
  return Math.max(1, cpus().length);
}

export class LocalPool implements Scheduler {
  readonly kind = 'local' as const;
  readonly workers: number;
  constructor(private readonly opts: LocalPoolOptions = {}) {
    this.workers = Math.max(1, Math.floor(opts.workers ?? defaultWorkers()));
  }

  async submit(job: MapJob): Promise<SubmittedJob> {
    const run = new LocalJob(job, this.workers, this.opts);
    run.start();
    return run;
  }
}

let nextId = 1;

class LocalJob implements SubmittedJob {
  readonly id = `local-${process.pid}-${nextId++}`;
  private readonly tasks: TaskStatus[];
  private readonly children = new Map<number, ChildProcess>();
  private readonly peaks = new Map<number, number>();
  private readonly listeners = new Set<(p: JobProgress, t: readonly TaskStatus[]) => void>();
  private readonly preload: string;
  private next = 0;
  private cancelled = false;
  private sampler: NodeJS.Timeout | undefined;
  private resolveAll!: () => void;
  private readonly allDone = new Promise<void>((r) => (this.resolveAll = r));
  private readonly onParentExit = () => this.killAll('SIGKILL');

  constructor(private readonly job: MapJob, private readonly workers: number, private readonly opts: LocalPoolOptions) {
    this.tasks = job.tasks.map((t) => ({ index: t.index, label: t.label, state: 'pending', exitCode: null, logPath: t.logPath }));
    this.preload = writeUsagePreload(job.workDir);
  }

  start(): void {
    process.on('exit', this.onParentExit);
    this.sampler = setInterval(() => this.sample(), this.opts.sampleMs ?? 200);
    this.sampler.unref();
    this.fill();
  }

  async status(): Promise<TaskStatus[]> {
    return this.tasks.map((t) => ({ ...t }));
  }

  async wait(opts: WaitOptions = {}): Promise<TaskStatus[]> {
    const { signal, onProgress } = opts;
    if (onProgress) {
      this.listeners.add(onProgress);
      onProgress(progressOf(this.tasks), this.tasks);
    }
    const onAbort = () => void this.cancel();
    signal?.addEventListener('abort', onAbort, { once: true });
    if (signal?.aborted) onAbort();
    try {
      await this.allDone;
    } finally {
      signal?.removeEventListener('abort', onAbort);
      if (onProgress) this.listeners.delete(onProgress);
    }
    if (signal?.aborted) throw new CancelledError();
    return this.status();
  }

  async cancel(): Promise<void> {
    if (this.cancelled) return this.allDone;
    this.cancelled = true;
    for (const t of this.tasks) if (t.state === 'pending') t.state = 'cancelled';
    this.killAll('SIGTERM');
    const grace = setTimeout(() => this.killAll('SIGKILL'), this.opts.killGraceMs ?? 3000);
    grace.unref();
    this.emit();
    this.checkDone();
    await this.allDone;
    clearTimeout(grace);
  }

  private fill(): void {
    while (!this.cancelled && this.children.size < this.workers && this.next < this.job.tasks.length) {
      this.launch(this.next++);
    }
    this.checkDone();
  }

  private launch(i: number): void {
    const task = this.job.tasks[i]!;
    const st = this.tasks[i]!;
    const usage = usagePath(this.job.workDir, task.index);
    let log: number;
    try {
      mkdirSync(dirname(usage), { recursive: true });
      rmSync(usage, { force: true });
      mkdirSync(dirname(task.logPath), { recursive: true });
      log = openSync(task.logPath, 'w');
    } catch (e) {
      // this task cannot even start (log folder not writable): it fails, the others go on
      Object.assign(st, { state: 'failed', message: `cannot write ${task.logPath}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}` });
      this.emit();
      return;
    }
    const started = Date.now();
    let child: ChildProcess;
    try {
      child = spawn(task.argv[0]!, task.argv.slice(1), {
        stdio: ['ignore', log, log],
        detached: true, // its own process group: cancel kills whatever it started too
        env: {
          ...process.env,
          ...this.job.env,
          NODE_OPTIONS: nodeOptions(this.preload, this.job.maxOldSpaceMb),
          [USAGE_ENV]: usage,
        },
      });
    } finally {
      closeSync(log);
    }
    st.state = 'running';
    this.children.set(i, child);
    this.emit();
    let ended = false;
    const end = (code: number | null, signal: NodeJS.Signals | null, error?: Error) => {
      if (ended) return;
      ended = true;
      this.children.delete(i);
      st.wallMs = Date.now() - started;
      st.exitCode = code;
      st.signal = signal;
      const reported = readUsage(usage);
      const peak = Math.max(reported ? reported.maxRssKiB * 1024 : 0, this.peaks.get(i) ?? 0);
      if (peak > 0) st.peakRssBytes = peak;
      if (reported) st.cpuMs = Math.round((reported.userUs + reported.systemUs) / 1000);
      if (code === 0 && !error) st.state = 'succeeded';
      else if (this.cancelled) st.state = 'cancelled';
      else {
        st.state = 'failed';
        st.message = error
          ? `cannot start ${task.argv[0]}: ${(error as NodeJS.ErrnoException).code ?? error.message}`
          : (lastLogLine(task.logPath) ?? (signal ? `killed by ${signal}` : `exit code ${code}`));
      }
      this.emit();
      this.fill();
    };
    child.once('error', (e) => end(null, null, e));
    child.once('exit', (code, signal) => end(code, signal));
  }

  private sample(): void {
    for (const [i, c] of this.children) {
      if (c.pid === undefined) continue;
      const rss = procPeakRss(c.pid);
      if (rss !== undefined && rss > (this.peaks.get(i) ?? 0)) this.peaks.set(i, rss);
    }
  }

  private killAll(sig: NodeJS.Signals): void {
    for (const c of this.children.values()) {
      if (c.pid === undefined) continue;
      try {
        process.kill(-c.pid, sig);
      } catch {
        try {
          c.kill(sig);
        } catch {
          /* already gone */
        }
      }
    }
  }

  private emit(): void {
    const p = progressOf(this.tasks);
    for (const l of this.listeners) l(p, this.tasks);
  }

  private checkDone(): void {
    if (this.children.size === 0 && this.tasks.every(isDone)) {
      if (this.sampler) clearInterval(this.sampler);
      process.off('exit', this.onParentExit);
      this.resolveAll();
    }
  }
}
