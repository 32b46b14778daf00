// The timing shim in a real Python with torch: the demo workload and small scripts, run as subprocesses.
import { spawnSync } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { gunzipSync } from 'node:zlib';
import { delimiter, join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parseIterTimes, readCpuShare, readLosses, readTimings, shimEnv, type ShimOptions } from './shim.js';
import { shimInstrumentation } from './shim-instrumentation.js';

const PY = '/usr/bin/python3';
const hasTorch = existsSync(PY) && spawnSync(PY, ['-c', 'import torch, numpy'], { stdio: 'ignore' }).status === 0;
const EXAMPLE = resolve(__dirname, '..', '..', 'examples', 'nanogpt');
const TINY = ['--max-iters', '6', '--n-layer', '1', '--n-head', '2', '--n-embd', '32', '--batch-size', '4'];
TINY.push('--block-size', '16', '--eval-iters', '1');

let dir: string;
let demo: string;
let n = 0;

function files(): { timingFile: string; lossFile: string } {
  n += 1;
  return { timingFile: join(dir, `timing-${n}.txt`), lossFile: join(dir, `loss-${n}.txt`) };
}

function runPy(args: string[], opts: ShimOptions, cwd: string, extraEnv: Record<string, string> = {}) {
  const env = { ...process.env, ...shimEnv(opts), ...extraEnv };
  const r = spawnSync(PY, args, { cwd, env, encoding: 'utf8', timeout: 120_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function script(name: string, body: string): string {
  writeFileSync(join(dir, name), body);
  return name;
}

describe.skipIf(!hasTorch)('timing shim with a real Python', { timeout: 180_000 }, () => {
  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sysight-shim-'));
    demo = join(dir, 'nanogpt');
    cpSync(EXAMPLE, demo, { recursive: true, filter: (src) => !/\.bin$|meta\.json$|__pycache__/.test(src) });
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('records one timestamp per optimizer step and the first K losses of the demo, matching its log', () => {
    const f = files();
    const r = runPy(['train.py', ...TINY], { ...f, lossSteps: 4 }, demo);
    expect(r.stderr).not.toContain('sysight shim');
    expect(r.status).toBe(0);
    const logged = parseIterTimes(r.stdout);
    expect(logged).toHaveLength(6);
    const lines = readFileSync(f.timingFile, 'utf8').trim().split('\n');
    expect(lines.map((l) => l.split(' ')[0])).toEqual(['0', '1', '2', '3', '4', '5']);
    for (const l of lines) expect(l).toMatch(/^\d+ \d+ \d+$/);
    for (const clock of ['wall', 'cpu'] as const) {
      const gaps = readTimings(f.timingFile, clock);
      expect(gaps).toHaveLength(5);
      for (const g of gaps) expect(g).toBeGreaterThan(0);
    }
    const losses = readLosses(f.lossFile);
    expect(losses).toHaveLength(4);
    const printed = [...r.stdout.matchAll(/^iter \d+: loss ([\d.]+)/gm)].map((m) => Number(m[1]));
    expect(losses.map((l) => l.toFixed(4))).toEqual(printed.slice(0, 4).map((l) => l.toFixed(4)));
  });

  it('works as the measurement\'s Instrumentation: env in, step times, losses and log times out', () => {
    const f = files();
    const inst = shimInstrumentation();
    const env = { ...process.env, ...inst.env({ ...f, lossSteps: 3, seed: 5, maxSteps: 4 }) };
    const r = spawnSync(PY, ['train.py', ...TINY], { cwd: demo, env, encoding: 'utf8', timeout: 120_000 });
    expect(r.status).toBe(0);
    expect(inst.stepMsFromStdout(r.stdout)).toHaveLength(4);
    expect(inst.stepMsFromFile(f.timingFile)).toHaveLength(3);
    expect(shimInstrumentation({ clock: 'cpu' }).stepMsFromFile(f.timingFile)).toHaveLength(3);
    expect(inst.lossesFromFile(f.lossFile)).toHaveLength(3);
    expect(inst.lossesFromStdout(r.stdout)).toHaveLength(4);
  });

  it('gives identical losses for two runs of the demo with the same seed', () => {
    const a = files();
    const b = files();
    expect(runPy(['train.py', ...TINY], { ...a, seed: 3 }, demo).status).toBe(0);
    expect(runPy(['train.py', ...TINY], { ...b, seed: 3 }, demo).status).toBe(0);
    expect(readLosses(a.lossFile)).toHaveLength(6);
    expect(readLosses(b.lossFile)).toEqual(readLosses(a.lossFile));
  });

  it('seeds random, numpy and torch in a script that does not seed itself', () => {
    const s = script('draw.py', 'import random, numpy, torch\nprint(random.random(), numpy.random.rand(), torch.rand(1).item())\n');
    const draw = (seed?: number) => runPy([s], { seed }, dir).stdout.trim();
    expect(draw(11)).toBe(draw(11));
    expect(draw(11)).not.toBe(draw(12));
    expect(draw()).not.toBe(draw());
  });

  it('with treeCpu, counts the CPU of DataLoader workers and the machine\'s idle time per step', () => {
    const f = files();
    const name = script('workers.py', [
      'import torch',
      'class D(torch.utils.data.Dataset):',
      '    def __len__(self): return 64',
      '    def __getitem__(self, i):',
      '        s = 0',
      '        for k in range(60000): s += k % 7',
      '        return torch.tensor([float(s % 5)])',
      'w = torch.nn.Parameter(torch.zeros(1))',
      'opt = torch.optim.SGD([w], lr=0.1)',
      'for x in torch.utils.data.DataLoader(D(), batch_size=4, num_workers=2):',
      '    loss = ((w - x) ** 2).mean()',
      '    opt.zero_grad(); loss.backward(); opt.step()',
    ].join('\n') + '\n');
    const r = runPy([name], { timingFile: f.timingFile, treeCpu: true }, dir);
    expect(r.stderr).not.toContain('sysight shim');
    expect(r.status).toBe(0);
    const lines = readFileSync(f.timingFile, 'utf8').trim().split('\n');
    expect(lines).toHaveLength(16);
    for (const l of lines) expect(l).toMatch(/^\d+ \d+ \d+ \d+ \d+$/);
    const shares = readCpuShare(f.timingFile);
    expect(shares).toHaveLength(15);
    expect(readTimings(f.timingFile)).toHaveLength(15);
    // the data work runs in the workers: the tree's CPU is several times the main process's own
    const tree = shares.reduce((a, s) => a + s.treeCpuMs, 0);
    const main = readTimings(f.timingFile, 'cpu').reduce((a, b) => a + b, 0);
    expect(tree).toBeGreaterThan(2 * main);
    for (const s of shares) expect(s.idleMs).toBeGreaterThanOrEqual(0);
  });

  it('stops cleanly after maxSteps whole iterations', () => {
    const f = files();
    const r = runPy(['train.py', ...TINY, '--max-iters', '50'], { ...f, maxSteps: 3 }, demo);
    expect(r.status).toBe(0);
    expect(parseIterTimes(r.stdout)).toHaveLength(3);
    expect(readTimings(f.timingFile)).toHaveLength(2);
    expect(r.stdout).not.toContain('final:');
  });

  it('counts a subclass step that calls super().step() once, and times only the first optimizer', () => {
    const s = script(
      'optim.py',
      [
        'import torch',
        'class Mine(torch.optim.SGD):',
        '    def step(self, closure=None):',
        '        return super().step(closure)',
        'class Child(Mine):',
        '    pass',
        'w = torch.nn.Parameter(torch.ones(2))',
        'a, b, c = Mine([w], lr=0.1), torch.optim.Adam([w]), Child([w], lr=0.1)',
        'for _ in range(4):',
        '    (w * w).sum().backward()',
        '    a.step(); b.step(); c.step()',
        'print("done")',
      ].join('\n'),
    );
    const f = files();
    const r = runPy([s], f, dir);
    expect(r.stdout.trim()).toBe('done');
    expect(r.stderr).toBe('');
    expect(readFileSync(f.timingFile, 'utf8').trim().split('\n').map((l) => l.split(' ')[0])).toEqual(['0', '1', '2', '3']);
    expect(readLosses(f.lossFile)).toHaveLength(4);
  });

  it('times calls of SYSIGHT_TIMING_FUNC in an imported module', () => {
    mkdirSync(join(dir, 'pkg'), { recursive: true });
    writeFileSync(join(dir, 'pkg', '__init__.py'), '');
    writeFileSync(
      join(dir, 'pkg', 'infer.py'),
      'class Runner:\n    def predict(self, x):\n        return x * 2\n\n    @staticmethod\n    def twice(x):\n        return 2 * x\n',
    );
    const s = script('serve.py', 'from pkg.infer import Runner\nr = Runner()\nprint(sum(r.predict(i) + Runner.twice(i) for i in range(5)))\n');
    const f = files();
    const byMethod = runPy([s], { ...f, timingFunc: 'pkg.infer:Runner.predict' }, dir);
    expect(byMethod.stdout.trim()).toBe('40');
    expect(readTimings(f.timingFile)).toHaveLength(4);
    const g = files();
    expect(runPy([s], { ...g, timingFunc: 'pkg.infer:Runner.twice' }, dir).stdout.trim()).toBe('40');
    expect(readTimings(g.timingFile)).toHaveLength(4);
  });

  it('records a torch.profiler trace of whole iterations, also when the run stops early', () => {
    type Ev = { ph: string; cat?: string; name: string; args?: Record<string, unknown> };
    const events = (file: string): Ev[] => {
      const doc = JSON.parse(gunzipSync(readFileSync(file)).toString('utf8')) as { traceEvents: Ev[] };
      return doc.traceEvents;
    };
    const steps = (evs: Ev[]) => evs.filter((e) => e.ph === 'X' && e.name.startsWith('ProfilerStep#')).map((e) => e.name);
    const full = join(dir, 'trace-full.json.gz');
    const r = runPy(['train.py', ...TINY], { profileFile: full, profileSteps: 2 }, demo);
    expect(r.status).toBe(0);
    const evs = events(full);
    expect(steps(evs)).toEqual(['ProfilerStep#1', 'ProfilerStep#2']);
    expect(evs.find((e) => e.name.startsWith('ProfilerStep#'))!.cat).toBe('user_annotation');
    const mm = evs.find((e) => e.cat === 'cpu_op' && e.name === 'aten::addmm')!;
    expect(mm.args!['Input Dims']).toBeDefined();
    expect(String(mm.args!['Call stack'])).toContain('model.py');
    const early = join(dir, 'trace-early.json.gz');
    expect(runPy(['train.py', ...TINY], { profileFile: early, profileSteps: 10, profileSkip: 2, maxSteps: 4 }, demo).status).toBe(0);
    expect(steps(events(early))).toEqual(['ProfilerStep#2', 'ProfilerStep#3']);
  });

  it('chains to the sitecustomize it shadows', () => {
    const other = join(dir, 'other-site');
    mkdirSync(other, { recursive: true });
    writeFileSync(join(other, 'sitecustomize.py'), 'import builtins\nbuiltins.CHAINED = "yes"\n');
    const s = script('chained.py', 'import builtins\nprint(getattr(builtins, "CHAINED", "no"))\n');
    const base = shimEnv({}).PYTHONPATH;
    const r = runPy([s], {}, dir, { PYTHONPATH: `${base}${delimiter}${other}` });
    expect(r.stdout.trim()).toBe('yes');
  });

  it('never breaks the workload: an unwritable timing file and a bad function are reported once, and it runs on', () => {
    const s = script('train_tiny.py', 'import torch\nw = torch.nn.Parameter(torch.ones(1))\no = torch.optim.SGD([w], lr=0.1)\nfor _ in range(3):\n    (w * w).sum().backward(); o.step()\nprint("ok")\n');
    const nowhere = join(dir, 'no', 'such', 'dir');
    const r = runPy([s], { timingFile: join(nowhere, 't.txt'), lossFile: join(nowhere, 'l.txt') }, dir);
    expect(r.status).toBe(0);
    expect(r.stdout.trim()).toBe('ok');
    const warnings = r.stderr.trim().split('\n');
    expect(warnings).toHaveLength(2);
    const f = runPy([s], { timingFile: join(dir, 'func.txt'), timingFunc: 'torch:no_such_function' }, dir);
    expect(f.status).toBe(0);
    expect(f.stdout.trim()).toBe('ok');
    expect(f.stderr).toMatch(/^sysight shim: the shim's hook on torch failed \(AttributeError: .*\); the workload goes on\n$/);
    expect(warnings[0]).toMatch(/^sysight shim: .* failed \(.*\); the workload goes on$/);
  });
});
