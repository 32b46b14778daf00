// `npm run bench:kineto [-- --sizes 0.1,0.6,2,4] [--source TRACE] [--dir DIR] [--floor-max-gb 1] [--bad-max-gb 2] [--no-downstream] [--keep]`:
// Kineto traces of any size. For each size (GB = 1e9 bytes) it tiles a real trace in time
// (bench/kineto-tile.ts; default ../shared/traces/hta/allreduce_v100_rank1.json.gz) into DIR
// (default $KINETO_BENCH_DIR or bench/work/kineto), then measures, each in its own subprocess:
//   sysight  `node bin/sysight.js profile summary FILE --json` with the profile cache off
//   python   python3's json.load of the same file: the parse-only floor (up to --floor-max-gb: it needs
//            about 4.6x the file in memory, more than this 24 GB machine has beside others past ~2 GB)
//   hta      HTA's TraceAnalysis + get_temporal_breakdown, from the source tree at $HTA_SRC (skipped when unset),
//            with $HTA_PYTHON or /usr/bin/python3 (scripts/setup-hta.sh installs its Debian dependencies)
//   bad      the same file with a corrupt byte at 97%, then cut to 97%: sysight must fail with one line, exit 2
//   downstream (unless --no-downstream): `analyze FILE --json` (profile-only diagnosis), `diff FILE FILE --json`
//            (both rounds read in full), `ranks FILE --json`, and the trace view's queries in a child of this
//            bench (open, then timeline tiles of the whole profile at 1920 px and of a 1% window), each with its
//            wall/CPU time and peak RSS
// (the corrupt-byte run up to --bad-max-gb), then deletes the file (one size on disk at a time); the results
// of sizes not in this run stay in the results file. With $HTA_SRC set it also runs sysight and HTA on the
// real traces side by side. Wall and CPU seconds and peak RSS come from getrusage of a python3 wrapper around
// each subprocess; the 1-minute load average is recorded beside each. Writes bench/results/kineto.json.
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, mkdtempSync, openSync, readFileSync, rmSync, statSync, symlinkSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { basename, join, resolve } from 'node:path';
import { tileTrace } from './kineto-tile.js';
import { openProfile } from '../src/profile/open.js';
import { timelineTiles } from '../src/profile/queries/timeline.js';

// bundled into bench/work/kineto.cjs by the bench:kineto script, so the repository is two levels up
const ROOT = resolve(__dirname, '..', '..');
const RESULTS = join(ROOT, 'bench', 'results', 'kineto.json');
const SHARED = [resolve(ROOT, '../shared/traces'), resolve(ROOT, '../../shared/traces')].find((d) => existsSync(d));
const REAL = [
  'hta/allreduce_v100_rank1.json.gz', 'hta/nccl_sendrecv_a100_rank0.json.gz', 'hta/nccl_a100.json.gz',
  'kineto-tb-samples/worker0.1623143089861.pt.trace.json.gz', 'tracelens/google_owlv2-large-patch14-ensemble__1016001.json.gz',
  'graphs/xdit_flux_profile_rank_0.json.gz',
];

const WRAP = `
import json, resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
u = resource.getrusage(resource.RUSAGE_CHILDREN)
print(json.dumps({'wall_s': time.perf_counter() - t, 'cpu_s': u.ru_utime + u.ru_stime, 'rc': r.returncode,
                  'stdout': r.stdout[-20000:], 'stderr': r.stderr[-2000:], 'maxrss_kb': u.ru_maxrss}))
`;
const PY_FLOOR = 'import json, sys\nwith open(sys.argv[1], "rb") as f:\n    v = json.load(f)\nprint(len(v["traceEvents"]))';
const HTA = `
import sys, os
sys.path.insert(0, os.environ['HTA_SRC'])
from hta.trace_analysis import TraceAnalysis
a = TraceAnalysis(trace_dir=sys.argv[1])
b = a.get_temporal_breakdown(visualize=False)
print(b.to_json())
`;

