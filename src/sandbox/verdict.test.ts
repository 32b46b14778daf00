import { describe, expect, it } from 'vitest';
import { compareLosses, decideVerdict, formatSci } from './verdict.js';

const ok = { ok: true, reason: '' };

describe('numerics guard', () => {
  it('equal losses pass with zero deviation', () => {
    const r = compareLosses([[2, 1.9, 1.8], [2, 1.9, 1.8]], [[2, 1.9, 1.8]]);
    expect(r.ok).toBe(true);
    expect(r.maxDeviation).toBe(0);
    expect(r.steps).toBe(3);
    expect(r.reason).toBe('numerics equal over 3 steps');
  });

  it('a change beyond the tolerance fails and names the worst step', () => {
    const r = compareLosses([[2, 1.9, 1.8, 1.7]], [[2, 1.9, 1.8, 1.7], [2, 1.9, 1.8378, 1.7]]);
    expect(r.ok).toBe(false);
    expect(r.step).toBe(2);
    expect(r.maxDeviation).toBeCloseTo(0.021, 6);
    expect(r.reason).toBe('numerics changed: loss at step 2 differs by 2.1e-2');
  });

  it('within rtol passes and says so', () => {
    const r = compareLosses([[1, 1]], [[1, 1 + 5e-5]], { rtol: 1e-4 });
    expect(r.ok).toBe(true);
    expect(r.reason).toBe('numerics within 1.0e-4 (max 5.0e-5) over 2 steps');
  });

  it('only the first K steps are compared', () => {
    expect(compareLosses([[1, 2, 3]], [[1, 2, 99]], { steps: 2 }).ok).toBe(true);
    expect(compareLosses([[1, 2, 3]], [[1, 2, 99]]).ok).toBe(false);
  });

  it('a non-deterministic baseline widens the tolerance to its own spread', () => {
    const r = compareLosses([[1, 1], [1, 1.01]], [[1, 1.005]]);
    expect(r.baselineSpread).toBeCloseTo(0.01, 9);
    expect(r.ok).toBe(true);
    expect(compareLosses([[1, 1], [1, 1.01]], [[1, 1.05]]).ok).toBe(false);
  });

  it('NaN in the candidate fails; fewer losses fail; no losses is unknown', () => {
    expect(compareLosses([[1, 2]], [[1, NaN]]).ok).toBe(false);
    const short = compareLosses([[1, 2, 3]], [[1, 2]]);
    expect(short.ok).toBe(false);
    expect(short.reason).toBe('numerics changed: the candidate reported 2 losses, the baseline 3');
    const none = compareLosses([[], []], [[1]]);
    expect(none.ok).toBeNull();
    expect(none.reason).toMatch(/^numerics unknown/);
  });

  it('formatSci', () => {
    expect(formatSci(0.021)).toBe('2.1e-2');
    expect(formatSci(12345)).toBe('1.2e4');
    expect(formatSci(Infinity)).toBe('Infinity');
  });
});

describe('verdict', () => {
  const eq = compareLosses([[1, 2]], [[1, 2]]);
  it('accepts a speed-up whose interval is above the minimum', () => {
    const d = decideVerdict({ smoke: ok, numerics: eq, speedup: 0.25, interval: { low: 0.2, high: 0.3, level: 0.95 } });
    expect(d).toEqual({ verdict: 'accepted', reason: 'speed-up +25.0% [+20.0%, +30.0%], numerics equal over 2 steps' });
  });

  it('three verdicts: rejected only when the whole interval is below the minimum, inconclusive when it straddles it', () => {
    const slow = decideVerdict({ smoke: ok, numerics: eq, speedup: -0.05, interval: { low: -0.08, high: -0.02, level: 0.95 } });
    expect(slow).toEqual({ verdict: 'rejected', reason: 'speed-up \u22125.0% [\u22128.0%, \u22122.0%] below the 1% minimum' });
    const d = decideVerdict({
      smoke: ok, numerics: eq, speedup: 0.004, interval: { low: -0.012, high: 0.02, level: 0.95 },
      spent: { pairs: 14, spentMs: 118_400, budgetMs: 120_000, stopped: 'budget' },
    });
    expect(d).toEqual({ verdict: 'inconclusive', reason: 'speed-up +0.4% [\u22121.2%, +2.0%] undecided against the 1% minimum after 14 pairs (118 s of the 120 s budget); retried later with a larger budget' });
    const edge = decideVerdict({ smoke: ok, numerics: eq, speedup: 0.05, interval: { low: 0.01, high: 0.09, level: 0.95 } });
    expect(edge.verdict).toBe('inconclusive');
    const custom = decideVerdict({ smoke: ok, numerics: eq, speedup: 0.05, interval: { low: 0.03, high: 0.09, level: 0.95 }, minGain: 0.05 });
    expect(custom.reason).toBe('speed-up +5.0% [+3.0%, +9.0%] undecided against the 5% minimum; retried later with a larger budget');
  });

  it('memory guard: refuses a candidate whose peak RSS grows past the limit, shows both sides when accepted', () => {
    const fast = { smoke: ok, numerics: eq, speedup: 0.25, interval: { low: 0.2, high: 0.3, level: 0.95 } };
    expect(decideVerdict({ ...fast, memory: { baselineMb: 400, candidateMb: 900 } })).toEqual({
      verdict: 'rejected', reason: 'memory guard: peak RSS 400 MiB \u2192 900 MiB (+125.0%), above the 20% limit',
    });
    expect(decideVerdict({ ...fast, memory: { baselineMb: 400, candidateMb: 900 }, maxRssIncrease: 2 }).verdict).toBe('accepted');
    // a small workload's few MiB are below the slack, whatever the percentage
    expect(decideVerdict({ ...fast, memory: { baselineMb: 20, candidateMb: 40 } }).verdict).toBe('accepted');
    expect(decideVerdict({ ...fast, memory: { baselineMb: 400, candidateMb: 410 } }).reason)
      .toBe('speed-up +25.0% [+20.0%, +30.0%], numerics equal over 2 steps, peak RSS 400 MiB \u2192 410 MiB');
    expect(decideVerdict({ ...fast, memory: { baselineMb: null, candidateMb: 900 } }).verdict).toBe('accepted');
  });

  it('smoke failure comes first, then numerics, then the unknown-numerics rule', () => {
    const fast = { speedup: 0.5, interval: { low: 0.4, high: 0.6, level: 0.95 } };
    expect(decideVerdict({ smoke: { ok: false, reason: 'exit 1: boom' }, numerics: eq, ...fast }).reason).toBe('smoke test failed: exit 1: boom');
    const changed = compareLosses([[1, 2, 3, 1.8]], [[1, 2, 3, 1.8378]]);
    expect(decideVerdict({ smoke: ok, numerics: changed, ...fast })).toEqual({ verdict: 'rejected', reason: 'numerics changed: loss at step 3 differs by 2.1e-2' });
    const unknown = compareLosses([[]], [[]]);
    expect(decideVerdict({ smoke: ok, numerics: unknown, ...fast }).verdict).toBe('rejected');
    const allowed = decideVerdict({ smoke: ok, numerics: unknown, ...fast, allowUnverifiedNumerics: true });
    expect(allowed).toEqual({ verdict: 'accepted', reason: 'speed-up +50.0% [+40.0%, +60.0%], numerics not checked' });
  });
});
