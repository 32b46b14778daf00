// Every replayed kernel to a line: the replay site (the graph launch's Python stack) always, and the capture
// site (the launch that recorded the node during capture) when a capture trace is given or the profile holds
// its own capture. Replays of one node sequence are matched once.
import type { ProfileModel } from '../../core/profile.js';
import type { CapturedGraph, NodeAttribution, ReplayMatch } from './capture.js';
import { capturedGraphs, matchReplay, replayNode } from './capture.js';
import type { GraphReplays } from './replays.js';
import { graphReplays } from './replays.js';

export interface GraphAttribution {
  replays: GraphReplays;
  /** captured graphs of the capture trace (empty without one) */
  captures: CapturedGraph[];
  /** where the captures came from: a separate trace, the profile itself, or none */
  captureSource: 'trace' | 'self' | 'none';
  /** per replay, the match of its nodes (null when there is no capture to match) */
  matches: (ReplayMatch | null)[];
  /** kernel row → its node's attribution (graph kernels only, when a capture is known) */
  nodeOf(row: number): NodeAttribution | null;
}

const cache = new WeakMap<ProfileModel, WeakMap<object, GraphAttribution>>();
const NONE = {};
const attached = new WeakMap<ProfileModel, ProfileModel>();

/**
 * Gives `model` the trace recorded while its graphs were captured: every later attributeGraphs(model) without an
 * explicit capture (slice details, analysis, the graphs report) uses it. The editor and `analyze --capture` call
 * this once after opening both files.
 */
export function attachCapture(model: ProfileModel, capture: ProfileModel): void {
  attached.set(model, capture);
}

/** The capture trace attached to `model`, if any. */
export function attachedCapture(model: ProfileModel): ProfileModel | undefined {
  return attached.get(model);
}

/** Replays of `model` with their capture sites from `capture` (else the attached one, else `model` itself when it captured graphs). */
export function attributeGraphs(model: ProfileModel, capture: ProfileModel | undefined = attached.get(model)): GraphAttribution {
  let byCapture = cache.get(model);
  if (!byCapture) cache.set(model, (byCapture = new WeakMap()));
  const key = capture ?? NONE;
  let a = byCapture.get(key);
  if (!a) byCapture.set(key, (a = build(model, capture)));
  return a;
}

function build(model: ProfileModel, capture: ProfileModel | undefined): GraphAttribution {
  const replays = graphReplays(model);
  let captures: CapturedGraph[] = [];
  let captureSource: GraphAttribution['captureSource'] = 'none';
  if (capture) {
    captures = capturedGraphs(capture);
    captureSource = 'trace';
  } else if (replays.replays.length > 0) {
    captures = capturedGraphs(model).filter((g) => !g.unbracketed);
    if (captures.length > 0) captureSource = 'self';
  }
  const bySequence = new Map<string, ReplayMatch>();
  const matches = replays.replays.map((r) => {
    if (captures.length === 0 || r.kernels.length === 0) return null;
    const nodes = r.kernels.map((row) => replayNode(model, row));
    const key = nodes.map((n) => `${n.name}|${n.dims}`).join('\n');
    let m = bySequence.get(key);
    if (!m) bySequence.set(key, (m = matchReplay(nodes, captures)));
    return m;
  });
  return {
    replays, captures, captureSource, matches,
    nodeOf(row: number): NodeAttribution | null {
      const rep = replays.replayOfKernel[row]!;
      if (rep < 0) return null;
      return matches[rep]?.nodes[replays.nodeOfKernel[row]!] ?? null;
    },
  };
}
