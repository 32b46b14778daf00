// Runs profile parsing and queries in a worker thread (the bundle dist/worker.js), so the extension host's
// main thread never blocks on a 1 GB export. Typed-array columns come back by transfer, not by copy.
// Abort → the worker is terminated and the call rejects with CancelledError; errors thrown in the worker come
// back as the same one-line UserError.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { Worker } from 'node:worker_threads';
import { CancelledError, UserError } from '../core/errors.js';
import type { ProfileMeta, ProfileModel } from '../core/profile.js';
import type { OpenOptions } from './open.js';
import { deserializeError } from './worker-protocol.js';
import type { WorkerRequest, WorkerResponse } from './worker-protocol.js';

export interface WorkerOptions {
  /** the worker bundle; default: worker.js beside this bundle, else dist/worker.js under the current directory */
  workerPath?: string;
}

export function locateWorker(): string {
  const candidates = [
    ...(typeof __dirname === 'string' ? [join(__dirname, 'worker.js')] : []),
    join(process.cwd(), 'dist', 'worker.js'),
  ];
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new UserError(`profile worker not found (looked in ${candidates.join(', ')}): run npm run build`);
  return found;
}

type WithoutId<T> = T extends unknown ? Omit<T, 'id'> : never;

type Pending = {
  resolve: (msg: WorkerResponse) => void;
  reject: (e: Error) => void;
  onProgress?: OpenOptions['onProgress'];
};

/** One worker thread holding (at most) one open profile, answering queries on it. */
export class ProfileWorker {
  private readonly worker: Worker;
  private readonly pending = new Map<number, Pending>();
  private nextId = 1;
  private dead: Error | undefined;

  constructor(opts: WorkerOptions = {}) {
    this.worker = new Worker(opts.workerPath ?? locateWorker());
    this.worker.on('message', (msg: WorkerResponse) => this.onMessage(msg));
    this.worker.on('error', (e: Error) => this.fail(new UserError(`the profile worker failed: ${oneLineOf(e)}`)));
    this.worker.on('exit', (code) => {
      this.fail(this.dead ?? new UserError(`the profile worker stopped unexpectedly (exit code ${code})`));
    });
  }

  private onMessage(msg: WorkerResponse): void {
    const p = this.pending.get(msg.id);
    if (!p) return;
    if (msg.type === 'progress') {
      p.onProgress?.(msg.fraction, msg.message);
      return;
    }
    this.pending.delete(msg.id);
    if (msg.type === 'error') p.reject(deserializeError(msg.error));
    else p.resolve(msg);
  }

  private fail(e: Error): void {
    this.dead ??= e;
    for (const p of this.pending.values()) p.reject(e);
    this.pending.clear();
  }

  private request(req: WithoutId<WorkerRequest>, opts: OpenOptions = {}): Promise<WorkerResponse> {
    if (this.dead) return Promise.reject(this.dead);
    if (opts.signal?.aborted) return Promise.reject(new CancelledError());
    const id = this.nextId++;
    return new Promise<WorkerResponse>((resolve, reject) => {
      const onAbort = () => {
        const e = new CancelledError();
        this.fail(e);
        void this.worker.terminate();
      };
      opts.signal?.addEventListener('abort', onAbort, { once: true });
      const done = () => opts.signal?.removeEventListener('abort', onAbort);
      this.pending.set(id, {
        resolve: (m) => {
          done();
          resolve(m);
        },
        reject: (e) => {
          done();
          reject(e);
        },
        ...(opts.onProgress ? { onProgress: opts.onProgress } : {}),
      });
      this.worker.postMessage({ ...req, id } as WorkerRequest);
    });
  }

  /** Opens a profile in the worker and keeps it there for queries; answers with its metadata. */
  async open(path: string, opts: OpenOptions = {}): Promise<ProfileMeta> {
    const msg = await this.request({ op: 'open', path, keep: true }, opts);
    if (msg.type !== 'opened') throw new Error(`profile worker: unexpected answer ${msg.type}`);
    return msg.meta;
  }

  /** Opens a profile in the worker and moves the whole model to this thread (the worker keeps nothing). */
  async take(path: string, opts: OpenOptions = {}): Promise<ProfileModel> {
    const msg = await this.request({ op: 'open', path, keep: false }, opts);
    if (msg.type !== 'model') throw new Error(`profile worker: unexpected answer ${msg.type}`);
    return msg.model;
  }

  /** Runs a named query (src/profile/queries/registry.ts) on the profile held in the worker. */
  async query<R = unknown>(
    name: string,
    args: Record<string, unknown> = {},
    opts: { signal?: AbortSignal; format?: boolean } = {},
  ): Promise<{ result: R; text?: string }> {
    const msg = await this.request({ op: 'query', name, args, format: opts.format ?? false }, opts.signal ? { signal: opts.signal } : {});
    if (msg.type !== 'result') throw new Error(`profile worker: unexpected answer ${msg.type}`);
    return { result: msg.result as R, ...(msg.text !== undefined ? { text: msg.text } : {}) };
  }

  async terminate(): Promise<void> {
    this.dead ??= new UserError('the profile worker was closed');
    await this.worker.terminate();
  }
}

/** openProfile in a worker thread; the typed arrays are transferred back. */
export async function openProfileInWorker(path: string, opts: OpenOptions & WorkerOptions = {}): Promise<ProfileModel> {
  const w = new ProfileWorker(opts.workerPath ? { workerPath: opts.workerPath } : {});
  try {
    return await w.take(path, opts);
  } finally {
    await w.terminate();
  }
}

function oneLineOf(e: Error): string {
  return (e.message || String(e)).split('\n')[0]!.trim();
}
