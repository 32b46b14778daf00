import { describe, expect, it } from 'vitest';
import { compareSamples, mad, median, robustSigma, robustZ } from './robust.js';

describe('robust statistics', () => {
  it('median, MAD and robust z', () => {
    expect(median([3, 1, 2])).toBe(2);
    expect(mad([1, 2, 3, 4, 100])).toBe(1);
    expect(robustSigma([1, 2, 3, 4, 100])).toBeCloseTo(1.4826);
    const z = robustZ([10, 10.1, 9.9, 10, 10.05, 9.95, 20]);
    expect(z[6]).toBeGreaterThan(3.5);
    expect(Math.max(...Array.from(z.subarray(0, 6), Math.abs))).toBeLessThan(3.5);
    expect(Array.from(robustZ([5, 5, 5]))).toEqual([0, 0, 0]);
  });

  it('calls a shift larger than the step-to-step spread significant, and one inside it not', () => {
    const a = [100, 101, 99, 100.5, 99.5, 100, 100.2, 99.8];
    expect(compareSamples(a, a.map((x) => x + 10)).significant).toBe(true);
    expect(compareSamples(a, a.map((x) => x + 10)).delta).toBe(10);
    expect(compareSamples(a, a.map((x) => x + 0.3)).significant).toBe(false);
    // noisy profiles need a larger change
    const noisy = [80, 120, 95, 105, 90, 110, 100, 100];
    expect(compareSamples(noisy, noisy.map((x) => x + 10)).significant).toBe(false);
    // the minimum effect floor
    expect(compareSamples([10, 10, 10], [10.01, 10.01, 10.01], 0.1).significant).toBe(false);
    expect(compareSamples([10, 10, 10], [10.01, 10.01, 10.01]).significant).toBe(true);
    expect(compareSamples([0, 0], [1, 1]).deltaPct).toBeNull();
  });
});
