import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import type { ProfileModel } from '../../core/profile.js';
import { ModelBuilder } from '../queries/model-builder.js';
import { diffProfiles } from './diff.js';
import { formatDiff } from './format.js';

const U = 1000;

interface StepSpec { steps?: number; extraUs?: number; jitter?: number; newKernel?: boolean; devices?: number }

/** Steps of ~1000 µs: a GEMM whose length grows by `extraUs`, deterministic per-step jitter. */
function profile(spec: StepSpec = {}): ProfileModel {
  const b = new ModelBuilder();
  const n = spec.steps ?? 12;
  let t = 0;
  for (let j = 0; j < n; j++) {
    const wobble = ((j * 7919) % 11 - 5) * (spec.jitter ?? 2) * U; // ±10 µs
    const gemm = (600 + (spec.extraUs ?? 0)) * U + wobble;
    const len = gemm + 400 * U;
    b.range(`step ${j}`, t, t + len, { tid: 1 });
    for (let d = 0; d < (spec.devices ?? 1); d++) {
      b.kernel('gemm', t, t + gemm, { deviceId: d });
      b.kernel('elementwise_add', t + gemm, t + gemm + 100 * U, { deviceId: d });
      if (spec.newKernel) b.kernel('direct_copy_kernel', t + gemm + 100 * U, t + gemm + 150 * U, { deviceId: d });
    }
    t += len;
  }
  return b.build();
}

describe('diffProfiles', () => {
  it('finds a regression larger than the step noise, with the kernel and category that grew', () => {
    const d = diffProfiles(profile(), profile({ extraUs: 100, newKernel: true }));
    expect(d.verdict).toBe('likely regression');
    expect(d.stepTime!.delta).toBeCloseTo(0.1, 2);
    expect(d.kernels.regressions[0]).toMatchObject({ name: 'gemm', significant: true });
    expect(d.kernels.regressions[0]!.deltaMs).toBeCloseTo(0.1, 2);
    expect(d.kernels.appeared.map((k) => k.name)).toEqual(['direct_copy_kernel']);
    expect(d.kernels.vanished).toEqual([]);
    expect(d.changedCategories).toContain('C5');
    expect(d.notes.join(' ')).toContain('warm-up');
  });

  it('finds the reverse an improvement and lists the vanished kernel', () => {
    const d = diffProfiles(profile({ extraUs: 100, newKernel: true }), profile());
    expect(d.verdict).toBe('likely improvement');
    expect(d.kernels.vanished.map((k) => k.name)).toEqual(['direct_copy_kernel']);
    expect(d.kernels.improvements[0]!.name).toBe('gemm');
  });

  it('is neutral when the change is inside the step-to-step variation', () => {
    const d = diffProfiles(profile({ jitter: 2 }), profile({ jitter: 2, extraUs: 3 }));
    expect(d.verdict).toBe('neutral');
    expect(d.stepTime!.significant).toBe(false);
    expect(Math.abs(d.stepTime!.delta)).toBeLessThan(d.stepTime!.noise);
  });

  it('respects the minimum effect', () => {
    const flat = (extra: number) => profile({ jitter: 0, extraUs: extra });
    expect(diffProfiles(flat(0), flat(5)).verdict).toBe('neutral'); // 0.5% < 1%
    expect(diffProfiles(flat(0), flat(5), { minEffectPct: 0.1 }).verdict).toBe('likely regression');
  });

  it('refuses profiles of different kinds with a UserError', () => {
    const a = profile();
    const b = profile();
    b.meta.format = 'kineto-json';
    expect(() => diffProfiles(a, b)).toThrow(UserError);
    expect(() => diffProfiles(a, b)).toThrow(/Nsight Systems export .* PyTorch profiler trace/);
  });

  it('is incomparable when one side has no GPU activity, saying which', () => {
    const empty = new ModelBuilder().range('step 0', 0, 10).api('cudaMalloc', 0, 5).build('cpu-only.sqlite');
    const d = diffProfiles(profile(), empty);
    expect(d.verdict).toBe('incomparable');
    expect(d.reasons.join(' ')).toContain('after profile (cpu-only.sqlite) has no GPU activity');
    expect(d.stepTime).toBeNull();
    expect(formatDiff(d, 'text')).toContain('incomparable');
  });

  it('notes when the GPU models differ', () => {
    const b = profile();
    b.meta.gpus = [{ deviceId: 0, name: 'NVIDIA A100-SXM4-80GB' }];
    expect(diffProfiles(profile(), b).notes.join(' ')).toContain('GPU models differ (Test GPU 0 vs NVIDIA A100-SXM4-80GB)');
    expect(diffProfiles(profile(), profile()).notes.join(' ')).not.toContain('GPU models differ');
  });

  it('is incomparable when the GPU counts differ', () => {
    const d = diffProfiles(profile({ devices: 1 }), profile({ devices: 2 }));
    expect(d.verdict).toBe('incomparable');
    expect(d.headline).toMatch(/GPU counts differ: 1 GPU\(s\) with work before, 2 after/);
  });

  it('falls back to whole profiles when no steps are detected, with a 5% floor', () => {
    const flat = (us: number) => new ModelBuilder().kernel('a', 0, us * U).kernel('b', us * U, 2 * us * U).kernel('c', 2 * us * U + 7, 3 * us * U).build();
    const small = diffProfiles(flat(100), flat(103));
    expect(small.aligned).toBe(false);
    expect(small.verdict).toBe('neutral');
    expect(diffProfiles(flat(100), flat(120)).verdict).toBe('likely regression');
    // steps on one side only: both sides are described as whole profiles
    const mixed = diffProfiles(profile(), flat(100));
    expect(mixed.aligned).toBe(false);
    expect([mixed.before.stepMethod, mixed.after.stepMethod]).toEqual(['whole profile', 'whole profile']);
    expect(mixed.before.stepTimeMs.median).toBeCloseTo(mixed.stepTime!.before, 3);
    expect(mixed.categories.every((c) => c.deltaPct === null || Math.abs(c.deltaPct) < 1e6)).toBe(true);
  });

  it('renders text, markdown and JSON', () => {
    const d = diffProfiles(profile(), profile({ extraUs: 100 }));
    expect(formatDiff(d, 'text')).toMatch(/^Verdict: likely regression/);
    const md = formatDiff(d, 'markdown');
    expect(md).toMatch(/^## Profile diff: likely regression/);
    expect(md).toContain('| step time |');
    expect(JSON.parse(formatDiff(d, 'json')).verdict).toBe('likely regression');
  });
});
