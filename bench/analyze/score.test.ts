// The blind set's first score counts the decoys it reported from the reasons its false positives were kept with.
import { describe, expect, it } from 'vitest';
import { firstOverall, type FirstScore } from './score.js';

const first = (fp: string[], tp: number, fn: number): FirstScore => ({
  generatedAt: '2026-12-06T22:54:36.258Z', commit: 'fc8f8b3', blind: true, tp, fp: fp.length, fn, precision: 0, recall: 0, f1: 0,
  falsePositives: fp, falseNegatives: [],
});

describe('firstOverall', () => {
  it('sums the cases and counts a false positive kept as "(decoy: …)" as a reported decoy', () => {
    const o = firstOverall([
      first(['C4 train.py:train:26 (decoy: two 40 KB copies per step)', 'C7 data.py:load:9 (not in the truth)'], 3, 1),
      first(['C3 train.py:main:40 (decoy: .item() once per epoch)'], 1, 0),
    ]);
    expect(o).toMatchObject({ tp: 4, fp: 3, fn: 1, decoysReported: 2 });
  });
});
