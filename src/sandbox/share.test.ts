// The CPU-share correction on simulated runs: a scheduler that gives each runnable process an equal share of
// the cores, a workload whose patch moves its data work into two worker processes, and the same sequential
// verdict the trials use. On an idle machine the workers' gain is made (cores were free) and stays; on a
// saturated one it is taken from the other jobs and must not show as a speed-up.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { mulberry32 } from '../core/random.js';
import { stepClock } from '../pipeline/round.js';
import { logRatios, sequentialLook } from './sequential.js';
import { describeShare, runShare, shareCorrected, shareFactor, type RunShare } from './share.js';
import { readCpuShare, readTimings } from './shim.js';

const CORES = 2;

/**
 * One run on a machine with `others` busy processes: `procs` runnable processes of the workload share the
 * cores equally with them; `workMs` CPU per step spread over them. Returns the step statistic and the share.
 */
function simulate(rand: () => number, others: number, procs: number, workMs: number): { ms: number; share: RunShare } {
  const noise = Math.exp((rand() - 0.5) * 0.2);
  const perProc = Math.min(1, CORES / (others + procs));
  const cores = procs * perProc;
  const idle = Math.max(0, CORES - Math.min(CORES, others + procs));
  return { ms: (workMs / cores) * noise, share: { cores, idleCores: idle } };
}

/** Pairs of baseline (one process) and candidate (two workers, 5% more CPU for the hand-off). */
function trial(seed: number, others: number, pairs = 12, candidateProcs = 2, candidateWork = 105) {
  const rand = mulberry32(seed);
  const b = Array.from({ length: pairs }, () => simulate(rand, others, 1, 100));
  const c = Array.from({ length: pairs }, () => simulate(rand, others, candidateProcs, candidateWork));
  const raw = sequentialLook(logRatios(b.map((x) => x.ms), c.map((x) => x.ms)), 0.01)!;
  const fair = shareCorrected(b.map((x) => x.ms), c.map((x) => x.ms), b.map((x) => x.share), c.map((x) => x.share));
  const look = sequentialLook(logRatios(fair.baseline, fair.candidate), 0.01)!;
  return { raw, look, summary: fair.summary };
}

describe('CPU-share correction of the wall clock', () => {
  it('on a saturated machine a workers patch wins on the raw wall clock but is never accepted once corrected', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const t = trial(seed, 6);
      // what the loaded bench accepted: more processes, a larger share of the busy cores
      expect(t.raw.decision).toBe('accept');
      expect(t.raw.speedup).toBeGreaterThan(0.5);
      expect(t.look.decision).not.toBe('accept');
      // corrected, it is the CPU per step of the whole process tree: 5% more work, so about 5% slower (±noise)
      expect(t.look.speedup).toBeLessThan(0.03);
      expect(t.summary!.candidateFactor).toBeGreaterThan(1.5);
    }
  });

  it('on a machine with idle cores the same patch keeps its wall-clock gain (nothing was taken)', () => {
    for (let seed = 1; seed <= 20; seed++) {
      const t = trial(seed, 0);
      expect(t.summary!.candidateFactor).toBe(1);
      expect(t.look.speedup).toBeCloseTo(t.raw.speedup, 10);
      expect(t.look.decision).toBe('accept');
    }
  });

  it('with one free core of two the workers are credited with the one core they could have had', () => {
    // a single other busy process: the baseline used 1 core and left 0 idle; two workers get 2 of 3 shares
    const f = shareFactor({ cores: 4 / 3, idleCores: 0 }, { cores: 1, idleCores: 0 });
    expect(f).toBeCloseTo(4 / 3, 10);
  });

  it('leaves a patch that adds no process alone under load (less work, same share)', () => {
    for (let seed = 1; seed <= 10; seed++) {
      const t = trial(seed, 6, 12, 1, 60);
      expect(t.summary!.candidateFactor).toBe(1);
      expect(t.summary!.baselineFactor).toBe(1);
      expect(t.look.decision).toBe('accept');
    }
  });

  it('changes nothing when a run has no share recorded', () => {
    const r = shareCorrected([10, 11], [5, 6], [{ cores: 1, idleCores: 0 }, null], [{ cores: 3, idleCores: 0 }, { cores: 3, idleCores: 0 }]);
    expect(r).toEqual({ baseline: [10, 11], candidate: [5, 6], summary: null });
  });

  it('says what it did in one clause, and nothing when the factor is 1', () => {
    const t = trial(3, 6);
    expect(describeShare(t.summary!)).toMatch(/^wall clock credited only with cores that were free: the candidate's processes used \d\.\d\d cores, the baseline's \d\.\d\d with 0\.00 idle, so candidate steps count ×\d\.\d\d$/);
    expect(describeShare(trial(3, 0).summary!)).toBeNull();
  });
});

describe('reading the shares', () => {
  it('reads tree CPU and idle time per step from a timing file and keeps the step times readable', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysight-share-'));
    try {
      const f = join(dir, 't.txt');
      // steps of 100 ms wall; the tree used 150 ms CPU each; the machine had 20 ms idle per step; torn last line
      writeFileSync(f, ['0 1000000000 5 2000000000 9000000000', '1 1100000000 7 2150000000 9020000000', '2 1200000000 9 2300000000 9040000000', '3 1300000000 11 2450000000 9060000000', '4 13'].join('\n'));
      const steps = readCpuShare(f);
      expect(steps).toHaveLength(3);
      expect(steps[0]).toEqual({ wallMs: 100, treeCpuMs: 150, idleMs: 20 });
      expect(readTimings(f)).toEqual([100, 100, 100]);
      const s = runShare(steps, 1)!;
      expect(s.cores).toBeCloseTo(1.5, 10);
      expect(s.idleCores).toBeCloseTo(0.2, 10);
      writeFileSync(f, '0 1000 5\n1 2000 7\n');
      expect(readCpuShare(f)).toEqual([]);
      expect(runShare([], 2)).toBeNull();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('times C1 patches (and stacks holding one) on the corrected wall clock, others as before', () => {
    expect(stepClock(false, [{ category: 'C1' }])).toBe('fair');
    expect(stepClock(true, [{ category: 'C7' }, { category: 'C1' }])).toBe('fair');
    expect(stepClock(false, [{ category: 'C7' }])).toBe('cpu');
    expect(stepClock(true, [{ category: 'C7' }])).toBe('wall');
  });
});
