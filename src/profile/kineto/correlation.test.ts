import { describe, expect, it } from 'vitest';
import { CorrelationIndex } from './correlation.js';

describe('CorrelationIndex', () => {
  it('answers as a Map of id → last row would, dense or sparse', () => {
    for (const ids of [[5, 6, -1, 7, 6, 9], [5, 1e12, -1, 7, 1e12, 3e15]]) {
      const index = new CorrelationIndex(Float64Array.from(ids));
      const map = new Map<number, number>();
      ids.forEach((id, row) => { if (id >= 0) map.set(id, row); });
      for (const id of [...ids, 0, 4, 8, 10, 2e12, -1, -5, 6.5, Number.NaN]) expect(index.get(id), String(id)).toBe(map.get(id));
    }
  });

  it('an empty or id-less column finds nothing', () => {
    expect(new CorrelationIndex(new Float64Array(0)).get(0)).toBeUndefined();
    expect(new CorrelationIndex(Float64Array.from([-1, -1])).get(0)).toBeUndefined();
  });
});
