// scripts/record_cpu_trace.py records a real torch.profiler trace that the trace readers open.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { openProfile } from '../../src/profile/open.js';

const SCRIPT = resolve(__dirname, '../../scripts/record_cpu_trace.py');
const TORCH_PY = process.env.SYSIGHT_PYTHON ?? '/usr/bin/python3';
const hasTorch = (py: string): boolean => existsSync(py) && spawnSync(py, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const pathPython = spawnSync('python3', ['-c', 'import sys; print(sys.executable)'], { encoding: 'utf8' });
const noTorchPython = pathPython.status === 0 && !hasTorch(pathPython.stdout.trim()) ? pathPython.stdout.trim() : undefined;

const dir = mkdtempSync(join(tmpdir(), 'sysight-record-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe.skipIf(!hasTorch(TORCH_PY))('record_cpu_trace.py with a torch interpreter', () => {
  it('records a trace with one ProfilerStep range per step, gzip when asked', async () => {
    const out = join(dir, 'rec.json.gz');
    const r = spawnSync(TORCH_PY, [SCRIPT, '--out', out, '--steps', '3'], { encoding: 'utf8', timeout: 120_000 });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(/^wrote .*rec\.json\.gz: .*3 steps on (cpu|cuda)/);
    const m = await openProfile(out);
    const steps: string[] = [];
    for (let i = 0; i < m.nvtx.length; i++) {
      const t = m.strings[m.nvtx.textId[i]!]!;
      if (t.startsWith('ProfilerStep#')) steps.push(t);
    }
    // Numbering starts at 0 (legacy profiler) or 1 (Kineto, after the warm-up step): three consecutive steps.
    expect(steps).toHaveLength(3);
    const first = Number(steps[0]!.slice('ProfilerStep#'.length));
    expect(steps).toEqual([0, 1, 2].map((k) => `ProfilerStep#${first + k}`));
    const names = new Set(Array.from(m.nvtx.textId, (id) => m.strings[id]));
    for (const n of ['train_step', 'forward', 'backward', 'optimizer_step']) expect(names.has(n)).toBe(true);
    expect(m.strings).toContain('aten::addmm');
  });
});

describe.skipIf(noTorchPython === undefined)('record_cpu_trace.py with an interpreter without torch', () => {
  it('says so in one line and exits 2', () => {
    const r = spawnSync(noTorchPython!, [SCRIPT, '--out', join(dir, 'x.json')], { encoding: 'utf8' });
    expect(r.status).toBe(2);
    expect(r.stderr.trim()).toMatch(/^record_cpu_trace\.py: PyTorch is not installed for .*python3-torch/);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(existsSync(join(dir, 'x.json'))).toBe(false);
  });
});
