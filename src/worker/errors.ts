// An error as it crosses a worker-thread boundary: encoded by the workers (profile-session.ts, ranks-compute.ts),
// rebuilt by their clients (clients.ts) with the class the caller tells apart (cancelled, user error, not a profile).
import { CancelledError, isCancelled, NotAProfileError, oneLine, UserError } from '../core/errors.js';
import type { WorkerError } from '../protocol/profile-session.js';

export function toWorkerError(e: unknown, aborted = false): WorkerError {
  return {
    message: oneLine(e),
    user: e instanceof UserError,
    cancelled: isCancelled(e) || aborted,
    ...(e instanceof NotAProfileError ? { notProfile: true } : {}),
  };
}

export function fromWorkerError(r: WorkerError): Error {
  if (r.cancelled) return new CancelledError();
  if (r.notProfile) return new NotAProfileError(r.message);
  return r.user ? new UserError(r.message) : new Error(r.message);
}
