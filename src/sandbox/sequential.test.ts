import { describe, expect, it } from 'vitest';
import { mulberry32 } from './stats.js';
import { alphaAtLook, logRatios, sequentialLook, tCdf, tQuantile } from './sequential.js';

describe('Student t', () => {
  it('matches tabulated quantiles', () => {
    expect(tQuantile(0.975, 2)).toBeCloseTo(4.3027, 3);
    expect(tQuantile(0.975, 9)).toBeCloseTo(2.2622, 3);
    expect(tQuantile(0.995, 1)).toBeCloseTo(63.657, 2);
    expect(tQuantile(0.975, 100)).toBeCloseTo(1.984, 3);
    expect(tQuantile(0.025, 5)).toBeCloseTo(-2.5706, 3);
    expect(tCdf(2.228, 10)).toBeCloseTo(0.975, 3);
  });
  it('spends the error over looks: the sum stays below alpha', () => {
    let sum = 0;
    for (let k = 1; k <= 100_000; k++) sum += alphaAtLook(k, 0.05);
    expect(sum).toBeLessThan(0.05);
    expect(sum).toBeGreaterThan(0.0499);
  });
});

describe('sequentialLook', () => {
  it('waits for minPairs, then decides on either side of the minimum gain', () => {
    expect(sequentialLook(logRatios([100, 100], [80, 80]), 0.01)).toBeNull();
    const fast = sequentialLook(logRatios([100, 101, 99, 100], [80, 81, 79, 80.5]), 0.01)!;
    expect(fast.decision).toBe('accept');
    expect(fast.speedup).toBeCloseTo(0.245, 2);
    expect(fast.interval.low).toBeGreaterThan(0.01);
    const slow = sequentialLook(logRatios([100, 101, 99, 100], [110, 111, 109, 110.5]), 0.01)!;
    expect(slow.decision).toBe('reject');
    expect(slow.interval.high).toBeLessThan(0.01);
    const noisy = sequentialLook(logRatios([100, 130, 90], [95, 100, 120]), 0.01)!;
    expect(noisy.decision).toBe('continue');
    expect(noisy.interval.low).toBeLessThan(0.01);
    expect(noisy.interval.high).toBeGreaterThan(0.01);
  });
  it('widens the interval at later looks for the same spread (error spent per look)', () => {
    const d = [0.05, 0.02, 0.08, 0.03, 0.06, 0.04];
    const a = sequentialLook(d, 0.01, { minPairs: 6 })!; // look 1
    const b = sequentialLook(d, 0.01, { minPairs: 2 })!; // look 5
    expect(b.interval.high - b.interval.low).toBeGreaterThan(a.interval.high - a.interval.low);
  });
});

/**
 * One simulated trial of a busy machine: per-run ms = true ms · exp(N(0, σ)), and with probability
 * `spike` a run is slowed by a further 20–100% (another job took the core). Looks after every pair until
 * a decision or `maxPairs`.
 */
function simulate(trueSpeedup: number, rand: () => number, decide: (d: number[]) => 'accept' | 'reject' | 'continue', o: { sigma: number; spike: number; maxPairs: number }): 'accept' | 'reject' | 'continue' {
  const gauss = (): number => {
    const u = Math.max(rand(), 1e-12);
    return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * rand());
  };
  const run = (ms: number): number => ms * Math.exp(o.sigma * gauss()) * (rand() < o.spike ? 1.2 + 0.8 * rand() : 1);
  const d: number[] = [];
  for (let i = 0; i < o.maxPairs; i++) {
    d.push(Math.log(run(100) / run(100 / (1 + trueSpeedup))));
    const v = decide(d);
    if (v !== 'continue') return v;
  }
  return 'continue';
}

function rate(trueSpeedup: number, decide: (d: number[]) => 'accept' | 'reject' | 'continue', o: { sigma: number; spike: number; maxPairs: number }, sims: number, seed: number) {
  const rand = mulberry32(seed);
  const n = { accept: 0, reject: 0, continue: 0 };
  for (let s = 0; s < sims; s++) n[simulate(trueSpeedup, rand, decide, o)]++;
  return { accept: n.accept / sims, reject: n.reject / sims, inconclusive: n.continue / sims };
}

describe('false-accept rate under optional stopping (simulated, a look after every pair)', () => {
  const minGain = 0.01;
  const ours = (d: number[]) => sequentialLook(d, minGain)?.decision ?? 'continue';
  // "sample until significant": a fixed 95% t interval looked at after every pair — the procedure the
  // confidence sequence replaces. It must fail the same bound, or this simulation could not tell.
  const naive = (d: number[]) => {
    if (d.length < 3) return 'continue' as const;
    const n = d.length;
    const mean = d.reduce((a, b) => a + b, 0) / n;
    const sd = Math.sqrt(d.reduce((a, b) => a + (b - mean) ** 2, 0) / (n - 1));
    const h = tQuantile(0.975, n - 1) * sd / Math.sqrt(n);
    return Math.exp(mean - h) - 1 > minGain ? 'accept' as const : Math.exp(mean + h) - 1 < minGain ? 'reject' as const : 'continue' as const;
  };
  const machines = [
    { name: 'quiet (3% noise)', sigma: 0.03, spike: 0, maxPairs: 40 },
    { name: 'busy (5% noise, 10% of runs slowed 20-100%)', sigma: 0.05, spike: 0.1, maxPairs: 40 },
    { name: 'very busy (8% noise, 20% of runs slowed 20-100%)', sigma: 0.08, spike: 0.2, maxPairs: 40 },
  ];
  for (const m of machines) {
    it(`${m.name}: a patch exactly at the minimum gain is accepted at most alpha/2 = 2.5% of the time`, () => {
      const r = rate(minGain, ours, m, 3000, 7);
      expect(r.accept).toBeLessThan(0.025);
      // the naive procedure exceeds the bound on the same machine
      expect(rate(minGain, naive, m, 3000, 7).accept).toBeGreaterThan(0.025);
    });
    it(`${m.name}: a no-op patch or a 5% slow-down is accepted well under 1% of the time`, () => {
      expect(rate(0, ours, m, 2000, 11).accept).toBeLessThan(0.01);
      expect(rate(-0.05, ours, m, 2000, 13).accept).toBeLessThan(0.005);
    });
  }
  it('finds real speed-ups: +15% on the quiet machine, +30% on the busy one, within 40 pairs', () => {
    const q = rate(0.15, ours, machines[0]!, 500, 17);
    expect(q.accept).toBeGreaterThan(0.95);
    const b = rate(0.3, ours, machines[1]!, 500, 19);
    expect(b.accept).toBeGreaterThan(0.85);
    expect(q.reject + b.reject).toBe(0);
  });
});
