// Apportioning: one finding per line, nested costs counted once, the column within the iteration.
import { describe, expect, it } from 'vitest';
import type { Category, Finding } from '../core/findings.js';
import { fitIteration, nestGpuWork, nestLoaderCost, onePerLine, type Fit } from './apportion.js';

const f = (category: Category, file: string, fn: string, line: number, ms: number): Finding => ({
  id: `${category}|${file}|${line}`, category, pattern: `${category}.x`, title: '', file, function: fn, line, severity: 'low',
  impact: { msPerIter: ms, pctOfIter: 0 }, confidence: 0.5, localizedBy: 'catalogue', evidence: [],
});
const fit = (iterMs: number): Fit => ({ iterMs, share: (ms) => ms / iterMs });
const sum = (fs: Finding[]) => fs.reduce((t, x) => t + x.impact.msPerIter, 0);

describe('apportion', () => {
  it('keeps the costlier of two findings on one line and moves the other to unconfirmed with the reason', () => {
    const un: Finding[] = [];
    const kept = onePerLine([f('C3', 'a.py', 'g', 3, 1), f('C7', 'a.py', 'g', 3, 2), f('C7', 'a.py', 'g', 4, 1)], un);
    expect(kept.map((x) => `${x.category}:${x.line}`)).toEqual(['C7:3', 'C7:4']);
    expect(un).toHaveLength(1);
    expect(JSON.stringify(un[0]!.evidence)).toMatch(/same line is the C7 finding/);
  });

  it('a DataLoader finding keeps the loading time the per-sample lines do not explain', () => {
    const fs = [f('C1', 'train.py', 'main', 9, 20), f('C7', 'data.py', 'D.__getitem__', 4, 12), f('C7', 'data.py', 'collate', 20, 3), f('C7', 'train.py', 'main', 30, 1)];
    nestLoaderCost(fit(40), fs);
    expect(fs[0]!.impact.msPerIter).toBe(5);
    expect(JSON.stringify(fs[0]!.evidence)).toMatch(/15\.000 ms\/iter is on the per-sample lines/);
  });

  it('a sync keeps the wait that GPU-side findings do not hold', () => {
    const fs = [f('C3', 't.py', 'main', 5, 20), f('C5', 't.py', 'main', 3, 12)];
    nestGpuWork(fit(30), fs);
    expect(fs[0]!.impact.msPerIter).toBe(8);
  });

  it('the column never sums past the iteration: the costliest finding gives up the excess and says so', () => {
    const fs = [f('C3', 't.py', 'main', 5, 30), f('C7', 't.py', 'main', 3, 15)];
    fitIteration(fit(40), fs);
    expect(sum(fs)).toBeCloseTo(40, 6);
    expect(fs[0]!.impact.msPerIter).toBe(25);
    const untouched = [f('C3', 't.py', 'main', 5, 10)];
    fitIteration(fit(40), untouched);
    expect(untouched[0]!.impact.msPerIter).toBe(10);
  });
});
