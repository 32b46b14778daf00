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
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { presetScenario, writeNsysProfile } from '../src/profile/generator/index.js';
import { BIG, ROOT, type Run, SIZES, WORK, measure, session, writeResults } from './cache-measure.js';
import { QUERIES } from './profile-queries.js';

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
      writeResults('cache.json', `npm run bench:cache -- --sizes ${sizes.join(',')} --repeat ${repeat}`, results);
    } finally {
      rmSync(cacheDir, { recursive: true, force: true });
      if (generated) rmSync(file, { force: true });
    }
  }
}

main();
