// `sysight diff` as a subprocess: verdicts on generated before/after pairs, output formats, the CI gate's exit
// codes, two CPU-only traces, and bad input (different kinds, missing files, one side without GPU work, different
// GPU counts).
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { presetScenario, writeNsysProfile, type Scenario, type StepEvent } from '../../src/profile/generator/index.js';
import { ensureBuilt, sysightSync } from '../support/cli.js';

let tmp = '';
const f = (name: string) => join(tmp, name);

const sysight = (...args: string[]) => sysightSync(args);

const withoutSync = (sc: Scenario): Scenario => ({
  ...sc, name: 'no-sync', step: sc.step.filter((e: StepEvent) => e.type !== 'sync' && !(e.type === 'memcpy' && e.kind === 'D2H' && e.bytes === 4)),
});

/** A PyTorch profiler trace of `steps` ProfilerStep#N ranges, each launching one GEMM of `gemmUs` µs. */
function kinetoTrace(steps: number, gemmUs: number, gpu = true): Record<string, unknown> {
  const host = { pid: 100, tid: 100 };
  const ev: Record<string, unknown>[] = [];
  let t = 1000;
  for (let j = 0; j < steps; j++) {
    const len = gemmUs + 200 + ((j * 7) % 5);
    ev.push({ ph: 'X', cat: 'user_annotation', name: `ProfilerStep#${j}`, ...host, ts: t, dur: len });
    ev.push({ ph: 'X', cat: 'cuda_runtime', name: 'cudaLaunchKernel', ...host, ts: t + 5, dur: 5, args: { correlation: j + 1 } });
    if (gpu) ev.push({ ph: 'X', cat: 'kernel', name: 'ampere_bf16_s16816gemm_bf16_128x128_tn', pid: 0, tid: 7, ts: t + 20, dur: gemmUs, args: { device: 0, stream: 7, correlation: j + 1 } });
    t += len;
  }
  return { schemaVersion: 1, deviceProperties: [{ id: 0, name: 'NVIDIA A100-SXM4-80GB' }], traceEvents: ev };
}

/**
 * A CPU-only PyTorch profiler trace (no kernels): per ProfilerStep#N, the DataLoader's __next__ of `loadUs` µs
 * holding a Python collate frame and an aten::stack, then an aten::mm of 500 µs.
 */
function cpuTrace(steps: number, loadUs: number): Record<string, unknown> {
  const host = { pid: 100, tid: 100 };
  const ev: Record<string, unknown>[] = [];
  let t = 1000;
  for (let j = 0; j < steps; j++) {
    const load = loadUs + ((j * 7) % 5);
    ev.push({ ph: 'X', cat: 'user_annotation', name: `ProfilerStep#${j}`, ...host, ts: t, dur: load + 550 });
    ev.push({ ph: 'X', cat: 'user_annotation', name: 'enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__', ...host, ts: t + 1, dur: load - 2 });
    ev.push({ ph: 'X', cat: 'python_function', name: 'train.py(20): collate', ...host, ts: t + 5, dur: load - 10 });
    ev.push({ ph: 'X', cat: 'cpu_op', name: 'aten::stack', ...host, ts: t + 10, dur: 100 });
    ev.push({ ph: 'X', cat: 'cpu_op', name: 'aten::mm', ...host, ts: t + load + 10, dur: 500 });
    t += load + 550;
  }
  return { schemaVersion: 1, traceEvents: ev };
}

beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'sysight-diff-cli-'));
  const sync = presetScenario('sync-bound', 15);
  writeNsysProfile({ ...sync, seed: 1 }, f('sync.sqlite'));
  writeNsysProfile({ ...sync, seed: 2 }, f('sync-rerun.sqlite'));
  writeNsysProfile({ ...withoutSync(sync), seed: 3 }, f('nosync.sqlite'));
  writeNsysProfile(presetScenario('nccl-exposed', 6), f('two-gpus.sqlite'));
  writeNsysProfile({ name: 'cpu-only', iterations: { count: 3 }, step: [{ type: 'cpu', durationUs: 500 }] }, f('cpu-only.sqlite'));
  writeFileSync(f('k1.json'), JSON.stringify(kinetoTrace(12, 1000)));
  writeFileSync(f('k2.json'), JSON.stringify(kinetoTrace(12, 1300)));
  writeFileSync(f('k-cpu.json'), JSON.stringify(kinetoTrace(12, 1000, false)));
  writeFileSync(f('cpu-a.json'), JSON.stringify(cpuTrace(12, 400)));
  writeFileSync(f('cpu-a2.json'), JSON.stringify(cpuTrace(12, 401)));
  writeFileSync(f('cpu-slow.json'), JSON.stringify(cpuTrace(12, 800)));
}, 120_000);
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('sysight diff', () => {
  it('names a removed sync a likely improvement (C3) and passes the gate', () => {
    const r = sysight('diff', f('sync.sqlite'), f('nosync.sqlite'), '--exit-on-regression');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^Verdict: likely improvement: .*changed: C3 -/);
  });

  it('fails the gate on the reverse (a likely regression), unless it is below --threshold', () => {
    const plain = sysight('diff', f('nosync.sqlite'), f('sync.sqlite'));
    expect(plain.code).toBe(0);
    expect(plain.stdout).toContain('Verdict: likely regression');
    const gate = sysight('diff', f('nosync.sqlite'), f('sync.sqlite'), '--exit-on-regression', '--threshold', '3');
    expect(gate.code).toBe(1);
    expect(gate.stderr).toContain('gate failed: likely regression');
    const lenient = sysight('diff', f('nosync.sqlite'), f('sync.sqlite'), '--exit-on-regression', '--threshold', '50');
    expect(lenient.code).toBe(0);
  });

  it('calls two runs of the same workload neutral, in JSON and Markdown too', () => {
    const j = sysight('diff', f('sync.sqlite'), f('sync-rerun.sqlite'), '--format', 'json', '--exit-on-regression');
    expect(j.code).toBe(0);
    const d = JSON.parse(j.stdout);
    expect(d.verdict).toBe('neutral');
    expect(d.before.steps).toBe(15);
    expect(d.stepTime.significant).toBe(false);
    const md = sysight('diff', f('sync.sqlite'), f('sync-rerun.sqlite'), '--format', 'markdown');
    expect(md.stdout).toMatch(/^## Profile diff: neutral/);
    expect(md.stdout).toContain('| step time |');
  });

  it('diffs two PyTorch traces', () => {
    const r = sysight('diff', f('k1.json'), f('k2.json'), '--json', '--exit-on-regression', '--threshold', '3');
    expect(r.code).toBe(1);
    const d = JSON.parse(r.stdout);
    expect(d.verdict).toBe('likely regression');
    expect(d.kernels.regressions[0].name).toContain('gemm');
  });

  it('compares two CPU-only traces on data loading, operator and Python self time, and gates on them', () => {
    const slow = sysight('diff', f('cpu-a.json'), f('cpu-slow.json'), '--exit-on-regression');
    expect(slow.code).toBe(1);
    expect(slow.stdout).toMatch(/^Verdict: likely regression: CPU-only profiles, median step time .*changed: data loading \+0\.4/);
    expect(slow.stdout).toContain('CPU time per step');
    expect(slow.stderr).toContain('gate failed: likely regression');
    const j = JSON.parse(sysight('diff', f('cpu-slow.json'), f('cpu-a.json'), '--json').stdout);
    expect(j.verdict).toBe('likely improvement');
    expect(j.cpu.metrics.map((m: { metric: string }) => m.metric)).toEqual(['data loading', 'operators', 'python']);
    expect(j.cpu.python.improvements[0].name).toBe('collate (train.py:20)');
    const same = sysight('diff', f('cpu-a.json'), f('cpu-a2.json'), '--exit-on-regression');
    expect(same.code).toBe(0);
    expect(same.stdout).toMatch(/^Verdict: neutral: CPU-only profiles/);
  });

  it('is incomparable (gate fails) when one side has no GPU work or the GPU counts differ', () => {
    const cpu = sysight('diff', f('sync.sqlite'), f('cpu-only.sqlite'));
    expect(cpu.code).toBe(0);
    expect(cpu.stdout).toMatch(/^Verdict: incomparable: the after profile .* has no GPU activity/);
    expect(sysight('diff', f('sync.sqlite'), f('cpu-only.sqlite'), '--exit-on-regression').code).toBe(1);
    expect(sysight('diff', f('k-cpu.json'), f('k1.json'), '--exit-on-regression').code).toBe(1);
    const gpus = sysight('diff', f('sync.sqlite'), f('two-gpus.sqlite'), '--exit-on-regression');
    expect(gpus.code).toBe(1);
    expect(gpus.stdout).toContain('GPU counts differ: 1 GPU(s) with work before, 2 after');
  });

  it('rejects bad input with one line and exit 2', () => {
    const kinds = sysight('diff', f('sync.sqlite'), f('k1.json'), '--exit-on-regression');
    expect(kinds.code).toBe(2);
    expect(kinds.stderr.trim().split('\n')).toHaveLength(1);
    expect(kinds.stderr).toMatch(/cannot diff a Nsight Systems export .* against a PyTorch profiler trace/);
    const missing = sysight('diff', f('nope.sqlite'), f('sync.sqlite'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toContain('no such file');
    expect(sysight('diff', f('sync.sqlite'), f('sync.sqlite'), '--format', 'html').code).toBe(2);
    expect(sysight('diff', f('sync.sqlite'), f('sync.sqlite'), '--threshold', 'lots').code).toBe(2);
    expect(sysight('diff', f('sync.sqlite')).code).toBe(2);
  });
});
