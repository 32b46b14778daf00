// Messages between the extension's profile-session client (src/worker/clients.ts) and the profile worker
// (src/worker/profile-session.ts, bundled as dist/profile-session.js).
import type { PackedIterations, ProfileOverview } from '../core/overview.js';

export type SessionRequest =
  | { type: 'open'; path: string }
  | { type: 'overview'; id: number; bins: number; range?: [number, number] }
  | { type: 'query'; id: number; name: string; args: Record<string, unknown> }
  | { type: 'cancel-query'; id: number }
  | { type: 'cancel' };

export type SessionReply =
  | { type: 'progress'; fraction: number; message: string }
  // the overview without its steps (iterations: []) and its steps packed: the client joins them
  | { type: 'opened'; overview: ProfileOverview; steps: PackedIterations; gpuProcesses: number; captureTrace?: string }
  | { type: 'overview'; id: number; overview: ProfileOverview }
  | { type: 'result'; id: number; result: unknown }
  | ({ type: 'error'; id?: number } & WorkerError);

/** A worker's failure as it crosses the thread boundary (the client rebuilds the error class from the flags). */
export interface WorkerError {
  message: string;
  /** a UserError: shown as one line */
  user: boolean;
  cancelled: boolean;
  /** a NotAProfileError: the file is not a profile (the editor offers the default editor) */
  notProfile?: boolean;
}
