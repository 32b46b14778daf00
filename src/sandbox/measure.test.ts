import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { PYTHON, TOY_TRAIN, write } from '../../test/helpers/sandbox-fixtures.js';
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
  const a = side('a', TOY_TRAIN);
  const b = side('b', TOY_TRAIN.replace('SLEEP = 0.004', 'SLEEP = 0.001'));

  it('runs A B A B with one seed, reports losses per run, and orders progress', async () => {
    const order: string[] = [];
    const m = await measureInterleaved({
      command: [PYTHON, 'train.py'], baselineDir: a, candidateDir: b, runs: 3, warmup: 2, seed: 5, lossSteps: 4,
      onProgress: (e) => order.push(e.message),
    });
    expect(order).toEqual([1, 2, 3].flatMap((i) => [`measuring: baseline run ${i}/3`, `measuring: candidate run ${i}/3`]));
    expect(m.measurement.source).toBe('shim');
    expect(m.measurement.runs).toBe(3);
    expect(m.baselineLosses).toHaveLength(3);
    expect(m.baselineLosses[0]).toHaveLength(4);
    expect(m.candidateLosses).toEqual(m.baselineLosses); // same seed, same arithmetic
    expect(m.baselineLosses[0]![0]).toBeCloseTo((2.0 + 5 * 0.01) * 0.9 + 0.01, 12);
  });

  it('falls back to stdout, then wall time', async () => {
    const s = await measureInterleaved({ command: [PYTHON, 'train.py'], baselineDir: side('s1', STDOUT_ONLY), candidateDir: side('s2', STDOUT_ONLY), runs: 1 });
    expect(s.measurement.source).toBe('stdout');
    const w = await measureInterleaved({ command: [PYTHON, 'train.py'], baselineDir: side('w1', WALL_ONLY), candidateDir: side('w2', WALL_ONLY), runs: 1, steps: 6 });
    expect(w.measurement.source).toBe('wall');
    expect(w.measurement.baselineMs[0]).toBeGreaterThan(4); // 6 steps of >= 4 ms plus start-up, divided by 6
  });

  it('extends once to maxRuns only when asked', async () => {
    const base = { command: [PYTHON, 'train.py'], baselineDir: a, candidateDir: b, runs: 2, maxRuns: 4 };
    expect((await measureInterleaved({ ...base, extendIf: () => false })).measurement.runs).toBe(2);
    const seen: number[] = [];
    const m = await measureInterleaved({ ...base, extendIf: (x) => { seen.push(x.runs); return true; } });
    expect(seen).toEqual([2]);
    expect(m.measurement.runs).toBe(4);
    expect(m.measurement.candidateMs).toHaveLength(4);
  });
});
