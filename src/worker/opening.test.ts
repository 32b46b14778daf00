// The dashboard's opening as the worker keeps and sends it: the overview comes back whole after its steps were
// packed, kept in binary and read back; a kept answer of another form is refused.
import { describe, expect, it } from 'vitest';
import { type ProfileOverview, unpackIterations } from '../core/overview.js';
import { decodeKeptBinary, encodeKeptBinary } from '../profile/cache/results.js';
import { ModelBuilder } from '../profile/queries/model-builder.js';
import { buildOverview } from '../profile/overview.js';
import { decodeOpening, encodeOpening, splitOverview } from './opening.js';

const M = 1e6;
function overview(labels: string[]): ProfileOverview {
  const b = new ModelBuilder();
  labels.forEach((label, i) => b.range(label, i * 10 * M, (i * 10 + 9) * M, { tid: 1 }).kernel('k', i * 10 * M, (i * 10 + 5) * M));
  return buildOverview(b.build(), { bins: 50 });
}
const roundTrip = (o: ProfileOverview, replays = 0) =>
  decodeOpening(decodeKeptBinary(encodeKeptBinary(encodeOpening({ replays, gpuProcesses: 1, overview: splitOverview(o) }))));

describe('the dashboard opening', () => {
  it('gives back the overview with every step, labels of any text included', () => {
    const built = overview(['ProfilerStep#1', 'ProfilerStep#2', 'ProfilerStep#3']);
    expect(built.iterations.length).toBe(3);
    // labels as an NVTX range may give them
    const o = { ...built, iterations: [...built.iterations, { label: 'étape «4» 🚀', startNs: 40 * M, endNs: 41 * M }, { label: '', startNs: 41 * M, endNs: 45.5 * M }] };
    const back = roundTrip(o);
    expect(back.overview!.rest.iterations).toEqual([]);
    expect({ ...back.overview!.rest, iterations: unpackIterations(back.overview!.steps) }).toEqual(o);
  });

  it('keeps the counts alone for a profile whose overview is not kept, and refuses another form', () => {
    const counts = decodeOpening(decodeKeptBinary(encodeKeptBinary(encodeOpening({ replays: 3, gpuProcesses: 2 }))));
    expect(counts).toEqual({ replays: 3, gpuProcesses: 2 });
    expect(() => decodeOpening({ header: { replays: 1 }, arrays: [] })).toThrow(/not a dashboard opening/);
    const kept = encodeOpening({ replays: 0, gpuProcesses: 1, overview: splitOverview(overview(['a', 'b'])) });
    expect(() => decodeOpening({ ...kept, arrays: kept.arrays.slice(0, 2) })).toThrow(/not a dashboard opening of this version/);
  });
});
