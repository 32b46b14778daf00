// What the reduce keeps of one rank summary once it has read it: typed columns of its collectives and steps,
// the medians of its step split, and its small parts (identity, totals, hotspots). A summary is dropped as soon
// as it is compacted, so the reduce's memory grows by ~40 bytes per collective and step of each rank instead
// of by whole parsed summaries.
import type { RankCollective, RankHotspot, RankIdentity, RankSummary, RankTotals } from '../../core/ranks.js';

export const KEYS: (keyof RankTotals)[] = ['computeNs', 'commNs', 'exposedCommNs', 'idleNs', 'memcpyNs', 'syncNs', 'dataLoadNs'];

export function median(xs: ArrayLike<number>): number {
  if (!xs.length) return 0;
  const s = Float64Array.from(xs).sort();
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

export const ms = (ns: number) => Math.round(ns / 1e3) / 1e3;

/** Collectives are matched across ranks by (op, sequence number): one small integer id per pair. */
export class CollectiveKeys {
  readonly op: string[] = [];
  readonly seq: number[] = [];
  private readonly ids = new Map<string, Map<number, number>>();

  id(op: string, seq: number): number {
    let bySeq = this.ids.get(op);
    if (!bySeq) this.ids.set(op, (bySeq = new Map()));
    let k = bySeq.get(seq);
    if (k === undefined) {
      bySeq.set(seq, (k = this.op.length));
      this.op.push(op);
      this.seq.push(seq);
    }
    return k;
  }

  find(op: string, seq: number): number | undefined {
    return this.ids.get(op)?.get(seq);
  }

  get size(): number {
    return this.op.length;
  }
}

export interface CompactCollectives {
  keys: Int32Array;
  startNs: Float64Array;
  endNs: Float64Array;
  /** NaN where the collective has no step */
  step: Float64Array;
}

export function compactCollectives(cs: RankCollective[], keys: CollectiveKeys): CompactCollectives {
  const n = cs.length;
  const out: CompactCollectives = { keys: new Int32Array(n), startNs: new Float64Array(n), endNs: new Float64Array(n), step: new Float64Array(n) };
  cs.forEach((c, j) => {
    out.keys[j] = keys.id(c.op, c.seq);
    out.startNs[j] = c.startNs;
    out.endNs[j] = c.endNs;
    out.step[j] = c.step ?? Number.NaN;
  });
  return out;
}

/** One rank as the reduce keeps it. */
export interface RankRow {
  source: string;
  identity: RankIdentity;
  domain: string;
  totals: RankTotals;
  hotspots: RankHotspot[];
  steps: number;
  /** each step's `index`, in order */
  stepIndex: Float64Array;
  /** each step's length, ms (rounded as the report prints it) */
  stepMs: Float64Array;
  /** median step length, ns; null without steps */
  medStep: number | null;
  /** per-step medians of the split, ns */
  med: Record<keyof RankTotals, number>;
  coll: CompactCollectives;
}

export function compactRank(s: RankSummary, keys: CollectiveKeys): RankRow {
  const n = s.steps.length;
  const stepIndex = new Float64Array(n);
  const stepMs = new Float64Array(n);
  const len = new Float64Array(n);
  s.steps.forEach((st, j) => {
    stepIndex[j] = st.index;
    len[j] = st.endNs - st.startNs;
    stepMs[j] = ms(len[j]!);
  });
  return {
    source: s.source, identity: s.identity, domain: s.clock.domain, totals: s.totals, hotspots: s.hotspots,
    steps: n, stepIndex, stepMs, medStep: n ? median(len) : null,
    med: Object.fromEntries(KEYS.map((k) => [k, median(s.steps.map((x) => x[k]))])) as Record<keyof RankTotals, number>,
    coll: compactCollectives(s.collectives, keys),
  };
}
