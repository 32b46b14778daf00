// `npm run bench:profile [-- --sizes 100mb,1gb] [--repeat N]`: generates nsys-schema profiles of about 100 MB and
// 1 GB (cached in bench/work/), then, each in its own subprocess so that peak memory is measured separately:
//   native  python3's built-in sqlite3 running the aggregates of profile-queries.ts (the floor),
//   sqljs   sql.js loading the whole file and running the same SQL (the naive path),
//   sysight `node bin/sysight.js profile summary FILE --json`, when that command exists.
// Peak RSS comes from getrusage(RUSAGE_CHILDREN) of a python3 wrapper around each subprocess. Writes
// bench/results/profile.json and prints a table.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { presetScenario, writeNsysProfile } from '../src/profile/generator/index.js';
import { QUERIES } from './profile-queries.js';

// bundled into bench/work/profile.cjs by the bench:profile script, so the repository is two levels up
const ROOT = resolve(__dirname, '..', '..');
const WORK = join(ROOT, 'bench', 'work');
const RESULTS = join(ROOT, 'bench', 'results', 'profile.json');
/** iterations of the `bench` preset (~9.8 KB and ~210 rows each) per named size; 1gb crosses the 1 GiB lock-byte page */
const SIZES: Record<string, number> = { '100mb': 10_200, '1gb': 110_000 };
const GEN_VERSION = 1; // bump when the generator's output changes, to invalidate the cache

const WRAP = `
import json, resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({'wall_s': time.perf_counter() - t, 'rc': r.returncode, 'stdout': r.stdout, 'stderr': r.stderr[-2000:],
                  'maxrss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
`;

interface Measured { wall_s: number; rc: number; stdout: string; stderr: string; maxrss_kb: number }

function measure(cmd: string[]): Measured {
  const r = spawnSync('python3', ['-c', WRAP, ...cmd], { encoding: 'utf8', maxBuffer: 64 << 20, cwd: ROOT });
  if (r.status !== 0) throw new Error(`measuring ${cmd.join(' ')} failed: ${r.stderr}`);
  return JSON.parse(r.stdout) as Measured;
}

/** The JSON object the command printed: the whole output (pretty-printed, as the CLI's --json), else its last line. */
function lastJson(s: string): Record<string, unknown> | null {
  for (const text of [s.trim(), s.trim().split('\n').pop()]) {
    try {
      if (text) return JSON.parse(text) as Record<string, unknown>;
    } catch {
      /* try the next form */
    }
  }
  return null;
}

function generateMode(file: string, iterations: number): void {
  const t = performance.now();
  const stats = writeNsysProfile(presetScenario('bench', iterations), file);
  const out = { ...stats, seconds: (performance.now() - t) / 1000, bytes: statSync(file).size };
  writeFileSync(`${file}.json`, JSON.stringify(out));
  process.stdout.write(`${JSON.stringify(out)}\n`);
}

interface Variant {
  name: string;
  available: boolean;
  note?: string;
  cmd: (file: string) => string[];
}

function variants(): Variant[] {
  const q = JSON.stringify(QUERIES);
  const cli = join(ROOT, 'bin', 'sysight.js');
  const probe = spawnSync(process.execPath, [cli, 'profile', 'summary', '--help'], { encoding: 'utf8' });
  // an unknown command prints the top-level help (exit 0), so look for the subcommand's own usage line
  const hasSummary = probe.status === 0 && /Usage: sysight profile summary/.test(probe.stdout);
  return [
    { name: 'native', available: true, cmd: (f) => ['python3', join(ROOT, 'bench', 'profile_native.py'), f, q] },
    { name: 'sqljs', available: true, cmd: (f) => [process.execPath, join(WORK, 'profile-sqljs.cjs'), f, q] },
    {
      name: 'sysight', available: hasSummary, ...(hasSummary ? {} : { note: '`sysight profile summary` not on this branch yet' }),
      cmd: (f) => [process.execPath, cli, 'profile', 'summary', f, '--json'],
    },
  ];
}

function parseArgs(argv: string[]): { sizes: string[]; repeat: number } {
  let sizes = Object.keys(SIZES);
  let repeat = 1;
  for (let i = 0; i < argv.length; i++) {
    if (argv[i] === '--sizes') sizes = (argv[++i] ?? '').split(',').filter(Boolean);
    else if (argv[i] === '--repeat') repeat = Math.max(1, Number(argv[++i]) || 1);
  }
  for (const s of sizes) if (!SIZES[s]) throw new Error(`unknown size ${s} (known: ${Object.keys(SIZES).join(', ')})`);
  return { sizes, repeat };
}

const mb = (kb: number) => kb / 1024;
const fmt = (v: number | undefined, d = 2) => (v === undefined || Number.isNaN(v) ? '-' : v.toFixed(d));

