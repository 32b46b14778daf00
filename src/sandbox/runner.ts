// Runs a workload command in its own process group with a timeout, an AbortSignal and capped output.
// Whatever happens (exit, timeout, abort), the whole group is terminated afterwards: no grandchild
// outlives the call.
import { spawn } from 'node:child_process';
import { CancelledError } from '../core/index.js';
import { killGroup, registerGroup, unregisterGroup } from './registry.js';

export interface RunOptions {
  cwd: string;
  /** added to (and overriding) process.env; a value of undefined removes the variable */
  env?: Record<string, string | undefined>;
  /** wall-clock limit; default none */
  timeoutMs?: number;
  signal?: AbortSignal;
  /** bytes of each stream kept (the tail); default 1 MiB */
  outputCapBytes?: number;
  /** time between SIGTERM and SIGKILL of the group; default 2000 ms */
  killGraceMs?: number;
}

export interface RunResult {
  /** exit code, null when killed by a signal or never started */
  code: number | null;
  signal: NodeJS.Signals | null;
  stdoutTail: string;
  stderrTail: string;
  /** true when output was dropped from the front to respect the cap */
  truncated: boolean;
  wallMs: number;
  timedOut: boolean;
  /** set when the command could not be started (e.g. not found) */
  spawnError?: string;
}

/** Keeps the last `cap` bytes written to it. */
class TailBuffer {
  private chunks: Buffer[] = [];
  private size = 0;
  dropped = false;
  constructor(private readonly cap: number) {}
  push(b: Buffer): void {
    this.chunks.push(b);
    this.size += b.length;
    while (this.size > this.cap && this.chunks.length > 0) {
      const first = this.chunks[0]!;
      const excess = this.size - this.cap;
      this.dropped = true;
      if (first.length <= excess) {
        this.chunks.shift();
        this.size -= first.length;
      } else {
        this.chunks[0] = first.subarray(excess);
        this.size -= excess;
      }
    }
  }
  text(): string {
    return Buffer.concat(this.chunks).toString('utf8');
  }
}

export function runCommand(argv: readonly string[], opts: RunOptions): Promise<RunResult> {
  if (argv.length === 0) throw new Error('runCommand: empty command');
  if (opts.signal?.aborted) return Promise.reject(new CancelledError());
  const cap = opts.outputCapBytes ?? 1 << 20;
  const grace = opts.killGraceMs ?? 2000;
  const env: NodeJS.ProcessEnv = { ...process.env };
  for (const [k, v] of Object.entries(opts.env ?? {})) {
    if (v === undefined) delete env[k];
    else env[k] = v;
  }
  const out = new TailBuffer(cap);
  const err = new TailBuffer(cap);
  const started = performance.now();

  return new Promise<RunResult>((resolve, reject) => {
    const child = spawn(argv[0]!, argv.slice(1), {
      cwd: opts.cwd,
      env,
      detached: true, // own process group: pgid === child.pid
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const pgid = child.pid;
    if (pgid !== undefined) registerGroup(pgid);
    let timedOut = false;
    let aborted = false;
    let exited: { code: number | null; signal: NodeJS.Signals | null } | null = null;
    let spawnError: string | undefined;
    let killTimer: NodeJS.Timeout | undefined;
    let finished = false;

    const terminate = (): void => {
      if (pgid === undefined) return;
      killGroup(pgid, 'SIGTERM');
      if (!killTimer) killTimer = setTimeout(() => killGroup(pgid, 'SIGKILL'), grace);
    };
    const timer = opts.timeoutMs !== undefined
      ? setTimeout(() => { timedOut = true; terminate(); }, opts.timeoutMs)
      : undefined;
    const onAbort = (): void => { aborted = true; terminate(); };
    opts.signal?.addEventListener('abort', onAbort, { once: true });

    child.stdout!.on('data', (b: Buffer) => out.push(b));
    child.stderr!.on('data', (b: Buffer) => err.push(b));

    const finish = (): void => {
      if (finished) return;
      finished = true;
      if (timer) clearTimeout(timer);
      if (killTimer) clearTimeout(killTimer);
      opts.signal?.removeEventListener('abort', onAbort);
      if (pgid !== undefined) {
        killGroup(pgid, 'SIGKILL'); // stragglers of a finished command
        unregisterGroup(pgid);
      }
      if (aborted) {
        reject(new CancelledError());
        return;
      }
      resolve({
        code: exited?.code ?? null,
        signal: exited?.signal ?? null,
        stdoutTail: out.text(),
        stderrTail: err.text(),
        truncated: out.dropped || err.dropped,
        wallMs: performance.now() - started,
        timedOut,
        ...(spawnError !== undefined ? { spawnError } : {}),
      });
    };

    child.on('error', (e: NodeJS.ErrnoException) => {
      spawnError = e.code === 'ENOENT' ? `command not found: ${argv[0]}` : e.message;
      exited = { code: null, signal: null };
      finish();
    });
    child.on('exit', (code, signal) => {
      exited = { code, signal };
      // The leader is gone; give the rest of its group the same treatment as on timeout so that pipes
      // held open by a grandchild close, then collect what is left of the output.
      if (pgid !== undefined) {
        killGroup(pgid, 'SIGTERM');
        if (!killTimer) killTimer = setTimeout(() => killGroup(pgid, 'SIGKILL'), grace);
      }
    });
    child.on('close', () => finish());
  });
}

/** One line describing how a run failed ("exit 1: <last stderr line>"), for reasons. */
export function describeFailure(r: RunResult): string {
  if (r.spawnError) return r.spawnError;
  const last = lastLine(r.stderrTail) || lastLine(r.stdoutTail);
  const how = r.timedOut
    ? `timed out after ${Math.round(r.wallMs / 1000)} s`
    : r.code !== null ? `exit ${r.code}` : `killed by ${r.signal ?? 'a signal'}`;
  return last ? `${how}: ${last}` : how;
}

function lastLine(s: string): string {
  const lines = s.split('\n').map((l) => l.trim()).filter((l) => l.length > 0);
  const l = lines[lines.length - 1] ?? '';
  return l.length > 300 ? `${l.slice(0, 300)}…` : l;
}

export function succeeded(r: RunResult): boolean {
  return r.code === 0 && !r.timedOut && !r.spawnError;
}
