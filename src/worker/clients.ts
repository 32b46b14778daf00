// The extension's clients of the two worker threads: the profile session (dist/profile-session.js: one opened
// profile answering overview and query requests) and the ranks computation (dist/ranks-compute.js). Plain Node
// (no `vscode`); the engine (src/extension/engine.ts) hands them the bundle paths. Messages: src/protocol/.
import { Worker } from 'node:worker_threads';
import { CancelledError } from '../core/errors.js';
import { type ProfileOverview, unpackIterations } from '../core/overview.js';
import { fromWorkerError } from './errors.js';
import type { SessionReply, SessionRequest } from '../protocol/profile-session.js';
import type { RanksComputeReply, RanksComputeRequest } from '../protocol/ranks-worker.js';
import type { RanksView } from '../protocol/ranks.js';

/** Options every profile open takes: the environment (profile cache, nsys) the worker or CLI child runs with. */
export interface ProfileOpenOptions {
  signal: AbortSignal;
  onProgress: (fraction: number, message: string) => void;
  /** SYSIGHT_CACHE, SYSIGHT_CACHE_MAX_GB, SYSIGHT_NSYS from the settings (config.ts profileEnv) */
  env?: Record<string, string> | undefined;
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
      else finish(() => reject(fromWorkerError(r)));
    });
    worker.postMessage({ type: 'ranks-compute', inputs } satisfies RanksComputeRequest);
  });
}

export function openSession(workerFile: string, path: string, opts: ProfileOpenOptions): Promise<ProfileSession> {
  const worker = new Worker(workerFile, { env: { ...process.env, ...opts.env } });
  let nextId = 1;
  const pending = new Map<number, { resolve: (o: never) => void; reject: (e: Error) => void }>();
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
          overview: { ...r.overview, iterations: unpackIterations(r.steps) },
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
        if (r.id !== undefined) { pending.get(r.id)?.reject(fromWorkerError(r)); pending.delete(r.id); }
        else if (!opened) { void worker.terminate(); reject(fromWorkerError(r)); }
      }
    });
    worker.postMessage({ type: 'open', path } satisfies SessionRequest);
  });
}