function main(): void {
  const argv = process.argv.slice(2);
  if (argv[0] === '--generate-only') return generateMode(argv[1]!, Number(argv[2]));
  const { sizes, repeat } = parseArgs(argv);
  mkdirSync(WORK, { recursive: true });
  const vs = variants();
  const results: Record<string, unknown>[] = [];
  for (const size of sizes) {
    const iterations = SIZES[size]!;
    const file = join(WORK, `profile-${size}-bench${iterations}-g${GEN_VERSION}.sqlite`);
    let gen: Record<string, unknown>;
    if (existsSync(file) && existsSync(`${file}.json`)) {
      gen = { ...JSON.parse(readFileSync(`${file}.json`, 'utf8')), cached: true };
    } else {
      process.stderr.write(`generating ${size} (${iterations} iterations)...\n`);
      const m = measure([process.execPath, join(WORK, 'profile.cjs'), '--generate-only', file, String(iterations)]);
      if (m.rc !== 0) throw new Error(`generation failed: ${m.stderr}`);
      gen = { ...lastJson(m.stdout), peak_rss_mb: mb(m.maxrss_kb), cached: false };
    }
    const bytes = statSync(file).size;
    const rows = Number(gen.rows);
    const entry: Record<string, unknown> = { size, file: file.slice(ROOT.length + 1), bytes, rows, generate: gen, variants: {} };
    const out = entry.variants as Record<string, unknown>;
    for (const v of vs) {
      if (!v.available) {
        out[v.name] = { skipped: v.note };
        continue;
      }
      let best: Record<string, unknown> | null = null;
      for (let r = 0; r < repeat; r++) {
        process.stderr.write(`${size} ${v.name} run ${r + 1}/${repeat}...\n`);
        const m = measure(v.cmd(file));
        if (m.rc !== 0) {
          best = { error: m.stderr.trim().split('\n').pop(), wall_s: m.wall_s, peak_rss_mb: mb(m.maxrss_kb) };
          break;
        }
        const j = lastJson(m.stdout) ?? {};
        const timings = (j.timings ?? {}) as Record<string, number>;
        const res = {
          open_s: (j.open_s as number | undefined) ?? (timings.openMs !== undefined ? timings.openMs / 1000 : undefined),
          summary_s: (j.summary_s as number | undefined) ?? (timings.summaryMs !== undefined ? timings.summaryMs / 1000 : undefined),
          wall_s: m.wall_s, peak_rss_mb: mb(m.maxrss_kb), rss_over_file: (m.maxrss_kb * 1024) / bytes,
          queries_s: j.queries_s,
        };
        if (!best || (res.wall_s as number) < (best.wall_s as number)) best = res;
      }
      out[v.name] = best;
    }
    const native = out.native as { summary_s: number; wall_s: number };
    for (const v of vs) {
      const r = out[v.name] as Record<string, number> | undefined;
      if (!r || r.wall_s === undefined || r.error) continue;
      if (r.summary_s !== undefined) r.summary_vs_native = r.summary_s / native.summary_s;
      r.wall_vs_native = r.wall_s / native.wall_s;
      r.us_per_row = (r.wall_s * 1e6) / rows;
    }
    results.push(entry);
  }
  const linearity: Record<string, number> = {};
  if (results.length >= 2) {
    const [a, b] = [results[0]!, results[results.length - 1]!];
    for (const v of vs) {
      const ra = (a.variants as Record<string, Record<string, number>>)[v.name];
      const rb = (b.variants as Record<string, Record<string, number>>)[v.name];
      if (ra?.us_per_row && rb?.us_per_row) linearity[v.name] = rb.us_per_row / ra.us_per_row;
    }
  }
  const report = {
    benchmark: 'profile', date: new Date().toISOString(), command: `npm run bench:profile -- --sizes ${sizes.join(',')} --repeat ${repeat}`,
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model, memory_gb: totalmem() / 2 ** 30, node: process.version,
      load_average_1_5_15_at_end: loadavg(), // other work on the machine inflates times: compare ratios within one run
      python: spawnSync('python3', ['-c', 'import sys, sqlite3; print(sys.version.split()[0], sqlite3.sqlite_version)'], { encoding: 'utf8' }).stdout.trim() },
    queries: Object.keys(QUERIES), results, linearity_cost_per_row_largest_over_smallest: linearity,
  };
  mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify(report, null, 2)}\n`);
  printTable(results, linearity);
}

function printTable(results: Record<string, unknown>[], linearity: Record<string, number>): void {
  const head = ['size', 'rows', 'variant', 'open s', 'summary s', 'wall s', 'peak MB', 'RSS/file', 'summary/native', 'wall/native'];
  const lines = [head];
  for (const e of results) {
    for (const [name, r] of Object.entries(e.variants as Record<string, Record<string, number> & { skipped?: string; error?: string }>)) {
      if (r.skipped || r.error) {
        lines.push([e.size as string, String(e.rows), name, r.skipped ? `skipped: ${r.skipped}` : `error: ${r.error}`]);
        continue;
      }
      lines.push([e.size as string, String(e.rows), name, fmt(r.open_s), fmt(r.summary_s), fmt(r.wall_s), fmt(r.peak_rss_mb, 0),
        fmt(r.rss_over_file), fmt(r.summary_vs_native), fmt(r.wall_vs_native)]);
    }
    const g = e.generate as Record<string, number>;
    lines.push([e.size as string, String(e.rows), 'generate', '', '', fmt(g.seconds), g.peak_rss_mb ? fmt(g.peak_rss_mb, 0) : '(cached)']);
  }
  const w = head.map((_, i) => Math.max(...lines.map((l) => (l[i] ?? '').length)));
  for (const l of lines) process.stdout.write(`${l.map((c, i) => (c ?? '').padEnd(w[i]!)).join('  ')}\n`);
  if (Object.keys(linearity).length) {
    process.stdout.write(`cost per row, largest / smallest size (1.0 = linear): ${Object.entries(linearity).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')}\n`);
  }
  process.stdout.write(`wrote ${RESULTS.slice(ROOT.length + 1)}\n`);
}

main();
