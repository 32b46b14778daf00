// The engine as the extension sees it: the one seam between the editor and src/. Everything here runs
// off the extension host's main thread (a worker thread for profiles, the `sysight` CLI as a child
// process for analysis and the closed loop) and takes an AbortSignal. No `vscode` import: the
// container hands in the paths and settings.
import { spawn } from 'node:child_process';
import { Worker } from 'node:worker_threads';
import { join } from 'node:path';
import { CancelledError, UserError } from '../core/errors.js';
import type { ProgressEvent } from '../core/run.js';
import type { ProfileOverview } from '../core/overview.js';
import type { SessionReply, SessionRequest } from '../worker/profile-session.js';
import type { RanksComputeReply, RanksComputeRequest } from '../protocol/ranks-worker.js';
import type { RanksView } from '../protocol/ranks.js';
import { agentLoopArgs, analyzeArgs, loopEnv, optimizeArgs, parseProgressLine, type LlmEnvSettings } from '../protocol/cli.js';

export interface WorkOptions {
  signal: AbortSignal;
  onProgress: (e: ProgressEvent) => void;
}

/** LLM settings; the key comes from SecretStorage and reaches the child process in its environment only. */
export type LlmSettings = LlmEnvSettings;

/** Options every profile open takes: the environment (profile cache, nsys) the worker or CLI child runs with. */
export interface ProfileOpenOptions {
  signal: AbortSignal;
  onProgress: (fraction: number, message: string) => void;
  /** SYSIGHT_CACHE, SYSIGHT_CACHE_MAX_GB, SYSIGHT_NSYS from the settings (config.ts profileEnv) */
  env?: Record<string, string> | undefined;
}

export interface LoopSettings {
  /** SYSIGHT_CACHE, SYSIGHT_CACHE_MAX_GB, SYSIGHT_NSYS from the settings (config.ts profileEnv) */
  profileEnv?: Record<string, string> | undefined;
  python: string;
  rounds: number;
  runs: number;
  /** wall-clock budget of each trial's measured pairs */
  trialBudgetSeconds: number;
  minGain: number;
  llm: LlmSettings;
}

/** An opened profile, held off the main thread until disposed. */
export interface ProfileSession {
  readonly overview: ProfileOverview;
  /** processes with kernels: several in an export holding several ranks */
  readonly gpuProcesses: number;
  /** the trace of the profile's CUDA-graph captures found beside it (its nodes' capture-time lines come from it) */
  readonly captureTrace?: string;
  /** re-bin the timeline over a range (zoom) */
  zoom(range: [number, number], bins: number): Promise<ProfileOverview>;
  /**
   * A named profile query (queries/registry.ts) on the model the worker holds. Aborting rejects at once with
   * CancelledError and drops the request in the worker unless it has already started.
   */
  query<R = unknown>(name: string, args: Record<string, unknown>, signal?: AbortSignal): Promise<R>;
  dispose(): void;
}

export interface Engine {
  openProfile(path: string, opts: ProfileOpenOptions): Promise<ProfileSession>;
  /** `sysight analyze <profile> --repo <repo>`: writes a run with findings.json under <repo>/.sysight/runs */
  analyze(req: { repo: string; profile: string; settings: LoopSettings }, opts: WorkOptions): Promise<void>;
  /** `sysight agent-loop --repo <repo> [--profile P]`: the closed loop, rounds written to run.json as they end */
  closedLoop(req: { repo: string; profile?: string | undefined; settings: LoopSettings }, opts: WorkOptions): Promise<void>;
  /** `sysight optimize <run-id> --repo <repo>`: patches and measures the run's findings */
  optimize(req: { repo: string; runId: string; findingIds?: string[] | undefined; settings: LoopSettings }, opts: WorkOptions): Promise<void>;
  /** summarize every rank of the inputs (folders of profiles or summaries, or one multi-process export) and reduce */
  computeRanks(inputs: string[], opts: ProfileOpenOptions): Promise<RanksView>;
}

