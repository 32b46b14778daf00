import { describe, expect, it } from 'vitest';
import { ModelBuilder } from './model-builder.js';
import { formatSteps, stepVariance, stepsQuery } from './steps.js';

const U = 1000;

/** 12 steps of ~500 µs; step 7 also runs a 300 µs `slow_kernel`, a 50 µs copy and idles 100 µs more. */
function withOutlier() {
  const b = new ModelBuilder();
  let t = 0;
  for (let j = 0; j < 12; j++) {
    const len = (500 + (j % 3) * 2) * U + (j === 7 ? 450 * U : 0);
    b.range(`ProfilerStep#${j}`, t, t + len, { tid: 1 });
    b.kernel('gemm', t, t + 400 * U);
    if (j === 7) {
      b.kernel('slow_kernel', t + 400 * U, t + 700 * U);
      b.copy(t + 700 * U, t + 750 * U, { copyKind: 1, bytes: 1 << 20 });
    }
    t += len;
  }
  return b.build();
}

describe('steps', () => {
  it('flags the outlier step by robust z and names what grew, biggest first', () => {
    const r = stepVariance(withOutlier());
    expect(r.count).toBe(12);
    expect(r.medianMs).toBeCloseTo(0.502, 3);
    expect(r.outliers).toHaveLength(1);
    const o = r.outliers[0]!;
    expect(o.index).toBe(7);
    expect(o.z).toBeGreaterThan(3.5);
    expect(o.deltaMs).toBeCloseTo(0.45, 2);
    expect(o.contributors[0]).toMatchObject({ what: 'kernel slow_kernel', deltaMs: 0.3 });
    expect(o.contributors.map((c) => c.what)).toContain('memcpy (GPU time)');
    expect(o.contributors.find((c) => c.what === 'GPU idle (gaps)')!.deltaMs).toBeCloseTo(0.1, 2);
    expect(formatSteps(r)).toContain('Step 7:');
  });

  it('has no outliers in a steady run and explains when there are no steps', () => {
    const b = new ModelBuilder();
    for (let j = 0; j < 8; j++) b.range(`step ${j}`, j * 100, j * 100 + 100, { tid: 1 }).kernel('k', j * 100, j * 100 + 50);
    expect(stepVariance(b.build()).outliers).toEqual([]);
    const none = stepsQuery.run(new ModelBuilder().kernel('a', 0, 5).build(), {});
    expect(none.count).toBe(0);
    expect(none.notes[0]).toMatch(/no steps detected/);
  });
});
