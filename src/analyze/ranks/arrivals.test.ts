// Lateness from one sort per collective equals the old per-rank sort of the others, value for value (the report
// shows it only for stragglers, so the whole-report comparison alone would not pin it).
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../../core/random.js';
import { lateness as latenessV1 } from '../../../test/support/ranks-reduce-v1.js';
import { lateness, type Arrivals } from './arrivals.js';

function arrivalsOf(maps: Array<Map<number, number>>): Arrivals {
  const start = new Int32Array(maps.length + 1);
  maps.forEach((m, k) => (start[k + 1] = start[k]! + m.size));
  const row = new Int32Array(start[maps.length]!);
  const at = new Float64Array(start[maps.length]!);
  maps.forEach((m, k) => [...m.entries()].forEach(([i, t], x) => { row[start[k]! + x] = i; at[start[k]! + x] = t; }));
  return { matched: maps.map((_, k) => k).filter((k) => maps[k]!.size >= 2), start, row, at, step: new Float64Array(maps.length).fill(Number.NaN) };
}

describe('lateness', () => {
  it('is the mean arrival minus the median of the others, as computed before, with ties, gaps and ranks set aside', () => {
    const rand = mulberry32(3);
    for (const n of [2, 3, 4, 7, 10]) {
      const maps = Array.from({ length: 40 }, () => {
        const m = new Map<number, number>();
        for (let i = 0; i < n; i++) if (rand() > 0.2) m.set(i, Math.round(rand() * 8) * 1000 + (rand() > 0.5 ? 0.5 : 0)); // ties and fractions
        return m;
      });
      const a = arrivalsOf(maps);
      for (const out of [new Set<number>(), new Set([0]), new Set([1, n - 1])]) {
        expect(Array.from(lateness(a, n, out))).toEqual(Array.from(latenessV1(maps.filter((m) => m.size >= 2), n, out)));
      }
    }
  });
});