/**
 * The real engine: `dist/profile-session.js` (a worker thread running openProfile + buildOverview) for
 * profiles, and the `sysight` CLI (`bin/sysight.js`, a child process) for the rest:
 *   sysight analyze <profile> --repo <repo>
 *   sysight agent-loop --repo <repo> [--profile <p>] --python <py> --rounds <n> --runs <n> --min-gain <x>
 *   sysight optimize <run-id> --repo <repo> --python <py> --runs <n> [--findings <id,…>]
 *   (command lines, environment and progress lines: src/protocol/cli.ts, the contract the CLI parses)
 * Its stderr lines `[stage] message` (or ProgressEvent JSON lines) drive the progress bar; stdout goes to
 * the log. The environment carries SYSIGHT_PYTHON and SYSIGHT_LLM_PROVIDER/_MODEL/_BASE_URL/_API_KEY (the key
 * never on a command line or in a log). Results are read back from <repo>/.sysight/runs/<id>/ (run.json,
 * findings.json, patches/<id>.diff + patches/<id>.json = PatchPlan, optionally overview.json) when the
 * command ends. Exit 0 = done, 130 = cancelled (SIGTERM on Cancel), else the last stderr line is the error.
 */
export function createEngine(extensionPath: string, log: (line: string) => void): Engine {
  const cli = (args: string[], s: LoopSettings, opts: WorkOptions) => runCli(extensionPath, args, { ...s.profileEnv, ...loopEnv(s.python, s.llm) }, opts, log);
  return {
    openProfile: (path, opts) => openSession(join(extensionPath, 'dist', 'profile-session.js'), path, opts),
    analyze: (r, o) => cli(analyzeArgs(r), r.settings, o),
    closedLoop: (r, o) => cli(agentLoopArgs({ ...r.settings, repo: r.repo, profile: r.profile }), r.settings, o),
    optimize: (r, o) => cli(optimizeArgs({ ...r.settings, repo: r.repo, runId: r.runId, findingIds: r.findingIds }), r.settings, o),
    computeRanks: (inputs, opts) => computeRanksInWorker(join(extensionPath, 'dist', 'ranks-compute.js'), inputs, opts),
  };
}

/** The ranks computation in a worker thread (dist/ranks-compute.js); abort terminates it. */
export function computeRanksInWorker(
  workerFile: string, inputs: string[], opts: ProfileOpenOptions,
): Promise<RanksView> {
  return new Promise<RanksView>((resolve, reject) => {
    if (opts.signal.aborted) return reject(new CancelledError());
    const worker = new Worker(workerFile, { env: { ...process.env, ...opts.env } });
    let settled = false;
    const finish = (f: () => void) => {
      if (settled) return;
      settled = true;
      opts.signal.removeEventListener('abort', onAbort);
      void worker.terminate();
      f();
    };
    const onAbort = () => finish(() => reject(new CancelledError()));
    opts.signal.addEventListener('abort', onAbort, { once: true });
    worker.on('error', (e) => finish(() => reject(e)));
    worker.on('exit', (code) => finish(() => reject(new Error(`the ranks worker exited (code ${code}) before it answered`))));
    worker.on('message', (r: RanksComputeReply) => {
      if (r.type === 'progress') opts.onProgress(r.fraction, r.message);
      else if (r.type === 'result') finish(() => resolve(r.view));
      else finish(() => reject(r.cancelled ? new CancelledError() : r.user ? new UserError(r.message) : new Error(r.message)));
    });
    worker.postMessage({ type: 'ranks-compute', inputs } satisfies RanksComputeRequest);
  });
}

