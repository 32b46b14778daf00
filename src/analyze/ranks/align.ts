// Clock alignment of rank summaries. Ranks from one nsys report share its session clock. Other clock domains
// (one Kineto trace per rank, one nsys report per node) are put on the reference domain's clock by the end
// times of their collectives: an NCCL collective ends on all ranks together (within the wire latency), so the
// median difference of matched end times is the clock offset. The match is by (op, sequence number), trying
// small sequence shifts for captures that started a few collectives apart; the shift whose differences agree
// best wins. A domain with no matching collectives stays unaligned.
// Each domain is aligned against every rank aligned before it. The end times of those ranks are kept sorted
// per collective as they are added, so the median of a collective is read, not sorted again for every later
// domain (with one export per rank this made the old alignment grow with the cube of the rank count).
import type { RankClock, RankSummary } from '../../core/ranks.js';
import { lowerBound } from '../../profile/queries/util.js';
import { CollectiveKeys, type CompactCollectives, compactCollectives } from './compact.js';

export interface Alignment {
  /** per summary (same order): its clock on the run clock */
  clocks: RankClock[];
  /** domains that could not be aligned, with why */
  unaligned: Map<string, string>;
}

/** What alignment reads of one rank. */
export interface AlignRow {
  domain: string;
  rank: number;
  coll: CompactCollectives;
}

const MAX_SHIFT = 3;

function median(xs: number[]): number {
  return medianSorted(Float64Array.from(xs).sort());
}

function medianSorted(s: ArrayLike<number>): number {
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/** Sorted end times per collective key of the ranks aligned so far. */
class AlignedEnds {
  private readonly ends: Array<number[] | undefined> = [];

  add(c: CompactCollectives, offsetNs: number): void {
    for (let j = 0; j < c.keys.length; j++) {
      const k = c.keys[j]!;
      let l = this.ends[k];
      if (!l) this.ends[k] = l = [];
      const v = c.endNs[j]! + offsetNs;
      l.splice(lowerBound(l, v), 0, v);
    }
  }

  get(k: number | undefined): number[] | undefined {
    return k === undefined ? undefined : this.ends[k];
  }
}

/** Offset that maps `members`' clock onto the aligned ranks', or undefined when no collectives match. */
function offsetOf(aligned: AlignedEnds, keys: CollectiveKeys, members: AlignRow[]): { offsetNs: number; matched: number; spreadNs: number } | undefined {
  let best: { offsetNs: number; matched: number; spreadNs: number } | undefined;
  for (let shift = -MAX_SHIFT; shift <= MAX_SHIFT; shift++) {
    const diffs: number[] = [];
    for (const s of members) {
      const c = s.coll;
      for (let j = 0; j < c.keys.length; j++) {
        const k = c.keys[j]!;
        const r = aligned.get(shift === 0 ? k : keys.find(keys.op[k]!, keys.seq[k]! + shift));
        if (r?.length) diffs.push(medianSorted(r) - c.endNs[j]!);
      }
    }
    if (diffs.length === 0) continue;
    const off = median(diffs);
    const spread = median(diffs.map((d) => Math.abs(d - off)));
    // prefer agreement, then more matches (a shift that matches 1 collective agrees trivially)
    const score = spread + (diffs.length < 3 ? 1e9 : 0);
    const bestScore = best ? best.spreadNs + (best.matched < 3 ? 1e9 : 0) : Infinity;
    if (score < bestScore || (score === bestScore && best && diffs.length > best.matched)) best = { offsetNs: Math.round(off), matched: diffs.length, spreadNs: spread };
  }
  return best;
}

/** Clocks of compact rank rows whose collective keys come from `keys`. */
export function alignRows(rows: AlignRow[], keys: CollectiveKeys): Alignment {
  const byDomain = new Map<string, AlignRow[]>();
  for (const s of rows) {
    let l = byDomain.get(s.domain);
    if (!l) byDomain.set(s.domain, (l = []));
    l.push(s);
  }
  const unaligned = new Map<string, string>();
  const offsets = new Map<string, { offsetNs: number; alignedBy: NonNullable<RankClock['alignedBy']> }>();
  if (rows.length) {
    // the reference: the domain holding the most ranks (ties: the lowest rank)
    const minRank = (l: AlignRow[]) => l.reduce((m, s) => Math.min(m, s.rank), Infinity);
    const domains = [...byDomain.entries()].sort((a, b) => b[1].length - a[1].length || minRank(a[1]) - minRank(b[1]));
    const [refDomain, ref] = domains[0]!;
    offsets.set(refDomain, { offsetNs: 0, alignedBy: 'shared-clock' });
    const aligned = new AlignedEnds();
    for (const s of ref) aligned.add(s.coll, 0);
    for (const [d, members] of domains.slice(1)) {
      const o = offsetOf(aligned, keys, members);
      if (!o) {
        offsets.set(d, { offsetNs: 0, alignedBy: 'none' });
        unaligned.set(d, members.some((s) => s.coll.keys.length) ? 'its collectives match none of the other ranks\'' : 'it has no NCCL collectives to align by');
        continue;
      }
      offsets.set(d, { offsetNs: o.offsetNs, alignedBy: 'collective-end' });
      // later domains align against every aligned rank, shifted onto the run clock
      for (const s of members) aligned.add(s.coll, o.offsetNs);
    }
  }
  return {
    clocks: rows.map((s) => {
      const o = offsets.get(s.domain)!;
      return { domain: s.domain, offsetNs: o.offsetNs, alignedBy: o.alignedBy };
    }),
    unaligned,
  };
}

/** Clocks of whole summaries (same order). */
export function alignClocks(summaries: RankSummary[]): Alignment {
  const keys = new CollectiveKeys();
  return alignRows(summaries.map((s) => ({ domain: s.clock.domain, rank: s.identity.rank, coll: compactCollectives(s.collectives, keys) })), keys);
}
