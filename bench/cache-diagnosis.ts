// `npm run bench:cache-diagnosis -- --base DIR [--base-label TEXT] [--sizes 100mb,1gb] [--repeat N] [--out NAME.json]`
// The dashboard's diagnosis on a cached open, before and after it was kept in the cache entry, interleaved in one
// run. DIR is another build of Sysight (a checkout where `npm run build` ran: its dist/profile-session.js is the
// "before" worker, driven by its own bench/work/cache-session.cjs when it has one built — the client must speak its
// worker's protocol — else by this checkout's); "after" is this checkout's dist/. Per size (inputs: $SYSIGHT_BENCH_BIG, caches:
// $SYSIGHT_BENCH_WORK, as bench/cache.ts): a fresh cache folder per build (an entry written by a build with another
// reader stamp is dropped as stale by the other: one shared folder would make every open a first one); one first
// session per build (it reads the profile and writes its cache entry, with whatever that build keeps); then N
// rounds of one cached session per build, in ABBA order, each in its own process (bench/cache-session.ts
// --diagnosis-first: the dashboard's order, the diagnosis asked as soon as the overview is ready). Timed from the
// call: dashboard ready, the diagnosis in hand (what the summary tab waits for), and then the trace view's first
// tiles. Writes bench/results/cache-diagnosis.json or --out's name there (rows of sizes not run are kept) with
// `uptime` before and after.
import { execSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { presetScenario, writeNsysProfile } from '../src/profile/generator/index.js';
import { BIG, SIZES, WORK, session, writeResults } from './cache-measure.js';

type Session = Record<string, unknown>;
const pick = (s: Session) => ({
  ready_s: s.dashboard_ready_s, diagnosis_s: s.diagnosis_s, diagnosis_query_s: s.diagnosis_query_s,
  first_tiles_s: s.first_tiles_s, tiles_query_s: s.tiles_query_s, peak_rss_mb: s.peak_rss_mb, findings: s.findings,
});
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[s.length >> 1]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
};

function main(): void {
  const argv = process.argv.slice(2);
  const opt = (name: string) => (argv.includes(name) ? argv[argv.indexOf(name) + 1] : undefined);
  const base = opt('--base');
  if (!base || !existsSync(join(base, 'dist', 'profile-session.js'))) {
    throw new Error('--base DIR: a built checkout of the engine to compare with (DIR/dist/profile-session.js)');
  }
  const baseWorker = resolve(base, 'dist', 'profile-session.js');
  const baseSession = resolve(base, 'bench', 'work', 'cache-session.cjs');
  const baseRun = existsSync(baseSession) ? { args: [], script: baseSession } : { args: ['--worker', baseWorker], script: undefined };
  const sizes = (opt('--sizes') ?? '100mb').split(',');
  const repeat = Number(opt('--repeat') ?? 3);
  const rows: Session[] = [];
  for (const size of sizes) {
    const iterations = SIZES[size];
    if (!iterations) throw new Error(`unknown size ${size}`);
    mkdirSync(BIG, { recursive: true });
    mkdirSync(WORK, { recursive: true });
    const file = join(BIG, `bench-${size}.sqlite`);
    const generated = !existsSync(file);
    const caches = { before: mkdtempSync(join(WORK, 'cache-before-')), after: mkdtempSync(join(WORK, 'cache-after-')) };
    try {
      if (generated) {
        process.stderr.write(`generating ${size}...\n`);
        writeNsysProfile(presetScenario('bench', iterations), file);
      }
      const bytes = statSync(file).size;
      const uptimeBefore = execSync('uptime').toString().trim();
      const run = (which: 'before' | 'after') => session(file, { ...process.env, SYSIGHT_CACHE: caches[which] }, bytes,
        which === 'before' ? [...baseRun.args, '--diagnosis-first'] : ['--diagnosis-first'], which === 'before' ? baseRun.script : undefined);
      process.stderr.write(`${size}: first sessions (each build writes its cache entry)...\n`);
      const first = { before: run('before'), after: run('after') };
      const runs: { before: Session[]; after: Session[] } = { before: [], after: [] };
      for (let i = 0; i < repeat; i++) {
        const order = i % 2 === 0 ? (['before', 'after'] as const) : (['after', 'before'] as const);
        for (const which of order) {
          process.stderr.write(`${size}: round ${i + 1}, ${which}...\n`);
          runs[which].push(run(which));
        }
      }
      const summary = (ss: Session[]) => ({
        median_ready_s: median(ss.map((s) => s.dashboard_ready_s as number)),
        median_diagnosis_s: median(ss.map((s) => s.diagnosis_s as number)),
        median_first_tiles_s: median(ss.map((s) => s.first_tiles_s as number)),
        runs: ss.map(pick),
      });
      const before = summary(runs.before);
      const after = summary(runs.after);
      rows.push({
        size, bytes, base: opt('--base-label') ?? resolve(base), uptime_before: uptimeBefore, uptime_after: execSync('uptime').toString().trim(),
        first_session: { before: pick(first.before), after: pick(first.after) },
        cached_before: before, cached_after: after,
        diagnosis_after_over_before: after.median_diagnosis_s / before.median_diagnosis_s,
      });
      process.stdout.write(`${JSON.stringify(rows.at(-1))}\n`);
      const label = opt('--base-label');
      const out = opt('--out') ?? 'cache-diagnosis.json';
      const command = `npm run bench:cache-diagnosis -- --base ${label ? `<a build of ${label}>` : base} --sizes ${sizes.join(',')} --repeat ${repeat} --out ${out}`;
      writeResults(out, command, rows);
    } finally {
      for (const dir of Object.values(caches)) rmSync(dir, { recursive: true, force: true });
      if (generated) rmSync(file, { force: true });
    }
  }
}

main();