interface Measured { wall_s: number; cpu_s: number; rc: number; stdout: string; stderr: string; maxrss_kb: number }

function measure(cmd: string[], env: NodeJS.ProcessEnv = process.env): Measured & { load1: number } {
  const load1 = loadavg()[0]!;
  const r = spawnSync('python3', ['-c', WRAP, ...cmd], { encoding: 'utf8', maxBuffer: 64 << 20, cwd: ROOT, env });
  if (r.status !== 0) throw new Error(`measuring ${cmd.join(' ')} failed: ${r.stderr}`);
  return { ...(JSON.parse(r.stdout) as Measured), load1: +load1.toFixed(2) };
}

function row(what: string, m: Measured & { load1: number }, fileBytes: number, extra: Record<string, unknown> = {}): Record<string, unknown> {
  const out = {
    what, wall_s: +m.wall_s.toFixed(2), cpu_s: +m.cpu_s.toFixed(2), peak_rss_mb: Math.round(m.maxrss_kb / 1024),
    rss_over_file: +((m.maxrss_kb * 1024) / fileBytes).toFixed(3), rc: m.rc, load1: m.load1, ...extra,
  };
  console.log(`  ${JSON.stringify(out)}`);
  return out;
}

/** A sysight command in its own subprocess, with the profile cache off (every run reads the file). */
function cli(args: string[]): Measured & { load1: number } {
  return measure([process.execPath, join(ROOT, 'bin', 'sysight.js'), ...args], { ...process.env, SYSIGHT_CACHE: 'off' });
}

function sysight(file: string): Measured & { load1: number } {
  return cli(['profile', 'summary', file, '--json']);
}

/** The trace view's path, in a child of this bench (`--tiles FILE`): open, whole-profile tiles, a 1% window. */
async function tilesChild(file: string): Promise<void> {
  const t0 = performance.now();
  const m = await openProfile(file);
  const t1 = performance.now();
  const { startNs, endNs } = m.meta;
  const whole = timelineTiles(m, { startNs, endNs, pixels: 1920 });
  const t2 = performance.now();
  const mid = (startNs + endNs) / 2;
  const span = (endNs - startNs) / 200;
  const zoom = timelineTiles(m, { startNs: mid - span, endNs: mid + span, pixels: 1920 });
  const t3 = performance.now();
  const slices = (t: typeof whole) => t.lanes.reduce((n, l) => n + l.slices.length, 0);
  process.stdout.write(`${JSON.stringify({
    open_s: +((t1 - t0) / 1000).toFixed(2), whole_tiles_ms: Math.round(t2 - t1), zoom_tiles_ms: Math.round(t3 - t2),
    lanes: whole.lanes.length, whole_slices: slices(whole), zoom_slices: slices(zoom),
  })}\n`);
}

/** analyze, diff, ranks and the trace view's tiles on one file: what a user does after opening it. */
function downstream(file: string, bytes: number): Record<string, unknown>[] {
  const out: Record<string, unknown>[] = [];
  const a = cli(['analyze', file, '--json']);
  out.push(row('sysight analyze', a, bytes, facts(a, (j) => ({ findings: (j.findings as unknown[] | undefined)?.length, steps: (j.iterations as { count?: number } | undefined)?.count }))));
  const d = cli(['diff', file, file, '--json']);
  out.push(row('sysight diff (the file against itself)', d, bytes, facts(d, (j) => ({ verdict: j.verdict }))));
  const r = cli(['ranks', file, '--json']);
  out.push(row('sysight ranks', r, bytes, facts(r, (j) => ({ ranks: (j.ranks as unknown[] | undefined)?.length }))));
  const t = measure([process.execPath, __filename, '--tiles', file]);
  out.push(row('trace view: open + tiles', t, bytes, facts(t, (j) => j)));
  return out;
}

