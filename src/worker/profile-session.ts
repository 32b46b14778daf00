// Worker-thread entry holding one opened profile: parses it off the caller's main thread, then answers
// overview requests (whole profile or a zoomed range) and named profile queries (queries/registry.ts, e.g. the
// timeline's tiles, slice details and search) from the model it keeps. Queries wait in a queue that runs one
// per event-loop turn, so a `cancel-query` that arrives while earlier work runs drops a superseded request
// before it starts. The caller terminates the worker to free the profile. Messages: src/protocol/profile-session.ts;
// client: src/worker/clients.ts.
import { parentPort } from 'node:worker_threads';
import { isCancelled, oneLine, UserError } from '../core/errors.js';
import type { ProfileModel } from '../core/profile.js';
import { optional } from '../core/optional.js';
import { openProfile } from '../profile/open.js';
import { buildOverview } from '../profile/overview.js';
import { findQuery } from '../profile/queries/registry.js';
import { rankProcesses } from '../profile/ranks/index.js';
import { toWorkerError } from './errors.js';
import { ranksViewOfModel } from './ranks-job.js';
import { RANKS_VIEW_QUERY } from '../protocol/ranks-worker.js';
import { DIAGNOSIS_QUERY } from '../protocol/dashboard.js';
import type { SessionReply, SessionRequest } from '../protocol/profile-session.js';
import { diagnoseProfile } from '../analyze/diagnose/index.js';
import { attachCapture } from '../profile/graphs/attribute.js';
import { findCaptureTrace } from '../profile/graphs/find-capture.js';
import { graphReplays } from '../profile/graphs/replays.js';

let model: ProfileModel | null = null;
let openedPath = '';
const ac = new AbortController();
const queue: Array<Extract<SessionRequest, { type: 'query' }>> = [];
let draining = false;

function send(r: SessionReply): void {
  parentPort?.postMessage(r);
}

function fail(e: unknown, id?: number): void {
  send({ type: 'error', ...optional('id', id), ...toWorkerError(e) });
}

function runQuery(msg: Extract<SessionRequest, { type: 'query' }>): void {
  try {
    if (!model) throw new UserError('the profile is not open yet');
    // the ranks of this profile (src/analyze, which the profile layer's registry cannot reach)
    if (msg.name === RANKS_VIEW_QUERY) return send({ type: 'result', id: msg.id, result: ranksViewOfModel(model, openedPath) });
    if (msg.name === DIAGNOSIS_QUERY) return send({ type: 'result', id: msg.id, result: diagnoseProfile(model, { profilePath: openedPath }) });
    const q = findQuery(msg.name);
    if (!q) throw new UserError(`unknown query: ${msg.name}`);
    send({ type: 'result', id: msg.id, result: q.run(model, msg.args) });
  } catch (e) {
    fail(e, msg.id);
  }
}

/**
 * A profile with CUDA graph replays: the trace recorded while they were captured, found beside it
 * (find-capture.ts), gives every replayed node its capture-time line in the trace view and the analysis.
 */
async function withCapture(m: ProfileModel, path: string): Promise<string | undefined> {
  if (graphReplays(m).replays.length === 0) return undefined;
  const found = findCaptureTrace(path);
  if (!found.path) {
    if (found.candidates.length > 1) send({ type: 'progress', fraction: 1, message: `several capture traces beside the profile, none taken: ${found.candidates.join(', ')}` });
    return undefined;
  }
  send({ type: 'progress', fraction: 1, message: `reading the graphs' capture trace ${found.path}` });
  try {
    attachCapture(m, await openProfile(found.path, { signal: ac.signal }));
    return found.path;
  } catch (e) {
    if (isCancelled(e)) throw e;
    send({ type: 'progress', fraction: 1, message: `capture trace ${found.path} not read: ${oneLine(e)}` });
    return undefined;
  }
}

/** One queued query per turn: messages that arrived meanwhile (cancellations) are handled in between. */
function drain(): void {
  const next = queue.shift();
  if (!next) {
    draining = false;
    return;
  }
  runQuery(next);
  setImmediate(drain);
}

parentPort?.on('message', (msg: SessionRequest) => {
  if (msg.type === 'cancel') {
    ac.abort();
  } else if (msg.type === 'open') {
    openedPath = msg.path;
    openProfile(msg.path, {
      signal: ac.signal,
      onProgress: (fraction, message) => send({ type: 'progress', fraction, message }),
      // a stale or damaged cache entry rebuilt: the dashboard's progress line says so while it reads
      onNote: (line) => send({ type: 'progress', fraction: 0, message: line }),
    })
      .then(async (m) => {
        const captureTrace = await withCapture(m, msg.path);
        model = m;
        send({ type: 'opened', overview: buildOverview(m, { bins: 400 }), gpuProcesses: rankProcesses(m).length, ...optional('captureTrace', captureTrace) });
      })
      .catch((e) => fail(e));
  } else if (msg.type === 'overview') {
    try {
      if (!model) throw new UserError('the profile is not open yet');
      send({ type: 'overview', id: msg.id, overview: buildOverview(model, { bins: msg.bins, range: msg.range }) });
    } catch (e) {
      fail(e, msg.id);
    }
  } else if (msg.type === 'query') {
    queue.push(msg);
    if (!draining) {
      draining = true;
      setImmediate(drain);
    }
  } else if (msg.type === 'cancel-query') {
    const i = queue.findIndex((q) => q.id === msg.id);
    if (i >= 0) {
      queue.splice(i, 1);
      send({ type: 'error', id: msg.id, message: 'cancelled', user: false, cancelled: true });
    }
  }
});
