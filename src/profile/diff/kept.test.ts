// A diff side through its kept (binary) form gives the same diff as the models it came from.
import { describe, expect, it } from 'vitest';
import { decodeKeptBinary, encodeKeptBinary } from '../cache/results.js';
import { ModelBuilder } from '../queries/model-builder.js';
import { diffProfiles, diffSide, diffSides } from './diff.js';
import { packDiffSide, unpackDiffSide } from './kept.js';

const U = 1000;
function stepped(extraUs: number, newKernel = false) {
  const b = new ModelBuilder();
  let t = 0;
  for (let j = 0; j < 10; j++) {
    const gemm = (600 + extraUs) * U + ((j * 7919) % 11 - 5) * 2 * U;
    b.range(`step ${j}`, t, t + gemm + 400 * U, { tid: 1 });
    b.kernel('gemm', t, t + gemm);
    b.kernel('elementwise_add', t + gemm, t + gemm + 100 * U);
    if (newKernel) b.kernel('direct_copy_kernel', t + gemm + 100 * U, t + gemm + 150 * U);
    b.copy(t + 5 * U, t + 9 * U, { bytes: 4096 });
    t += gemm + 400 * U;
  }
  return b.build();
}
const flat = (us: number) => new ModelBuilder().kernel('a', 0, us * U).kernel('b', us * U, 2 * us * U).build();
const kept = (m: ReturnType<typeof flat>) => unpackDiffSide(decodeKeptBinary(encodeKeptBinary(packDiffSide(diffSide(m)))));

describe('kept diff sides', () => {
  it('give the same diff as the models, stepped or whole-profile', () => {
    for (const [a, b] of [[stepped(0), stepped(80, true)], [stepped(30), stepped(0)], [flat(100), flat(120)]] as const) {
      expect(diffSides(kept(a), kept(b))).toEqual(diffProfiles(a, b));
      expect(diffSides(kept(a), diffSide(b), { limit: 3, minEffectPct: 5 })).toEqual(diffProfiles(a, b, { limit: 3, minEffectPct: 5 }));
    }
  });

  it('keep what a CPU-only side held (data loading, operator and Python self time), for the same CPU diff', () => {
    const cpu = (loadUs: number) => {
      const b = new ModelBuilder();
      let t = 0;
      for (let j = 0; j < 8; j++) {
        const load = (loadUs + ((j * 7919) % 11 - 5) * 2) * U;
        b.range(`ProfilerStep#${j}`, t, t + load + 500 * U, { tid: 1 });
        b.cpuEvent('enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__', t, t + load, { kind: 2, tid: 1 });
        b.py('train.py', 20, 'collate', t + U, t + load - U, { tid: 1 });
        b.op('aten::mm', t + load, t + load + 500 * U, { tid: 1 });
        t += load + 500 * U;
      }
      return b.build('cpu.json', 'kineto-json');
    };
    const [a, b] = [cpu(400), cpu(700)];
    expect(kept(a).cpu?.ops.totals.get('aten::mm')).toEqual({ totalNs: 8 * 500 * U, count: 8 });
    const d = diffSides(kept(a), kept(b));
    expect(d).toEqual(diffProfiles(a, b));
    expect(d.cpu?.metrics.find((m) => m.metric === 'data loading')?.significant).toBe(true);
  });

  it('keep whole-profile metrics only for a side of fewer than two steps; a diff needing them of another says so', () => {
    expect(kept(flat(100)).whole).toBeDefined();
    const side = kept(stepped(0));
    expect(side.whole).toBeUndefined();
    expect(() => diffSides(side, kept(flat(100)))).toThrow(/has no whole-profile metrics/);
  });

  it('rejects another version or missing series', () => {
    const p = packDiffSide(diffSide(stepped(0)));
    expect(() => unpackDiffSide({ header: { ...(p.header as object), version: 99 }, arrays: p.arrays })).toThrow(/version/);
    expect(() => unpackDiffSide({ header: p.header, arrays: p.arrays.slice(0, 5) })).toThrow(/missing/);
  });
});
