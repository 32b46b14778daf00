import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { bootstrapSpeedup, formatPercent, formatSpeedup, median, mulberry32, pairedBootstrapSpeedup, pairedSpeedup, percentile, speedup } from './stats.js';

describe('stats', () => {
  it('median of odd and even samples, unsorted input untouched', () => {
    const xs = [5, 1, 3];
    expect(median(xs)).toBe(3);
    expect(xs).toEqual([5, 1, 3]);
    expect(median([4, 1, 3, 2])).toBe(2.5);
    expect(() => median([])).toThrow();
  });

  it('percentile interpolates linearly between ranks', () => {
    const s = [10, 20, 30, 40, 50];
    expect(percentile(s, 0)).toBe(10);
    expect(percentile(s, 1)).toBe(50);
    expect(percentile(s, 0.5)).toBe(30);
    expect(percentile(s, 0.125)).toBe(15);
    expect(percentile([7], 0.3)).toBe(7);
  });

  it('mulberry32 is deterministic per seed and in [0, 1)', () => {
    const a = mulberry32(42);
    const b = mulberry32(42);
    const c = mulberry32(43);
    const xa = Array.from({ length: 100 }, a);
    expect(Array.from({ length: 100 }, b)).toEqual(xa);
    expect(Array.from({ length: 100 }, c)).not.toEqual(xa);
    for (const x of xa) expect(x >= 0 && x < 1).toBe(true);
  });

  it('speed-up is the ratio of medians minus one', () => {
    expect(speedup([10, 10, 10], [5, 5, 5])).toBe(1);
    expect(speedup([10, 11, 9], [10, 10, 10])).toBe(0);
  });

  it('bootstrap: constant samples give a degenerate interval at the point estimate', () => {
    const i = bootstrapSpeedup([10, 10, 10, 10, 10], [8, 8, 8, 8, 8]);
    expect(i.low).toBeCloseTo(0.25, 12);
    expect(i.high).toBeCloseTo(0.25, 12);
    expect(i.level).toBe(0.95);
  });

  it('bootstrap: separated samples exclude zero, overlapping ones include it', () => {
    const b = [10.1, 10.3, 9.9, 10.0, 10.2];
    const fast = bootstrapSpeedup(b, [8.0, 8.1, 7.9, 8.2, 8.05]);
    expect(fast.low).toBeGreaterThan(0.15);
    expect(fast.high).toBeLessThan(0.35);
    const same = bootstrapSpeedup(b, [10.2, 9.8, 10.1, 10.0, 10.3]);
    expect(same.low).toBeLessThan(0);
    expect(same.high).toBeGreaterThan(0);
  });

  it('bootstrap is reproducible for a seed', () => {
    const b = [10, 12, 11, 13, 9];
    const c = [9, 10, 11, 8, 9.5];
    expect(bootstrapSpeedup(b, c, { seed: 7 })).toEqual(bootstrapSpeedup(b, c, { seed: 7 }));
  });

  it('property: interval ordered, scale invariant, contains the point estimate for constant data', () => {
    const sample = fc.array(fc.double({ min: 1, max: 1000, noNaN: true }), { minLength: 1, maxLength: 8 });
    fc.assert(fc.property(sample, sample, fc.double({ min: 0.01, max: 100, noNaN: true }), (b, c, k) => {
      const i = bootstrapSpeedup(b, c, { resamples: 200 });
      expect(i.low).toBeLessThanOrEqual(i.high);
      const j = bootstrapSpeedup(b.map((x) => x * k), c.map((x) => x * k), { resamples: 200 });
      expect(j.low).toBeCloseTo(i.low, 6);
      expect(j.high).toBeCloseTo(i.high, 6);
      const lo = Math.min(...b) / Math.max(...c) - 1;
      const hi = Math.max(...b) / Math.min(...c) - 1;
      expect(i.low).toBeGreaterThanOrEqual(lo - 1e-9);
      expect(i.high).toBeLessThanOrEqual(hi + 1e-9);
    }), { numRuns: 100 });
  });

  it('paired: drift shared by both runs of a pair cancels', () => {
    // The machine slows down 4x over time; the candidate is 1.5x faster within every pair.
    const load = [1, 1.5, 4, 2, 3, 1.2, 2.5];
    const b = load.map((f, i) => 30 * f * (1 + 0.01 * ((i % 3) - 1)));
    const c = load.map((f) => 20 * f);
    expect(pairedSpeedup(b, c)).toBeCloseTo(0.5, 1);
    const paired = pairedBootstrapSpeedup(b, c);
    expect(paired.low).toBeGreaterThan(0.45);
    expect(paired.high).toBeLessThan(0.55);
    expect(bootstrapSpeedup(b, c).low).toBeLessThan(0); // unpaired, the drift swamps the effect
    expect(() => pairedSpeedup([1, 2], [1])).toThrow();
  });

  it('formats percentages with a true minus sign', () => {
    expect(formatPercent(0.004)).toBe('+0.4%');
    expect(formatPercent(-0.012)).toBe('\u22121.2%');
    expect(formatPercent(0.00001)).toBe('0.0%');
    expect(formatSpeedup(0.004, { low: -0.012, high: 0.02, level: 0.95 })).toBe('+0.4% [\u22121.2%, +2.0%]');
  });
});
