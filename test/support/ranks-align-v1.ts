// Today's clock alignment, frozen with ./ranks-reduce-v1.ts (its oracle copy); not used by the product.
import type { RankClock, RankSummary } from '../../src/core/ranks.js';

export interface Alignment {
  /** per summary (same order): its clock on the run clock */
  clocks: RankClock[];
  /** domains that could not be aligned, with why */
  unaligned: Map<string, string>;
}

const MAX_SHIFT = 3;

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const n = s.length;
  return n % 2 ? s[(n - 1) / 2]! : (s[n / 2 - 1]! + s[n / 2]!) / 2;
}

/** Collective end times by "op#seq". */
function endsOf(summaries: RankSummary[]): Map<string, number[]> {
  const m = new Map<string, number[]>();
  for (const s of summaries) {
    for (const c of s.collectives) {
      const k = `${c.op}#${c.seq}`;
      let l = m.get(k);
      if (!l) m.set(k, (l = []));
      l.push(c.endNs);
    }
  }
  return m;
}

/** Offset that maps `other`'s clock onto `ref`'s, or undefined when no collectives match. */
export function collectiveOffset(ref: RankSummary[], other: RankSummary[]): { offsetNs: number; matched: number; spreadNs: number } | undefined {
  const refEnds = endsOf(ref);
  let best: { offsetNs: number; matched: number; spreadNs: number } | undefined;
  for (let shift = -MAX_SHIFT; shift <= MAX_SHIFT; shift++) {
    const diffs: number[] = [];
    for (const s of other) {
      for (const c of s.collectives) {
        const r = refEnds.get(`${c.op}#${c.seq + shift}`);
        if (r?.length) diffs.push(median(r) - c.endNs);
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

export function alignClocks(summaries: RankSummary[]): Alignment {
  const byDomain = new Map<string, RankSummary[]>();
  for (const s of summaries) {
    let l = byDomain.get(s.clock.domain);
    if (!l) byDomain.set(s.clock.domain, (l = []));
    l.push(s);
  }
  const unaligned = new Map<string, string>();
  const offsets = new Map<string, { offsetNs: number; alignedBy: NonNullable<RankClock['alignedBy']> }>();
  if (summaries.length) {
    // the reference: the domain holding the most ranks (ties: the lowest rank)
    const domains = [...byDomain.entries()].sort((a, b) => b[1].length - a[1].length ||
      Math.min(...a[1].map((s) => s.identity.rank)) - Math.min(...b[1].map((s) => s.identity.rank)));
    const [refDomain, ref] = domains[0]!;
    offsets.set(refDomain, { offsetNs: 0, alignedBy: 'shared-clock' });
    const aligned: RankSummary[] = [...ref];
    for (const [d, members] of domains.slice(1)) {
      const o = collectiveOffset(aligned, members);
      if (!o) {
        offsets.set(d, { offsetNs: 0, alignedBy: 'none' });
        unaligned.set(d, members.some((s) => s.collectives.length) ? 'its collectives match none of the other ranks\'' : 'it has no NCCL collectives to align by');
        continue;
      }
      offsets.set(d, { offsetNs: o.offsetNs, alignedBy: 'collective-end' });
      // later domains align against every aligned rank, shifted onto the run clock
      aligned.push(...members.map((s) => ({ ...s, collectives: s.collectives.map((c) => ({ ...c, startNs: c.startNs + o.offsetNs, endNs: c.endNs + o.offsetNs })) })));
    }
    // a reference domain alone (one report, or one trace) is its own clock
    if (domains.length === 1) offsets.set(refDomain, { offsetNs: 0, alignedBy: 'shared-clock' });
  }
  return {
    clocks: summaries.map((s) => {
      const o = offsets.get(s.clock.domain)!;
      return { domain: s.clock.domain, offsetNs: o.offsetNs, alignedBy: o.alignedBy };
    }),
    unaligned,
  };
}
