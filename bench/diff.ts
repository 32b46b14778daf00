// `npm run bench:diff [-- --sizes 100mb,1gb] [--repeat N]`: times `sysight diff` on generated pairs of nsys-schema
// profiles (cached in bench/work/): the `bench` preset against a re-run with another seed (expected: neutral) and
// against the same scenario plus a redundant copy kernel pair per step (expected: likely regression, C5).
// Each diff runs as its own subprocess (`node bin/sysight.js diff A B --json`) under a python3 wrapper that reads
// peak RSS from getrusage(RUSAGE_CHILDREN); an in-process run gives the open/diff split and the latency of
// timeline tiles (whole profile at 1920 px, then a 1% window).
// Writes bench/results/diff.json and prints a table. No assertions: numbers only.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { presetScenario, writeNsysProfile, type Scenario } from '../src/profile/generator/index.js';
import { diffProfiles } from '../src/profile/diff/index.js';
import { openProfile } from '../src/profile/open.js';
import { timelineTiles } from '../src/profile/queries/timeline.js';

const ROOT = resolve(__dirname, '..', '..');
const WORK = join(ROOT, 'bench', 'work');
const RESULTS = join(ROOT, 'bench', 'results', 'diff.json');
/** iterations of the `bench` preset per named size (as bench/profile.ts) */
const SIZES: Record<string, number> = { '10mb': 1_000, '100mb': 10_200, '1gb': 110_000 };
const GEN_VERSION = 2;
const COPY = 'void at::native::direct_copy_kernel_cuda(at::TensorIteratorBase&)';

const WRAP = `
import json, resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({'wall_s': time.perf_counter() - t, 'rc': r.returncode, 'stdout': r.stdout[-200000:], 'stderr': r.stderr[-2000:],
                  'maxrss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
`;
interface Measured { wall_s: number; rc: number; stdout: string; stderr: string; maxrss_kb: number }