function hta(file: string): (Measured & { load1: number }) | undefined {
  if (!process.env.HTA_SRC) return undefined;
  const dir = mkdtempSync(join(resolve(file, '..'), 'hta-'));
  try {
    symlinkSync(resolve(file), join(dir, basename(file)));
    return measure([process.env.HTA_PYTHON ?? '/usr/bin/python3', '-c', HTA, dir]);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

function badFacts(m: Measured): Record<string, unknown> {
  const line = m.stderr.trim();
  return { one_line: line.length > 0 && !line.includes('\n'), message: line.slice(0, 300) };
}

/** What a command's JSON answer says (`pick`), or its last error line when it gave none. */
function facts(m: Measured, pick: (j: Record<string, unknown>) => Record<string, unknown>): Record<string, unknown> {
  try {
    return pick(JSON.parse(m.stdout) as Record<string, unknown>);
  } catch {
    return { error: m.stderr.trim().split('\n').pop() };
  }
}

function summaryFacts(m: Measured): Record<string, unknown> {
  return facts(m, (s) => ({ kernels: (s.counts as Record<string, number> | undefined)?.kernels, gpu_busy_pct: s.gpuBusyPct ?? s.gpu_busy_pct }));
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  if (args[0] === '--tiles' && args[1]) return tilesChild(args[1]);
  const opt = (name: string): string | undefined => {
    const i = args.indexOf(name);
    return i >= 0 ? args[i + 1] : undefined;
  };
  // `--sizes none`: only the side-by-side on the real traces (with HTA_SRC)
  const sizesArg = opt('--sizes') ?? '0.1,0.6,2,4';
  const sizes = sizesArg === 'none' ? [] : sizesArg.split(',').map(Number);
  if (sizes.some((g) => !(g > 0))) throw new Error(`--sizes takes GB numbers separated by commas, or none (got ${sizesArg})`);
  const source = resolve(opt('--source') ?? join(SHARED ?? '', REAL[0]!));
  const dir = resolve(opt('--dir') ?? process.env.KINETO_BENCH_DIR ?? join(ROOT, 'bench', 'work', 'kineto'));
  const floorMaxGb = Number(opt('--floor-max-gb') ?? '1');
  const badMaxGb = Number(opt('--bad-max-gb') ?? '2');
  if (!existsSync(source)) throw new Error(`no source trace ${source} (give --source)`);
  if (!existsSync(join(ROOT, 'dist', 'cli.js'))) throw new Error('run npm run build first');
  mkdirSync(dir, { recursive: true });
  const results: Record<string, unknown>[] = [];
  for (const gb of sizes) {
    const file = join(dir, `tiled-${gb}gb.json`);
    console.log(`${gb} GB: tiling ${basename(source)} into ${file}`);
    const t = performance.now();
    const stats = await tileTrace(source, file, gb * 1e9);
    const bytes = statSync(file).size;
    const entry: Record<string, unknown> = { size_gb: gb, bytes, events: stats.events, copies: stats.copies, tile_s: +((performance.now() - t) / 1000).toFixed(1), runs: [] };
    const runs = entry.runs as Record<string, unknown>[];
    try {
      const s = sysight(file);
      runs.push(row('sysight summary', s, bytes, summaryFacts(s)));
      if (gb <= floorMaxGb) runs.push(row('python3 json.load', measure(['python3', '-c', PY_FLOOR, file]), bytes));
      else runs.push({ what: 'python3 json.load', skipped: `above --floor-max-gb ${floorMaxGb}` });
      const h = hta(file);
      if (h) runs.push(row('HTA temporal breakdown', h, bytes));
      else runs.push({ what: 'HTA temporal breakdown', skipped: 'HTA_SRC unset' });
      if (!args.includes('--no-downstream')) runs.push(...downstream(file, bytes));
      // a control byte is invalid anywhere in JSON (strings included): read up to it, then one line
      const fd = openSync(file, 'r+');
      writeSync(fd, Buffer.from([0x01]), 0, 1, Math.floor(bytes * 0.97));
      closeSync(fd);
      if (gb <= badMaxGb) {
        const corrupt = sysight(file);
        runs.push(row('sysight summary, corrupt byte at 97%', corrupt, bytes, badFacts(corrupt)));
      } else runs.push({ what: 'sysight summary, corrupt byte at 97%', skipped: `above --bad-max-gb ${badMaxGb}` });
      truncateSync(file, Math.floor(bytes * 0.97));
      const cut = sysight(file);
      runs.push(row('sysight summary, file cut to 97%', cut, bytes, badFacts(cut)));
    } finally {
      if (!args.includes('--keep')) rmSync(file, { force: true });
    }
    results.push(entry);
  }
  // the real traces side by side with HTA: sysight and HTA alternate (--repeat times each, default 3), so load
  // that comes and goes falls on both; per trace the medians and the ratio of medians, with every run kept
  const real: Record<string, unknown>[] = [];
  if (process.env.HTA_SRC && SHARED) {
    const repeat = Number(opt('--repeat') ?? '3');
    const median = (xs: number[]) => { const v = [...xs].sort((a, b) => a - b); return v[Math.floor(v.length / 2)]!; };
    for (const rel of REAL) {
      const file = join(SHARED, rel);
      const bytes = statSync(file).size;
      console.log(`real trace ${rel} (${repeat}x each, alternating)`);
      const ours: Measured[] = [];
      const theirs: Measured[] = [];
      const runs: Record<string, unknown>[] = [];
      for (let i = 0; i < repeat; i++) {
        const s = sysight(file);
        ours.push(s);
        runs.push(row('sysight summary', s, bytes));
        const h = hta(file)!;
        theirs.push(h);
        runs.push(row('HTA temporal breakdown', h, bytes));
      }
      const ok = ours.every((m) => m.rc === 0) && theirs.every((m) => m.rc === 0);
      const t = { sysight_wall_s: +median(ours.map((m) => m.wall_s)).toFixed(2), hta_wall_s: +median(theirs.map((m) => m.wall_s)).toFixed(2),
        sysight_rss_mb: Math.round(median(ours.map((m) => m.maxrss_kb)) / 1024), hta_rss_mb: Math.round(median(theirs.map((m) => m.maxrss_kb)) / 1024) };
      const ratios = { time_ratio: +(t.sysight_wall_s / t.hta_wall_s).toFixed(3), rss_ratio: +(t.sysight_rss_mb / t.hta_rss_mb).toFixed(3) };
      console.log(`  ${rel}: ${JSON.stringify({ ok, ...t, ...ratios })}`);
      real.push({ trace: rel, bytes, ok, repeat, ...t, ...ratios, runs });
    }
  }
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model, mem_gb: Math.round(totalmem() / 2 ** 30), node: process.version };
  // sizes measured in earlier runs stay (one size at a time fits a busy machine); this run's replace them
  let earlier: Record<string, unknown>[] = [];
  let earlierReal: Record<string, unknown>[] = [];
  try {
    const before = JSON.parse(readFileSync(RESULTS, 'utf8')) as { sizes?: Record<string, unknown>[]; real?: Record<string, unknown>[] };
    earlier = before.sizes ?? [];
    earlierReal = before.real ?? [];
  } catch {
    // no earlier results
  }
  const sizesOut = [...earlier.filter((e) => !sizes.includes(e.size_gb as number)), ...results]
    .sort((a, b) => (a.size_gb as number) - (b.size_gb as number));
  writeFileSync(RESULTS, `${JSON.stringify({ date: new Date().toISOString(), machine, source: basename(source), sizes: sizesOut, real: real.length ? real : earlierReal }, null, 2)}\n`);
  console.log(`wrote ${RESULTS}`);
}

void main().catch((e: unknown) => {
  console.error((e as Error).message);
  process.exit(2);
});