function openSession(workerFile: string, path: string, opts: ProfileOpenOptions): Promise<ProfileSession> {
  const worker = new Worker(workerFile, { env: { ...process.env, ...opts.env } });
  let nextId = 1;
  const pending = new Map<number, { resolve: (o: never) => void; reject: (e: Error) => void }>();
  const toError = (r: Extract<SessionReply, { type: 'error' }>) =>
    r.cancelled ? new CancelledError() : r.user ? new UserError(r.message) : new Error(r.message);
  return new Promise<ProfileSession>((resolve, reject) => {
    let opened = false;
    const onAbort = () => {
      worker.postMessage({ type: 'cancel' } satisfies SessionRequest);
      if (!opened) { void worker.terminate(); reject(new CancelledError()); }
    };
    if (opts.signal.aborted) return onAbort();
    opts.signal.addEventListener('abort', onAbort, { once: true });
    worker.on('error', (e) => { if (!opened) reject(e); for (const p of pending.values()) p.reject(e); pending.clear(); });
    worker.on('exit', (code) => {
      if (!opened) reject(new Error(`the profile worker exited (code ${code}) before the profile was read`));
      for (const p of pending.values()) p.reject(new Error('the profile was closed'));
      pending.clear();
    });
    worker.on('message', (r: SessionReply) => {
      if (r.type === 'progress') opts.onProgress(r.fraction, r.message);
      else if (r.type === 'opened') {
        opened = true;
        opts.signal.removeEventListener('abort', onAbort);
        resolve({
          overview: r.overview,
          gpuProcesses: r.gpuProcesses,
          ...(r.captureTrace ? { captureTrace: r.captureTrace } : {}),
          zoom: (range, bins) => new Promise((res, rej) => {
            const id = nextId++;
            pending.set(id, { resolve: res, reject: rej });
            worker.postMessage({ type: 'overview', id, bins, range } satisfies SessionRequest);
          }),
          query: <R>(name: string, args: Record<string, unknown>, signal?: AbortSignal) => new Promise<R>((res, rej) => {
            if (signal?.aborted) return rej(new CancelledError());
            const id = nextId++;
            const onAbort = () => {
              pending.delete(id);
              worker.postMessage({ type: 'cancel-query', id } satisfies SessionRequest);
              rej(new CancelledError());
            };
            signal?.addEventListener('abort', onAbort, { once: true });
            const done = () => signal?.removeEventListener('abort', onAbort);
            pending.set(id, { resolve: (v: R) => { done(); res(v); }, reject: (e) => { done(); rej(e); } });
            worker.postMessage({ type: 'query', id, name, args } satisfies SessionRequest);
          }),
          dispose: () => void worker.terminate(),
        });
      } else if (r.type === 'overview') {
        pending.get(r.id)?.resolve(r.overview as never);
        pending.delete(r.id);
      } else if (r.type === 'result') {
        pending.get(r.id)?.resolve(r.result as never);
        pending.delete(r.id);
      } else if (r.type === 'error') {
        if (r.id !== undefined) { pending.get(r.id)?.reject(toError(r)); pending.delete(r.id); }
        else if (!opened) { void worker.terminate(); reject(toError(r)); }
      }
    });
    worker.postMessage({ type: 'open', path } satisfies SessionRequest);
  });
}

function runCli(extensionPath: string, args: string[], env: Record<string, string>, opts: WorkOptions, log: (l: string) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    if (opts.signal.aborted) return reject(new CancelledError());
    const bin = join(extensionPath, 'bin', 'sysight.js');
    log(`run: sysight ${args.join(' ')}`);
    // In VS Code desktop process.execPath is Electron: ELECTRON_RUN_AS_NODE makes it plain Node.
    const child = spawn(process.execPath, [bin, ...args], {
      env: { ...process.env, ...env, ELECTRON_RUN_AS_NODE: '1' },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let lastErr = '';
    let buf = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
      buf += chunk;
      const lines = buf.split('\n');
      buf = lines.pop() ?? '';
      for (const l of lines) {
        log(`sysight: ${l}`);
        const e = parseProgressLine(l);
        if (e) { opts.onProgress(e); lastErr = e.message; }
      }
    });
    child.stdout.setEncoding('utf8').on('data', (c: string) => log(c.trimEnd()));
    const onAbort = () => child.kill('SIGTERM');
    opts.signal.addEventListener('abort', onAbort, { once: true });
    child.on('error', (e) => reject(new UserError(`cannot start the sysight engine: ${e.message}`)));
    child.on('close', (code, sig) => {
      opts.signal.removeEventListener('abort', onAbort);
      if (opts.signal.aborted || code === 130) reject(new CancelledError());
      else if (code === 0) resolve();
      else reject(new UserError(lastErr || `sysight ${args[0]} failed (exit ${code ?? sig})`));
    });
  });
}
