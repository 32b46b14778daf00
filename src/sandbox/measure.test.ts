import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PYTHON, TOY_TRAIN, write } from '../../test/support/sandbox-fixtures.js';
import { measureInterleaved } from './measure.js';

const root = mkdtempSync(join(tmpdir(), 'sysight-measure-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
function side(name: string, script: string): string {
  const d = join(root, name);
  write(d, 'train.py', script);
  return d;
}
/** The toy without the timing file: only stdout lines carry times. */
const STDOUT_ONLY = TOY_TRAIN.replace("tf = os.environ.get('SYSIGHT_TIMING_FILE')", 'tf = None');
/** Neither timing file nor time in stdout: wall time is all there is. */
const WALL_ONLY = STDOUT_ONLY.replace(', time {dt:.2f} ms', '');

describe('measureInterleaved', () => {
  // 30 ms against 1 ms of sleep per step: a gap that scheduling delays on a busy machine cannot close
  const a = side('a', TOY_TRAIN.replace('SLEEP = 0.004', 'SLEEP = 0.03'));
  const b = side('b', TOY_TRAIN.replace('SLEEP = 0.004', 'SLEEP = 0.001'));

  it('runs pairs in ABBA order with one seed, reports losses per run, and stops when the interval decides', async () => {
    const order: string[] = [];
    const m = await measureInterleaved({
      command: [PYTHON, 'train.py'], baselineDir: a, candidateDir: b, runs: 3, warmup: 2, seed: 5, lossSteps: 4,
      onProgress: (e) => order.push(e.message),
    });
    // decided at the first look
    expect(order).toEqual([
      'measuring: baseline run 1/3', 'measuring: candidate run 1/3',
      'measuring: candidate run 2/3', 'measuring: baseline run 2/3',
      'measuring: baseline run 3/3', 'measuring: candidate run 3/3',
    ]);
    expect(m.measurement.stopped).toBe('decided');
    expect(m.measurement.speedupInterval.low).toBeGreaterThan(0.01);
    expect(m.measurement.source).toBe('shim');
    expect(m.measurement.runs).toBe(3);
    expect(m.baselineLosses).toHaveLength(3);
    expect(m.baselineLosses[0]).toHaveLength(4);
    expect(m.candidateLosses).toEqual(m.baselineLosses); // same seed, same arithmetic
    expect(m.baselineLosses[0]![0]).toBeCloseTo((2.0 + 5 * 0.01) * 0.9 + 0.01, 12);
  });

  // Every step exactly 1 ms on both sides (the script writes its own clock): the per-pair ratio is exactly
  // 1, so the interval is [0%, 0%] at every look — decided below a 1% minimum, never decided against 0%.
  const FIXED = `import os
tf = os.environ.get('SYSIGHT_TIMING_FILE')
with open(tf, 'w') as f:
    for i in range(6):
        f.write(f"{i} {i * 1000000}\\n")
held = b'x' * (int(os.environ.get('HOLD_MB', '0')) << 20)
print('loss 1.0')
`;
  const f1 = side('f1', FIXED);
  const f2 = side('f2', FIXED);
  it('keeps adding pairs while the interval is undecided, up to the pair cap or the budget', async () => {
    const base = { command: [PYTHON, 'train.py'], baselineDir: f1, candidateDir: f2, runs: 2 };
    const rejected = await measureInterleaved({ ...base, minGain: 0.01 });
    expect(rejected.measurement).toMatchObject({ runs: 2, stopped: 'decided', speedup: 0 });
    const capped = await measureInterleaved({ ...base, minGain: 0, maxPairs: 5 });
    expect(capped.measurement).toMatchObject({ runs: 5, stopped: 'max-pairs' });
    const budget = await measureInterleaved({ ...base, minGain: 0, budgetMs: 1 });
    expect(budget.measurement).toMatchObject({ runs: 2, stopped: 'budget', budgetMs: 1 });
    expect(budget.measurement.spentMs).toBeGreaterThan(1);
  });

  it('records the peak RSS of each run (the shim writes it at exit)', async () => {
    const f3 = side('f3', FIXED.replace("os.environ.get('HOLD_MB', '0')", "'150'"));
    const m = await measureInterleaved({ command: [PYTHON, 'train.py'], baselineDir: f1, candidateDir: f3, runs: 2, minGain: 0.01 });
    for (const s of m.samples) expect(s.peakRssMb).toBeGreaterThan(1);
    expect(m.measurement.candidatePeakRssMb! - m.measurement.baselinePeakRssMb!).toBeGreaterThan(140);
  });

  it('falls back to stdout, then wall time', async () => {
    const s = await measureInterleaved({ command: [PYTHON, 'train.py'], baselineDir: side('s1', STDOUT_ONLY), candidateDir: side('s2', STDOUT_ONLY), runs: 1 });
    expect(s.measurement.source).toBe('stdout');
    const w = await measureInterleaved({ command: [PYTHON, 'train.py'], baselineDir: side('w1', WALL_ONLY), candidateDir: side('w2', WALL_ONLY), runs: 1, steps: 6 });
    expect(w.measurement.source).toBe('wall');
    expect(w.measurement.baselineMs[0]).toBeGreaterThan(4); // 6 steps of >= 4 ms plus start-up, divided by 6
  });
});