function measure(cmd: string[]): Measured {
  const r = spawnSync('python3', ['-c', WRAP, ...cmd], { encoding: 'utf8', maxBuffer: 64 << 20, cwd: ROOT });
  if (r.status !== 0) throw new Error(`measuring ${cmd.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Measured;
}

function variant(kind: 'before' | 'rerun' | 'changed', iterations: number): Scenario {
  const sc = presetScenario('bench', iterations);
  if (kind === 'before') return { ...sc, seed: 1 };
  if (kind === 'rerun') return { ...sc, seed: 2 };
  return {
    ...sc, seed: 3, name: 'bench-extra-copy',
    // before the loss.item() copy and its sync, so the copies sit on the step's critical path
    step: [...sc.step.slice(0, 3), { type: 'kernel', name: COPY, durationUs: 40, count: 2, at: 'model.py:44 forward' }, ...sc.step.slice(3)],
  };
}

function ensure(size: string, kind: 'before' | 'rerun' | 'changed'): { file: string; generate_s: number | null } {
  const iterations = SIZES[size]!;
  const file = join(WORK, `diff-${size}-${kind}-g${GEN_VERSION}.sqlite`);
  if (existsSync(file)) return { file, generate_s: null };
  process.stderr.write(`generating ${size} ${kind} (${iterations} iterations)...\n`);
  const t = performance.now();
  writeNsysProfile(variant(kind, iterations), file);
  return { file, generate_s: (performance.now() - t) / 1000 };
}

/** In-process: open each side and diff, timed separately (run in a child so memory is not shared across sizes). */
async function inproc(a: string, b: string): Promise<void> {
  const t0 = performance.now();
  const ma = await openProfile(a);
  const t1 = performance.now();
  const mb = await openProfile(b);
  const t2 = performance.now();
  const d = diffProfiles(ma, mb);
  const t3 = performance.now();
  // timeline tiles on the before profile: whole profile at 1920 px (builds the lane index), then a 1% window
  const { startNs, endNs } = ma.meta;
  const whole = timelineTiles(ma, { startNs, endNs, pixels: 1920 });
  const t4 = performance.now();
  const mid = (startNs + endNs) / 2;
  const span = (endNs - startNs) / 200;
  const zoom = timelineTiles(ma, { startNs: mid - span, endNs: mid + span, pixels: 1920 });
  const t5 = performance.now();
  const slices = (t: typeof whole) => t.lanes.reduce((s, l) => s + l.slices.length, 0);
  process.stdout.write(`${JSON.stringify({
    open_before_s: (t1 - t0) / 1000, open_after_s: (t2 - t1) / 1000, diff_s: (t3 - t2) / 1000, verdict: d.verdict,
    tiles_whole_first_ms: t4 - t3, tiles_whole_slices: slices(whole), tiles_zoom_1pct_ms: t5 - t4, tiles_zoom_slices: slices(zoom),
    lanes: whole.lanes.length,
  })}\n`);
}

async function main(): Promise<void> {
  const argv = process.argv.slice(2);
  if (argv[0] === '--inproc') return inproc(argv[1]!, argv[2]!);
  let sizes = ['100mb'];
  let repeat = 1;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--sizes') sizes = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (argv[i] === '--repeat') repeat = Math.max(1, Number(argv[++i]) || 1);
  }
  for (const s of sizes) if (!SIZES[s]) throw new Error(`unknown size ${s} (known: ${Object.keys(SIZES).join(', ')})`);
  mkdirSync(WORK, { recursive: true });
  const cli = join(ROOT, 'bin', 'sysight.js');
  const results: Record<string, unknown>[] = [];
  for (const size of sizes) {
    const before = ensure(size, 'before');
    for (const kind of ['rerun', 'changed'] as const) {
      const after = ensure(size, kind);
      let best: Record<string, unknown> | null = null;
      for (let r = 0; r < repeat; r++) {
        process.stderr.write(`${size} before vs ${kind}, run ${r + 1}/${repeat}...\n`);
        const m = measure([process.execPath, '--max-old-space-size=16384', cli, 'diff', before.file, after.file, '--json']);
        if (m.rc !== 0) {
          best = { error: m.stderr.trim().split('\n').pop(), wall_s: m.wall_s };
          break;
        }
        const d = JSON.parse(m.stdout) as { verdict: string; headline: string; changedCategories: string[]; kernels: { appeared: Array<{ name: string }> } };
        const res = {
          wall_s: m.wall_s, peak_rss_mb: m.maxrss_kb / 1024, verdict: d.verdict, headline: d.headline,
          changed_categories: d.changedCategories, appeared: d.kernels.appeared.map((k) => k.name),
        };
        if (!best || res.wall_s < (best.wall_s as number)) best = res;
      }
      const split = measure([process.execPath, '--max-old-space-size=16384', join(WORK, 'diff.cjs'), '--inproc', before.file, after.file]);
      const bytes = statSync(before.file).size + statSync(after.file).size;
      results.push({
        size, pair: `before vs ${kind}`, expected: kind === 'rerun' ? 'neutral' : 'likely regression (C5, a copy kernel appeared)',
        bytes_both: bytes, generate_s: { before: before.generate_s, after: after.generate_s },
        cli: best, in_process: split.rc === 0 ? JSON.parse(split.stdout.trim().split('\n').pop()!) : { error: split.stderr.trim().split('\n').pop() },
      });
    }
  }
  const report = {
    benchmark: 'diff', date: new Date().toISOString(), command: `npm run bench:diff -- --sizes ${sizes.join(',')} --repeat ${repeat}`,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memory_gb: totalmem() / 2 ** 30, node: process.version, load_average_1_5_15_at_end: loadavg() },
    results,
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  const fmt = (v: unknown, d = 2) => (typeof v === 'number' ? v.toFixed(d) : '-');
  const lines = [['size', 'pair', 'MB (both)', 'diff wall s', 'peak MB', 'open s (before+after)', 'diff s', 'tiles ms (whole/1%)', 'verdict']];
  for (const r of results) {
    const c = (r.cli ?? {}) as Record<string, unknown>;
    const p = r.in_process as Record<string, number>;
    lines.push([r.size as string, r.pair as string, fmt((r.bytes_both as number) / 2 ** 20, 0), fmt(c.wall_s), fmt(c.peak_rss_mb, 0),
      `${fmt(p.open_before_s)}+${fmt(p.open_after_s)}`, fmt(p.diff_s), `${fmt(p.tiles_whole_first_ms, 0)}/${fmt(p.tiles_zoom_1pct_ms, 1)}`,
      String(c.verdict ?? c.error)]);
  }
  const w = lines[0]!.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  for (const l of lines) process.stdout.write(`${l.map((c, i) => c.padEnd(w[i]!)).join('  ')}\n`);
  process.stdout.write(`wrote ${RESULTS.slice(ROOT.length + 1)}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench:diff failed: ${(e as Error).message}\n`);
  process.exitCode = 1;
});
