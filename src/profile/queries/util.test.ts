import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ModelBuilder } from './model-builder.js';
import {
  TopN, intersectLength, stripRangeArgs, mergeIntervals, nextStartAfter, overlapLength, percentile, sortedOrder, stripApiSuffix,
  unionIntervals, covers, nameFlags, runtimeRowsFor,
} from './util.js';

const iv = (pairs: Array<[number, number]>) => ({
  length: pairs.length, start: Float64Array.from(pairs, (p) => p[0]), end: Float64Array.from(pairs, (p) => p[1]),
});

describe('util', () => {
  it('strips runtime API version suffixes', () => {
    expect(stripApiSuffix('cudaLaunchKernel_v7000')).toBe('cudaLaunchKernel');
    expect(stripApiSuffix('cudaMemcpyAsync_ptsz_v7000')).toBe('cudaMemcpyAsync');
    expect(stripApiSuffix('cudaStreamSynchronize')).toBe('cudaStreamSynchronize');
    expect(stripApiSuffix('my_v2_func')).toBe('my_v2_func');
  });

  it('strips PyTorch emit_nvtx arguments from range names', () => {
    expect(stripRangeArgs('aten::linear, op_id = 314300')).toBe('aten::linear');
    expect(stripRangeArgs('aten::add, seq = 12, op_id = 40, sizes = [[2, 3], [2, 3]]')).toBe('aten::add');
    expect(stripRangeArgs('forward, step 3')).toBe('forward, step 3');
    expect(stripRangeArgs('ProfilerStep#4')).toBe('ProfilerStep#4');
  });

  it('percentile interpolates linearly like numpy', () => {
    expect(percentile([1, 2, 3, 4], 50)).toBe(2.5);
    expect(percentile([10, 20, 30, 40], 99)).toBeCloseTo(39.7, 10);
    expect(percentile([5], 90)).toBe(5);
    expect(percentile([], 50)).toBe(0);
  });

  it('merges, unions and intersects intervals', () => {
    const start = Float64Array.from([0, 50, 300, 310]);
    const end = Float64Array.from([100, 200, 320, 315]);
    const m = mergeIntervals(start, end, Int32Array.from([0, 1, 2, 3]));
    expect(Array.from(m.start)).toEqual([0, 300]);
    expect(Array.from(m.end)).toEqual([200, 320]);
    const u = unionIntervals(m, iv([[150, 250], [400, 500]]));
    expect(Array.from(u.start)).toEqual([0, 300, 400]);
    expect(Array.from(u.end)).toEqual([250, 320, 500]);
    expect(intersectLength(m, iv([[100, 310], [319, 400]]))).toBe(100 + 10 + 1);
    expect(overlapLength(m, 150, 305)).toBe(55);
    expect(nextStartAfter(m, 250)).toBe(300);
    expect(nextStartAfter(m, 400)).toBe(Infinity);
    expect(covers(m, 199)).toBe(true);
    expect(covers(m, 200)).toBe(false);
  });

  it('sortedOrder equals a stable comparator sort (radix path and fractional path)', () => {
    fc.assert(fc.property(fc.array(fc.integer({ min: 0, max: 2 ** 40 }), { maxLength: 300 }), fc.boolean(), (xs, frac) => {
      const key = Float64Array.from(xs, (x) => (frac ? x + 0.5 : x));
      const expected = xs.map((_, i) => i).sort((a, b) => key[a]! - key[b]! || a - b);
      expect(Array.from(sortedOrder(key))).toEqual(expected);
    }));
    const key = Float64Array.from([5, 1, 4, 1, 3]);
    expect(Array.from(sortedOrder(key, Int32Array.from([0, 2, 3])))).toEqual([3, 2, 0]);
  });

  it('joins a small table to its runtime calls, preferring the row\'s own process', () => {
    const b = new ModelBuilder();
    b.api('cudaMemcpy', 0, 1, { pid: 2, correlationId: 5 }).api('cudaMemcpy', 0, 1, { pid: 1, correlationId: 5 });
    b.api('cudaMemcpyAsync', 0, 1, { pid: 1, correlationId: 6 }).api('cudaLaunchKernel', 0, 1, { pid: 1, correlationId: 7 });
    b.copy(0, 1, { pid: 1, correlationId: 5 }).copy(0, 1, { pid: 1, correlationId: 6 }).copy(0, 1, { pid: 1, correlationId: 8 });
    const m = b.build();
    expect(Array.from(runtimeRowsFor(m, m.memcpy, nameFlags(m, (n) => n === 'cudaMemcpy')))).toEqual([1, -1, -1]);
    expect(Array.from(runtimeRowsFor(m, m.memcpy, () => true))).toEqual([1, 2, -1]);
  });

  it('TopN keeps the largest scores in order', () => {
    const t = new TopN<string>(2);
    for (const [s, v] of [[1, 'a'], [5, 'b'], [3, 'c'], [4, 'd']] as const) t.add(s, v);
    expect(t.values()).toEqual(['b', 'd']);
  });
});
