// `sysight record` as a subprocess: bad input is one line and exit 2; a CPU workload recorded three times gives
// one finding set (category + file + line) — the same answer on every recording (issue 15). Bounded: a small
// CPU pipeline, 2 warm-up + 5 recorded steps per recording.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'sysight.js');
const FIXTURE = join(ROOT, 'test', 'fixtures', 'cpu-pipeline');
const TORCH_PY = process.env.SYSIGHT_PYTHON ?? '/usr/bin/python3';
const hasTorch = existsSync(TORCH_PY) && spawnSync(TORCH_PY, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;
const built = existsSync(join(ROOT, 'dist', 'cli.js'));

const dir = mkdtempSync(join(tmpdir(), 'sysight-record-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function sysight(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT, env: { ...process.env, ...env }, timeout: 300_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(!built)('sysight record (CLI): bad input', () => {
  it('no command, or a bad --steps, is one line and exit 2', () => {
    const a = sysight(['record', '--out', join(dir, 'x.json')]);
    expect(a.code).toBe(2);
    const b = sysight(['record', '--out', join(dir, 'x.json'), '--steps', '0', '--', 'python3', 'train.py']);
    expect(b.code).toBe(2);
    expect(b.stderr.trim()).toBe('sysight: error: --steps must be an integer ≥ 1, got 0');
    const c = sysight(['record', '--out', join(dir, 'x.json'), '--repo', join(dir, 'missing'), '--', 'python3', 'train.py']);
    expect(c.code).toBe(2);
    expect(c.stderr.trim()).toMatch(/^sysight: error: no such directory: /);
  });
});

describe.skipIf(!built || !hasTorch)('sysight record (CLI): the same answer on every recording', () => {
  it('records a CPU workload three times; analyze finds one finding set; the recorded tree is untouched', () => {
    const repo = join(dir, 'repo');
    cpSync(FIXTURE, repo, { recursive: true });
    const before = readdirSync(repo).sort();
    const sets: string[][] = [];
    for (let k = 1; k <= 3; k++) {
      const out = join(dir, `rec${k}.json`);
      const r = sysight(['record', '--out', out, '--repo', repo, '--python', TORCH_PY, '--json', '--', 'python3', 'train.py'], { DATA_DIR: dir });
      expect(r.code, r.stderr).toBe(0);
      expect(JSON.parse(r.stdout)).toMatchObject({ profile: out, recorder: 'torch.profiler', steps: 5, skipSteps: 2 });
      // analyze a copy: analyze writes its run under .sysight/ of the repo it is given
      const copy = join(dir, `analyze${k}`);
      cpSync(FIXTURE, copy, { recursive: true });
      const a = sysight(['analyze', out, '--repo', copy, '--json']);
      expect(a.code, a.stderr).toBe(0);
      const set = JSON.parse(a.stdout) as { findings: Array<{ category: string; file: string; line: number; impact: { msPerIter: number } }>; iterationMs: number };
      sets.push(set.findings.map((f) => `${f.category} ${f.file}:${f.line}`).sort());
      expect(set.findings.reduce((t, f) => t + f.impact.msPerIter, 0)).toBeLessThanOrEqual(set.iterationMs + 1e-3);
    }
    expect(sets[0]).toContain('C7 data.py:22');
    expect(sets[0]).toContain('C7 data.py:25');
    expect(sets[1]).toEqual(sets[0]);
    expect(sets[2]).toEqual(sets[0]);
    expect(readdirSync(repo).sort()).toEqual(before);
  }, 600_000);
});

describe.skipIf(!built || !hasTorch)('sysight record (CLI): a run shorter than the recording window', () => {
  const workload = (steps: number): string => {
    const repo = join(dir, `short${steps}`);
    mkdirSync(repo, { recursive: true });
    writeFileSync(join(repo, 'train.py'), [
      'import torch',
      'w = torch.nn.Parameter(torch.ones(4))',
      'opt = torch.optim.SGD([w], lr=0.1)',
      `for _ in range(${steps}):`,
      '    loss = (w * w).sum()',
      '    opt.zero_grad(); loss.backward(); opt.step()',
    ].join('\n') + '\n');
    return repo;
  };

  it('profiles again with one warm-up step and what the run has left, and says why when it cannot', () => {
    const out = join(dir, 'short2.json');
    const ok = sysight(['record', '--out', out, '--repo', workload(2), '--python', TORCH_PY, '--json', '--', 'python3', 'train.py']);
    expect(ok.code, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toMatchObject({ profile: out, recorder: 'torch.profiler', steps: 1, skipSteps: 1 });
    expect(existsSync(out)).toBe(true);
    const one = sysight(['record', '--out', join(dir, 'short1.json'), '--repo', workload(1), '--python', TORCH_PY, '--', 'python3', 'train.py']);
    expect(one.code).toBe(2);
    // the progress line, then one error line, no stack trace
    expect(one.stderr.trim().split('\n').filter((l) => l.startsWith('sysight: error:'))).toHaveLength(1);
    expect(one.stderr).not.toMatch(/\n\s+at /);
    expect(one.stderr).toMatch(/it made only 1 optimizer step; a profile needs 2 at least/);
    const none = sysight(['record', '--out', join(dir, 'short0.json'), '--repo', workload(0), '--python', TORCH_PY, '--', 'python3', 'train.py']);
    expect(none.code).toBe(2);
    expect(none.stderr).toMatch(/it made no optimizer step the shim could see/);
  }, 300_000);
});
