// Arrivals at the collectives on the run clock, in flat typed arrays (one slot per rank and collective key):
// who arrived last, how long the others waited, and how late each rank is against the median of the others.
// The lateness of every rank at a collective comes from one sort of that collective's arrivals: the median of
// the others is read at the rank's position in it, not sorted again per rank.
import type { RankClock } from '../../core/ranks.js';
import { median } from './compact.js';
import type { CollectiveKeys, RankRow } from './compact.js';

export interface Arrivals {
  /** matched keys (seen on ≥ 2 aligned ranks), in the order the run's ranks first show them */
  matched: number[];
  /** per key: its slots are start[key]..start[key + 1] */
  start: Int32Array;
  /** per slot: row index (ascending within a key) and arrival time on the run clock */
  row: Int32Array;
  at: Float64Array;
  /** per key: the step of the collective's first sighting (NaN: none) */
  step: Float64Array;
}

/** Arrivals of the aligned rows (ascending row index); a key seen twice on one rank keeps its last arrival. */
export function collectArrivals(rows: RankRow[], clocks: RankClock[], alignedIdx: number[], keys: CollectiveKeys): Arrivals {
  const nk = keys.size;
  const count = new Int32Array(nk + 1);
  const lastRow = new Int32Array(nk).fill(-1);
  const step = new Float64Array(nk).fill(Number.NaN);
  const order: number[] = [];
  for (const i of alignedIdx) {
    const c = rows[i]!.coll;
    for (let j = 0; j < c.keys.length; j++) {
      const k = c.keys[j]!;
      if (lastRow[k] === -1) {
        order.push(k);
        step[k] = c.step[j]!;
      }
      if (lastRow[k] !== i) count[k + 1]!++;
      lastRow[k] = i;
    }
  }
  const start = new Int32Array(nk + 1);
  for (let k = 0; k < nk; k++) start[k + 1] = start[k]! + count[k + 1]!;
  const row = new Int32Array(start[nk]!);
  const at = new Float64Array(start[nk]!);
  const cursor = start.slice(0, nk);
  lastRow.fill(-1);
  for (const i of alignedIdx) {
    const c = rows[i]!.coll;
    const off = clocks[i]!.offsetNs;
    for (let j = 0; j < c.keys.length; j++) {
      const k = c.keys[j]!;
      const slot = lastRow[k] === i ? cursor[k]! - 1 : cursor[k]!++;
      lastRow[k] = i;
      row[slot] = i;
      at[slot] = c.startNs[j]! + off;
    }
  }
  return { matched: order.filter((k) => start[k + 1]! - start[k]! >= 2), start, row, at, step };
}

/**
 * Mean lateness of each row not in `out`: over the collectives it took part in, its arrival minus the median
 * arrival of the other rows not in `out`.
 */
export function lateness(a: Arrivals, n: number, out: Set<number>): Float64Array {
  const sum = new Float64Array(n);
  const cnt = new Float64Array(n);
  const keepRow: number[] = [];
  const keepAt: number[] = [];
  for (const k of a.matched) {
    keepRow.length = 0;
    keepAt.length = 0;
    for (let s = a.start[k]!; s < a.start[k + 1]!; s++) {
      if (out.has(a.row[s]!)) continue;
      keepRow.push(a.row[s]!);
      keepAt.push(a.at[s]!);
    }
    const m = keepAt.length - 1; // the others of each rank
    if (m < 1) continue;
    const sorted = Float64Array.from(keepAt).sort();
    for (let x = 0; x <= m; x++) {
      const t = keepAt[x]!;
      // t's position in the sorted arrivals; the others are the sorted list without that one element
      let lo = 0;
      let hi = m;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (sorted[mid]! < t) lo = mid + 1;
        else hi = mid;
      }
      const other = (q: number) => (q < lo ? sorted[q]! : sorted[q + 1]!);
      const med = m % 2 ? other((m - 1) / 2) : (other(m / 2 - 1) + other(m / 2)) / 2;
      sum[keepRow[x]!]! += t - med;
      cnt[keepRow[x]!]!++;
    }
  }
  return sum.map((v, i) => (cnt[i]! ? v / cnt[i]! : Number.NaN));
}

/**
 * Stragglers, latest first: the rank that arrives at the collectives latest against the median of the others is
 * one when it is late by more than 2% of the median step (and 50 µs) and well outside the others' spread; it is
 * set aside and the rest are tested again (a second, less late rank is not hidden behind the first).
 */
export function findStragglers(late: (out: Set<number>) => Float64Array, n: number, stepMedNs: number): Array<{ index: number; lateNs: number }> {
  const out = new Set<number>();
  const found: Array<{ index: number; lateNs: number }> = [];
  while (n - out.size >= 2 && found.length < Math.max(1, Math.floor(n / 2))) {
    const l = late(out);
    const cand = [...l.keys()].filter((i) => !out.has(i) && !Number.isNaN(l[i]!));
    if (cand.length < 2) break;
    const worst = cand.reduce((x, y) => (l[y]! > l[x]! ? y : x));
    const rest = cand.filter((i) => i !== worst).map((i) => l[i]!);
    const mid = median(rest);
    const mad = median(rest.map((v) => Math.abs(v - mid))) * 1.4826;
    const threshold = Math.max(50_000, 0.02 * stepMedNs, 5 * mad);
    if (!(l[worst]! - mid > threshold)) break;
    found.push({ index: worst, lateNs: l[worst]! });
    out.add(worst);
  }
  return found;
}
