import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIterTimes, readLosses, readTimings, SHIM_VARS, shimDir, shimEnv } from './shim.js';

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sysight-shim-unit-'));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('shimEnv', () => {
  it('puts the shim first on PYTHONPATH, keeps the rest, and sets every variable (empty when unused)', () => {
    const env = shimEnv({ timingFile: '/t/timing.txt', seed: 7, maxSteps: 3 }, { PYTHONPATH: `/a${delimiter}/b` });
    expect(env.PYTHONPATH).toBe([shimDir(), '/a', '/b'].join(delimiter));
    expect(existsSync(join(shimDir(), 'sitecustomize.py'))).toBe(true);
    expect(Object.keys(env).sort()).toEqual(['PYTHONPATH', ...SHIM_VARS].sort());
    expect(env).toMatchObject({
      SYSIGHT_TIMING_FILE: '/t/timing.txt',
      SYSIGHT_SEED: '7',
      SYSIGHT_MAX_STEPS: '3',
      SYSIGHT_LOSS_FILE: '',
      SYSIGHT_TIMING_SYNC: '',
      SYSIGHT_TIMING_TREE: '',
    });
  });

  it('does not add the shim twice and refuses nonsense counts', () => {
    const once = shimEnv({}, {});
    expect(shimEnv({}, { PYTHONPATH: once.PYTHONPATH }).PYTHONPATH).toBe(shimDir());
    expect(() => shimEnv({ maxSteps: 0 }, {})).toThrow('maxSteps must be at least 1');
    expect(() => shimEnv({ seed: 1.5 }, {})).toThrow('seed must be an integer');
  });
});

describe('readTimings / readLosses', () => {
  it('turns step timestamps into n-1 gaps in ms and skips a torn last line', () => {
    const f = join(dir, 'timing.txt');
    writeFileSync(f, '0 1000000000000 5000000\n1 1000012500000 15000000\n2 1000037500000 20000000\n3 10000');
    expect(readTimings(f)).toEqual([12.5, 25]);
    expect(readTimings(f, 'cpu')).toEqual([10, 5]);
  });

  it('returns nothing for a missing or empty file', () => {
    expect(readTimings(join(dir, 'none.txt'))).toEqual([]);
    writeFileSync(join(dir, 'empty.txt'), '');
    expect(readLosses(join(dir, 'empty.txt'))).toEqual([]);
  });

  it('reads losses exactly as Python wrote them, nan and inf included', () => {
    const f = join(dir, 'loss.txt');
    writeFileSync(f, '4.0849928855896\n3.8821961879730225\nnan\ninf\n');
    expect(readLosses(f)).toEqual([4.0849928855896, 3.8821961879730225, NaN, Infinity]);
  });
});

describe('parseIterTimes', () => {
  it('reads nanoGPT-style logs (with or without a space before ms)', () => {
    const out = 'device cpu\niter 0: loss 4.0850, time 43.71 ms\niter 1: loss 3.8822, time 34.52ms, mfu 1.2%\nfinal: x\n';
    expect(parseIterTimes(out)).toEqual([43.71, 34.52]);
  });

  it('reads ms-per-step logs', () => {
    expect(parseIterTimes('step 10 | loss 2.1 | 45.5 ms/step\nstep 20 | loss 2.0 | 44 ms/step\n')).toEqual([45.5, 44]);
    expect(parseIterTimes('[step 3] iteration time: 12.5 ms\n')).toEqual([12.5]);
  });

  it('reads tqdm bars as HF Trainer and Lightning print them, redrawn with \\r', () => {
    const hf = ' 12%|█▏        | 12/100 [00:05<00:40,  2.00it/s]\r 13%|█▎        | 13/100 [00:05<00:40,  2.50it/s]';
    expect(parseIterTimes(hf)).toEqual([500, 400]);
    const lightning = 'Epoch 0:  45%|████▌     | 45/100 [00:10<00:12, 1.50s/it, loss=2.1, v_num=0]';
    expect(parseIterTimes(lightning)).toEqual([1500]);
  });

  it('prefers the first default logger that matches, so two formats are never mixed', () => {
    expect(parseIterTimes('iter 0: loss 1.0, time 10.00 ms\n1/10 [00:01<00:09, 2.00it/s]\n')).toEqual([10]);
  });

  it('uses a given regex: named unit groups, or the first group in ms', () => {
    const out = 'it=1 dt=0.25s\nit=2 dt=0.5s\n';
    expect(parseIterTimes(out, /dt=(?<s>[\d.]+)s/)).toEqual([250, 500]);
    expect(parseIterTimes('took 7 ms\ntook 9 ms\n', 'took (\\d+) ms')).toEqual([7, 9]);
    expect(parseIterTimes('rate 4 it/s', /rate (?<its>\d+) it\/s/)).toEqual([250]);
  });

  it('returns nothing when no logger matches', () => {
    expect(parseIterTimes('hello\nworld\n')).toEqual([]);
  });
});
