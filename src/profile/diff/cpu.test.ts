// Two CPU-only profiles (no kernels, copies or memsets on either side) are compared on what they hold: step time,
// data loading, operator and Python self time per step, by the same noise-aware rule as the GPU diff.
import { describe, expect, it } from 'vitest';
import type { ProfileModel } from '../../core/profile.js';
import { ModelBuilder } from '../queries/model-builder.js';
import { stepMetrics } from '../queries/step-metrics.js';
import { cpuStepMetrics } from './cpu.js';
import { diffProfiles } from './diff.js';
import { formatDiff } from './format.js';

const U = 1000;

interface CpuSpec { steps?: number; loadUs?: number; mmUs?: number; jitter?: number }

/**
 * Steps of a CPU training loop as torch.profiler records it: the DataLoader's __next__ (a Python collate frame
 * holding an aten::stack that holds an aten::cat), then the model's aten::mm, under ProfilerStep#N ranges.
 */
function cpuProfile(spec: CpuSpec = {}): ProfileModel {
  const b = new ModelBuilder();
  let t = 0;
  for (let j = 0; j < (spec.steps ?? 12); j++) {
    const wobble = (((j * 7919) % 11) - 5) * (spec.jitter ?? 2) * U;
    const load = (spec.loadUs ?? 400) * U + wobble;
    const mm = (spec.mmUs ?? 500) * U;
    b.range(`ProfilerStep#${j}`, t, t + load + mm + 50 * U, { tid: 1 });
    b.cpuEvent('enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__', t, t + load, { kind: 2, tid: 1 });
    b.py('train.py', 20, 'collate', t + 10 * U, t + load - 10 * U, { tid: 1 });
    b.op('aten::stack', t + 20 * U, t + 120 * U, { tid: 1 });
    b.op('aten::cat', t + 30 * U, t + 110 * U, { tid: 1 });
    b.op('aten::mm', t + load, t + load + mm, { tid: 1 });
    t += load + mm + 50 * U;
  }
  return b.build('cpu.json', 'kineto-json');
}

describe('CPU-only profile diff', () => {
  it('calls slower data loading a likely regression, saying what grew (data loading, the collate frame)', () => {
    const d = diffProfiles(cpuProfile(), cpuProfile({ loadUs: 700 }));
    expect(d.verdict).toBe('likely regression');
    expect(d.headline).toMatch(/^likely regression: CPU-only profiles, median step time .*changed: data loading \+0\.3 ms/);
    expect(d.changedCategories).toContain('data loading');
    expect(d.cpu!.metrics.find((m) => m.metric === 'data loading')).toMatchObject({ significant: true, delta: 0.3 });
    expect(d.cpu!.python.regressions[0]).toMatchObject({ name: 'train.py(20): collate', significant: true });
    expect(d.cpu!.operators.regressions).toEqual([]); // the operators did not change
    expect(d.categories).toEqual([]);
    expect(d.kernels.regressions).toEqual([]);
  });

  it('calls the reverse an improvement, and two runs of the same loop neutral', () => {
    expect(diffProfiles(cpuProfile({ loadUs: 700 }), cpuProfile()).verdict).toBe('likely improvement');
    const same = diffProfiles(cpuProfile(), cpuProfile({ jitter: 3 }));
    expect(same.verdict).toBe('neutral');
    expect(same.headline).toMatch(/^neutral: CPU-only profiles/);
  });

  it('finds a slower operator by its self time, with nested operators subtracted', () => {
    const p = cpuProfile();
    const m = cpuStepMetrics(p, stepMetrics(p).iterations);
    expect(m.counts.ops).toBe(36);
    // aten::stack's self time is its 100 µs less the 80 µs of the aten::cat inside it: 20 + 80 + 500 µs of operators per step
    expect(Array.from(m.opSelfNs)).toEqual(new Array(12).fill(600 * U));
    expect(m.ops.totals.get('aten::stack')).toEqual({ totalNs: 12 * 20 * U, count: 12 });
    // the collate frame (400 µs less 20 µs at each end, wobbling ±10 µs) holds no other Python frame: all its time is its own
    expect(m.python.totals.get('train.py(20): collate')!.count).toBe(12);
    const d = diffProfiles(cpuProfile(), cpuProfile({ mmUs: 800 }));
    expect(d.verdict).toBe('likely regression');
    expect(d.cpu!.operators.regressions.map((o) => o.name)).toEqual(['aten::mm']);
    expect(d.cpu!.operators.regressions[0]!.deltaMs).toBeCloseTo(0.3, 3);
  });

  it('renders the CPU tables in text and Markdown, and stays incomparable when only one side has GPU work', () => {
    const text = formatDiff(diffProfiles(cpuProfile(), cpuProfile({ loadUs: 700 })), 'text');
    expect(text).toContain('CPU time per step');
    expect(text).toContain('data loading (DataLoader __next__) per step');
    expect(text).toContain('Python functions that grew (self time)');
    expect(formatDiff(diffProfiles(cpuProfile(), cpuProfile({ loadUs: 700 })), 'markdown')).toContain('### Operators that grew (self time)');
    const gpu = new ModelBuilder().range('ProfilerStep#0', 0, 10 * U).kernel('gemm', 0, 5 * U).build('gpu.json', 'kineto-json');
    const mixed = diffProfiles(gpu, cpuProfile());
    expect(mixed.verdict).toBe('incomparable');
    expect(mixed.headline).toContain('the after profile (cpu.json) has no GPU activity');
  });
});
