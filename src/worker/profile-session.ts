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
import { readCachedBinary, writeCachedBinary } from '../profile/cache/index.js';
import { type TimelineTiles, tileArgs, timelineTilesQuery } from '../profile/queries/timeline.js';
import { lanesBuilt } from '../profile/queries/timeline-lanes.js';
import {
  type TileIndex, TILE_INDEX_VERSION, buildTileIndex, decodeTileIndex, encodeTileIndex, tilesFromIndex,
} from '../profile/queries/timeline-index.js';
import { findQuery } from '../profile/queries/registry.js';
import { rankProcesses } from '../profile/ranks/index.js';
import { toWorkerError } from './errors.js';
import { type Opening, decodeOpening, encodeOpening, splitOverview } from './opening.js';
import { ranksViewOfModel } from './ranks-job.js';
import { RANKS_VIEW_QUERY } from '../protocol/ranks-worker.js';
import { DIAGNOSIS_QUERY } from '../protocol/dashboard.js';
import type { SessionReply, SessionRequest } from '../protocol/profile-session.js';
import { diagnoseKept } from '../analyze/diagnose/kept.js';
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

/** A kept answer dropped (damaged): the dashboard's progress line says so. */
const progressNote = (line: string) => send({ type: 'progress', fraction: 0, message: line });

function fail(e: unknown, id?: number): void {
  send({ type: 'error', ...optional('id', id), ...toWorkerError(e) });
}

function runQuery(msg: Extract<SessionRequest, { type: 'query' }>): void {
  try {
    if (!model) throw new UserError('the profile is not open yet');
    // the ranks of this profile (src/analyze, which the profile layer's registry cannot reach)
    if (msg.name === RANKS_VIEW_QUERY) return send({ type: 'result', id: msg.id, result: ranksViewOfModel(model, openedPath) });
    // the diagnosis from the profile alone, kept in the profile's cache entry (src/analyze/diagnose/kept.ts)
    if (msg.name === DIAGNOSIS_QUERY) return send({ type: 'result', id: msg.id, result: diagnoseKept(model, openedPath, {}, { onNote: progressNote }) });
    const q = findQuery(msg.name);
    if (!q) throw new UserError(`unknown query: ${msg.name}`);
    if (q.name === timelineTilesQuery.name) {
      const kept = keptTiles(model, msg.args);
      if (kept) return send({ type: 'result', id: msg.id, result: kept });
    }
    const result = q.run(model, msg.args);
    // kept before answering: the caller may close the session as soon as it has the answer
    if (q.name === timelineTilesQuery.name && !tileIndex && !indexBuilt) keepTileIndex(model);
    send({ type: 'result', id: msg.id, result });
  } catch (e) {
    fail(e, msg.id);
  }
}

/**
 * A profile with CUDA graph replays: the trace recorded while they were captured, found beside it
 * (find-capture.ts), gives every replayed node its capture-time line in the trace view and the analysis.
 */
async function withCapture(m: ProfileModel, path: string): Promise<string | undefined> {
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

/**
 * What the dashboard needs to show a profile (./opening.ts), kept in the profile's cache entry (keyed by the file's
 * identity and the engine's stamp, checksummed) so that a later open of the same file is ready without a pass
 * over its tables.
 */
const OPENING = 'session-open';
const OPEN_BINS = 400;

function keptOpening(path: string): Opening | undefined {
  return readCachedBinary(path, OPENING, { bins: OPEN_BINS }, { onNote: progressNote }, decodeOpening);
}

/**
 * The trace view's tiles from the tile index kept in the profile's cache entry (queries/timeline-index.ts), while
 * the lanes are not built: the first tiles of a cached profile without a pass over its events. null: ask the
 * query (no index, the lanes are built already, or a window the index cannot answer exactly).
 */
const TILE_INDEX = 'tile-index';
/** undefined: not looked up yet; null: none kept */
let tileIndex: TileIndex | null | undefined;
let indexBuilt = false;

function keptTiles(m: ProfileModel, args: Record<string, unknown>): TimelineTiles | null {
  if (lanesBuilt(m)) return null;
  if (tileIndex === undefined) {
    tileIndex = readCachedBinary(openedPath, TILE_INDEX, { v: TILE_INDEX_VERSION }, { onNote: progressNote }, decodeTileIndex) ?? null;
  }
  if (!tileIndex) return null;
  const { opts, limit } = tileArgs(m, args);
  const t = tilesFromIndex(m, tileIndex, opts);
  return t && { ...t, lanes: t.lanes.slice(0, limit) };
}

/** After the first tiles computed from the lanes: keep the index for the next open (the lanes are built by now). */
function keepTileIndex(m: ProfileModel): void {
  indexBuilt = true;
  const index = buildTileIndex(m);
  tileIndex = index ?? null;
  if (index) writeCachedBinary(openedPath, TILE_INDEX, { v: TILE_INDEX_VERSION }, encodeTileIndex(index));
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
        const kept = keptOpening(msg.path);
        const replays = kept?.replays ?? graphReplays(m).replays.length;
        const captureTrace = replays > 0 ? await withCapture(m, msg.path) : undefined;
        model = m;
        // the kept overview is the profile's alone: with graph replays a capture trace beside it may change it
        const overview = kept?.overview && replays === 0 ? kept.overview : splitOverview(buildOverview(m, { bins: OPEN_BINS }));
        const gpuProcesses = kept?.gpuProcesses ?? rankProcesses(m).length;
        if (!kept) writeCachedBinary(msg.path, OPENING, { bins: OPEN_BINS }, encodeOpening({ replays, gpuProcesses, ...(replays === 0 ? { overview } : {}) }));
        send({ type: 'opened', overview: overview.rest, steps: overview.steps, gpuProcesses, ...optional('captureTrace', captureTrace) });
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
