// `npm run bench:cache [-- --sizes 100mb,1gb] [--repeat N]` (inputs: $SYSIGHT_BENCH_BIG, caches: $SYSIGHT_BENCH_WORK): the profile cache on generated nsys-schema profiles
// (written under /work/big/cache or $SYSIGHT_BENCH_BIG, deleted afterwards). Per size, in one run and interleaved:
// the native floor (python3's sqlite3 running the summary's aggregates, bench/profile_native.py), the first
// `sysight profile summary` (reads the SQLite file and writes the cache), later summaries (answered from the
// cache: the kept answer), a later summary with another --limit (computed from the cached model), and
// `sysight diff A A` with both sides cached (the first diff keeps each side's step metrics, the second reads them),
// and the dashboard through the extension's own worker (bench/cache-session.ts: openSession on
// dist/profile-session.js): the first session on the cached model (it keeps the opening and the tile index), then
// later sessions: dashboard ready (the worker's `opened` reply) and the trace view's first tiles. Wall time and
// peak RSS of each process. Writes bench/results/cache.json (rows of sizes not run are kept). An input already
// there is used and kept; one this run generates is deleted. Times depend on the machine's load: the results
// file records `uptime` with them.
import { execSync, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { presetScenario, writeNsysProfile } from '../src/profile/generator/index.js';
import { QUERIES } from './profile-queries.js';

const ROOT = resolve(__dirname, '..', '..');
const BIG = process.env.SYSIGHT_BENCH_BIG ?? '/work/big/cache';
/** where the run's profile caches go (default BIG) */
const WORK = process.env.SYSIGHT_BENCH_WORK ?? BIG;
const SIZES: Record<string, number> = { '100mb': 10_200, '1gb': 110_000, '4gb': 440_000 };
const WRAP = `
import json, resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({'wall_s': time.perf_counter() - t, 'rc': r.returncode, 'stdout': r.stdout[-4000:], 'stderr': r.stderr[-2000:],
                  'maxrss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
`;

interface Run { wall_s: number; peak_rss_mb: number; rss_over_file: number; cache?: string | undefined; stdout?: string }

function measure(cmd: string[], env: NodeJS.ProcessEnv, bytes: number): Run {
  const r = spawnSync('python3', ['-c', WRAP, ...cmd], { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const m = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { wall_s: number; rc: number; stdout: string; stderr: string; maxrss_kb: number };
  if (m.rc !== 0) throw new Error(`${cmd.join(' ')} failed: ${m.stderr}`);
  const cache = /"cache": "(\w+)"/.exec(m.stdout)?.[1];
  return { wall_s: m.wall_s, peak_rss_mb: Math.round(m.maxrss_kb / 1024), rss_over_file: (m.maxrss_kb * 1024) / bytes, cache, stdout: m.stdout };
}

/** A dashboard session (bench/cache-session.ts) in its own process: its timings, wall time and peak RSS. */
function session(file: string, env: NodeJS.ProcessEnv, bytes: number): Record<string, unknown> {
  const r = measure([process.execPath, join(ROOT, 'bench', 'work', 'cache-session.cjs'), file, '1600'], env, bytes);
  const timings = JSON.parse(r.stdout!.trim().split('\n').pop()!) as Record<string, unknown>;
  return { ...timings, process_wall_s: r.wall_s, peak_rss_mb: r.peak_rss_mb };
}

const quiet = ({ stdout: _s, ...r }: Run) => r;

function main(): void {
  const argv = process.argv.slice(2);
  const sizes = (argv.includes('--sizes') ? argv[argv.indexOf('--sizes') + 1]! : '100mb').split(',');
  const repeat = argv.includes('--repeat') ? Number(argv[argv.indexOf('--repeat') + 1]) : 3;
  const cli = join(ROOT, 'bin', 'sysight.js');
  const q = JSON.stringify(QUERIES);
  mkdirSync(BIG, { recursive: true });
  const results: Record<string, unknown>[] = [];
  for (const size of sizes) {
    const iterations = SIZES[size];
    if (!iterations) throw new Error(`unknown size ${size}`);
    const file = join(BIG, `bench-${size}.sqlite`);
    let generated = false;
    mkdirSync(WORK, { recursive: true });
    const cacheDir = mkdtempSync(join(WORK, 'cache-'));
    const env = { ...process.env, SYSIGHT_CACHE: cacheDir };
    try {
      process.stderr.write(`generating ${size}...\n`);
      generated = !existsSync(file);
      if (generated) writeNsysProfile(presetScenario('bench', iterations), file);
      const bytes = statSync(file).size;
      const native: Run[] = [];
      const later: Run[] = [];
      const summary = [process.execPath, cli, 'profile', 'summary', file, '--json'];
      native.push(measure(['python3', join(ROOT, 'bench', 'profile_native.py'), file, q], env, bytes));
      process.stderr.write(`${size}: first open...\n`);
      const first = measure(summary, env, bytes);
      const laterModel: Run[] = [];
      for (let i = 0; i < repeat; i++) {
        later.push(measure(summary, env, bytes));
        // another --limit each time: an answer not kept yet, computed from the cached model
        laterModel.push(measure([...summary, '--limit', String(6 + i)], env, bytes));
        native.push(measure(['python3', join(ROOT, 'bench', 'profile_native.py'), file, q], env, bytes));
      }
      // a full open (diff) replaces the count-only entry the summary wrote; the second diff reads it
      process.stderr.write(`${size}: diff...\n`);
      const diffCold = measure([process.execPath, cli, 'diff', file, file, '--json'], env, bytes);
      const diff = measure([process.execPath, cli, 'diff', file, file, '--json'], env, bytes);
      // the dashboard: the first session on the cached model keeps its opening and tile index; later ones read them
      process.stderr.write(`${size}: dashboard sessions...\n`);
      const sessionFirst = session(file, env, bytes);
      const sessions = Array.from({ length: repeat }, () => session(file, env, bytes));
      native.push(measure(['python3', join(ROOT, 'bench', 'profile_native.py'), file, q], env, bytes));
      const floor = Math.min(...native.map((n) => n.wall_s));
      const best = (rs: Run[]) => quiet(rs.reduce((a, b) => (a.wall_s <= b.wall_s ? a : b)));
      const bestSession = sessions.reduce((a, b) => ((a.first_tiles_s as number) <= (b.first_tiles_s as number) ? a : b));
      results.push({
        size, bytes, uptime: execSync('uptime').toString().trim(),
        native_floor_s: floor, native_runs_s: native.map((n) => n.wall_s),
        first_open: { ...quiet(first), over_floor: first.wall_s / floor },
        later_open: { ...best(later), over_floor: best(later).wall_s / floor, runs_s: later.map((l) => l.wall_s) },
        later_open_model: { ...best(laterModel), over_floor: best(laterModel).wall_s / floor, runs_s: laterModel.map((l) => l.wall_s) },
        diff_first_full_open: { ...quiet(diffCold), over_floor: diffCold.wall_s / floor },
        diff_cached: { ...quiet(diff), over_floor: diff.wall_s / floor },
        dashboard_first_session: sessionFirst,
        dashboard_cached: { ...bestSession, runs: sessions.map((x) => ({ ready_s: x.dashboard_ready_s, first_tiles_s: x.first_tiles_s })) },
      });
      process.stdout.write(`${JSON.stringify(results.at(-1))}\n`);
      writeResults(sizes, repeat, results);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
      if (generated) rmSync(file, { force: true });
    }
  }
}

/** bench/results/cache.json with this run's rows replacing those of the same sizes; other sizes' rows kept. */
function writeResults(sizes: string[], repeat: number, rows: Record<string, unknown>[]): void {
  const path = join(ROOT, 'bench', 'results', 'cache.json');
  let kept: Record<string, unknown>[] = [];
  try {
    kept = (JSON.parse(readFileSync(path, 'utf8')) as { results: Record<string, unknown>[] }).results
      .filter((r) => !rows.some((x) => x.size === r.size));
  } catch {
    // none yet
  }
  const order = Object.keys(SIZES);
  const results = [...kept, ...rows].sort((a, b) => order.indexOf(String(a.size)) - order.indexOf(String(b.size)));
  writeFileSync(path, `${JSON.stringify({ date: new Date().toISOString(), command: `npm run bench:cache -- --sizes ${sizes.join(',')} --repeat ${repeat}`, results }, null, 2)}\n`);
}

main();
