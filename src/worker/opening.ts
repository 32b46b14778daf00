// What the dashboard needs to show a profile, as the session worker keeps it in the profile's cache entry and
// sends it: its overview (at the opening's bins), its GPU processes and its CUDA graph replay count. The overview's
// steps travel packed (core/overview.ts PackedIterations: a profile can have 100k+ of them): in the entry as a
// binary kept answer (src/profile/cache/results.ts: the rest of the overview as its JSON header, the steps' arrays
// behind the same sha-256, read back as views of the file's bytes), and to the client in the `opened` message,
// which unpacks them (src/worker/clients.ts). One object per step cost more to parse, checksum and clone than
// everything else the dashboard waits for.
import { type PackedIterations, type ProfileOverview, packIterations } from '../core/overview.js';
import type { KeptBinary } from '../profile/cache/index.js';

/** An overview without its steps (iterations: []) and its steps packed. */
export interface SplitOverview { rest: ProfileOverview; steps: PackedIterations }

/** The overview is kept only for a profile without replays (a capture trace beside it changes it). */
export interface Opening { replays: number; gpuProcesses: number; overview?: SplitOverview }

export function splitOverview(overview: ProfileOverview): SplitOverview {
  return { rest: { ...overview, iterations: [] }, steps: packIterations(overview.iterations) };
}

export function encodeOpening(o: Opening): KeptBinary {
  const { replays, gpuProcesses, overview } = o;
  if (!overview) return { header: { replays, gpuProcesses }, arrays: [] };
  const { startNs, endNs, labelEnds, labels } = overview.steps;
  return { header: { replays, gpuProcesses, overview: overview.rest, labels }, arrays: [startNs, endNs, labelEnds] };
}

/** The opening back from its kept form; throws on a form that does not fit (a damaged or older answer). */
export function decodeOpening(kept: KeptBinary): Opening {
  const h = kept.header as { replays?: unknown; gpuProcesses?: unknown; overview?: ProfileOverview; labels?: unknown };
  if (typeof h.replays !== 'number' || typeof h.gpuProcesses !== 'number') throw new Error('not a dashboard opening');
  if (h.overview === undefined) return { replays: h.replays, gpuProcesses: h.gpuProcesses };
  const [startNs, endNs, labelEnds] = kept.arrays;
  if (typeof h.overview !== 'object' || typeof h.labels !== 'string' || !(startNs instanceof Float64Array) ||
    !(endNs instanceof Float64Array) || !(labelEnds instanceof Int32Array) || startNs.length !== endNs.length || endNs.length !== labelEnds.length) {
    throw new Error('not a dashboard opening of this version');
  }
  return { replays: h.replays, gpuProcesses: h.gpuProcesses, overview: { rest: h.overview, steps: { startNs, endNs, labelEnds, labels: h.labels } } };
}
