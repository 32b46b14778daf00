import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { basicInstrumentation, parseLossText, parseTimingText } from './instrument.js';
import { perRunStatistics, type RunSample } from './measure.js';

describe('timing and loss parsing', () => {
  it('reads end-of-step timestamps as consecutive differences', () => {
    const t0 = 1_700_000_000_000_000_000;
    const text = [0, 1, 2, 3].map((i) => `${i} ${t0 + [0, 10e6, 22e6, 31e6][i]!}`).join('\n');
    const ms = parseTimingText(`${text}\n`);
    expect(ms.map((x) => Math.round(x))).toEqual([10, 12, 9]);
  });

  it('reads any clock (small monotonic readings too), a third cpu column, and skips a torn last line', () => {
    expect(parseTimingText('0 5000000 1\n1 6000000 2\n2 9000000 3\n3 90')).toEqual([1, 3]);
    expect(parseTimingText('')).toEqual([]);
    expect(parseTimingText('0 100\n')).toEqual([]);
  });

  it('losses: one per line', () => {
    expect(parseLossText('2.5\n2.25\n\n2.0\n')).toEqual([2.5, 2.25, 2.0]);
  });

  it('stdout: nanoGPT lines give times and losses', () => {
    const inst = basicInstrumentation();
    const out = 'step 0: train loss 4.2, val loss 4.3\niter 0: loss 4.1800, time 1203.50ms, mfu -100.00%\niter 1: loss 3.9000, time 98.20ms, mfu 1.0%\nnoise\n';
    expect(inst.stepMsFromStdout(out)).toEqual([1203.5, 98.2]);
    expect(inst.lossesFromStdout(out)).toEqual([4.18, 3.9]); // the eval line is not a training loss
    expect(inst.lossesFromStdout("step 3 | loss=2.5e-1 | 3 ms\n{'loss': 1.25, 'epoch': 0}")).toEqual([0.25, 1.25]);
    expect(inst.lossesFromStdout('iter 0: loss 4.1800, time 1.0 ms\niter 1: loss nan, time 1 ms')).toEqual([4.18, NaN]);
  });

  it('env follows the shim contract and prepends the shim dir to PYTHONPATH', () => {
    const env = basicInstrumentation({ shimDir: '/shim' }).env({ timingFile: '/t', lossFile: '/l', lossSteps: 7, seed: 3, maxSteps: 5 });
    expect(env).toMatchObject({ SYSIGHT_TIMING_FILE: '/t', SYSIGHT_LOSS_FILE: '/l', SYSIGHT_LOSS_STEPS: '7', SYSIGHT_SEED: '3', SYSIGHT_MAX_STEPS: '5' });
    expect(env.PYTHONPATH!.startsWith('/shim')).toBe(true);
    expect(basicInstrumentation().env({ timingFile: '/t', lossFile: '/l', lossSteps: 1, seed: 1 }).PYTHONPATH).toBeUndefined();
  });

  it('missing files read as empty', () => {
    const d = mkdtempSync(join(tmpdir(), 'sysight-inst-'));
    try {
      const inst = basicInstrumentation();
      expect(inst.stepMsFromFile(join(d, 'none'))).toEqual([]);
      writeFileSync(join(d, 'l'), '1.5\n');
      expect(inst.lossesFromFile(join(d, 'l'))).toEqual([1.5]);
    } finally {
      rmSync(d, { recursive: true });
    }
  });
});

describe('per-run statistic', () => {
  const s = (fileMs: number[], stdoutMs: number[], wallMs: number): RunSample => ({
    side: 'baseline', index: 0, fileMs, stdoutMs, losses: [], peakRssMb: null, shares: [],
    result: { code: 0, signal: null, stdoutTail: '', stderrTail: '', truncated: false, wallMs, timedOut: false },
  });
  it('prefers the timing file, dropping warm-up steps', () => {
    expect(perRunStatistics([s([100, 10, 11, 12], [], 0), s([90, 20, 21, 22], [], 0)], 1)).toEqual({ source: 'shim', values: [11, 21] });
  });
  it('falls back to stdout when any run lacks file timings, then to wall time / steps', () => {
    expect(perRunStatistics([s([100, 10, 11], [50, 5, 6, 7], 0), s([], [50, 6, 7, 8], 0)], 1)).toEqual({ source: 'stdout', values: [6, 7] });
    expect(perRunStatistics([s([], [1], 300), s([], [], 200)], 1, 10)).toEqual({ source: 'wall', values: [30, 20] });
  });
});
