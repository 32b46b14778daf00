// Messages between the profile worker (src/worker/worker.ts) and its client (worker-client.ts), and the
// helpers both sides share: which buffers of a model travel by transfer, how errors cross the boundary.
import { CancelledError, UserError } from '../core/errors.js';
import type { ExitCode } from '../core/errors.js';
import type { ProfileMeta, ProfileModel } from '../core/profile.js';

export type WorkerRequest =
  /** open a profile; keep=true holds the model in the worker (answers with meta), else transfers it back */
  | { id: number; op: 'open'; path: string; keep: boolean }
  /** run a named query (queries/registry.ts) on the model the worker holds */
  | { id: number; op: 'query'; name: string; args: Record<string, unknown>; format: boolean };

export type WorkerResponse =
  | { id: number; type: 'progress'; fraction: number; message: string }
  | { id: number; type: 'opened'; meta: ProfileMeta }
  | { id: number; type: 'model'; model: ProfileModel }
  | { id: number; type: 'result'; result: unknown; text?: string }
  | { id: number; type: 'error'; error: SerializedError };

export interface SerializedError {
  kind: 'user' | 'cancelled' | 'bug';
  message: string;
  exitCode?: ExitCode;
  stack?: string;
}

export function serializeError(e: unknown): SerializedError {
  if (e instanceof UserError) return { kind: 'user', message: e.message, exitCode: e.exitCode };
  if (e instanceof CancelledError) return { kind: 'cancelled', message: e.message };
  const err = e instanceof Error ? e : new Error(String(e));
  return { kind: 'bug', message: err.message, ...(err.stack ? { stack: err.stack } : {}) };
}

export function deserializeError(s: SerializedError): Error {
  if (s.kind === 'user') return new UserError(s.message, s.exitCode ?? 2);
  if (s.kind === 'cancelled') return new CancelledError(s.message);
  const e = new Error(`profile worker: ${s.message}`);
  if (s.stack) e.stack = s.stack;
  return e;
}

const TABLES = ['kernels', 'runtime', 'memcpy', 'memset', 'sync', 'nvtx', 'cpu', 'osrt'] as const;

/** The ArrayBuffers under every column of a model: posted in the transfer list, they move instead of copying. */
export function modelTransferables(model: ProfileModel): ArrayBuffer[] {
  const out = new Set<ArrayBuffer>();
  for (const t of TABLES) {
    for (const v of Object.values(model[t])) {
      if (ArrayBuffer.isView(v) && v.buffer instanceof ArrayBuffer) out.add(v.buffer);
    }
  }
  return [...out];
}
