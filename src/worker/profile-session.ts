// Worker-thread entry holding one opened profile: parses it off the caller's main thread, then answers
// overview requests (whole profile or a zoomed range) from the model it keeps. The caller terminates
// the worker to free the profile. Messages are the types below.
import { parentPort } from 'node:worker_threads';
import { isCancelled, oneLine, UserError } from '../core/errors.js';
import type { ProfileModel } from '../core/profile.js';
import type { ProfileOverview } from '../core/overview.js';
import { openProfile } from '../profile/open.js';
import { buildOverview } from '../profile/overview.js';
import { rankProcesses } from '../profile/ranks/index.js';

export type SessionRequest =
  | { type: 'open'; path: string }
  | { type: 'overview'; id: number; bins: number; range?: [number, number] }
  | { type: 'cancel' };

export type SessionReply =
  | { type: 'progress'; fraction: number; message: string }
  | { type: 'opened'; overview: ProfileOverview; gpuProcesses: number }
  | { type: 'overview'; id: number; overview: ProfileOverview }
  | { type: 'error'; id?: number; message: string; user: boolean; cancelled: boolean };

let model: ProfileModel | null = null;
const ac = new AbortController();

function send(r: SessionReply): void {
  parentPort?.postMessage(r);
}

function fail(e: unknown, id?: number): void {
  send({ type: 'error', id, message: oneLine(e), user: e instanceof UserError, cancelled: isCancelled(e) });
}

parentPort?.on('message', (msg: SessionRequest) => {
  if (msg.type === 'cancel') {
    ac.abort();
  } else if (msg.type === 'open') {
    openProfile(msg.path, { signal: ac.signal, onProgress: (fraction, message) => send({ type: 'progress', fraction, message }) })
      .then((m) => {
        model = m;
        send({ type: 'opened', overview: buildOverview(m, { bins: 400 }), gpuProcesses: rankProcesses(m).length });
      })
      .catch((e) => fail(e));
  } else if (msg.type === 'overview') {
    try {
      if (!model) throw new UserError('the profile is not open yet');
      send({ type: 'overview', id: msg.id, overview: buildOverview(model, { bins: msg.bins, range: msg.range }) });
    } catch (e) {
      fail(e, msg.id);
    }
  }
});
