// `npm run bench:ranks-reduce [-- --ranks 16,128,1024 --steps 100 --repeat 3 --v1-timeout 300 --no-v1 --out FILE]`: the ranks reduce
// before and after the streaming reduce, on generated rank summaries (src/profile/generator/rank-summaries.ts:
// one nsys export per rank, each on its own clock, `steps` steps of 4 all-reduces, a compute straggler and a
// slow loader), written once as *.summary.json files under bench/work/ranks-reduce/. Each measurement is one
// child process (bench/ranks-reduce-run.ts) that reads the folder and reduces it: wall time and its own peak
// RSS. Old and new run interleaved (the order flips every repetition), `repeat` times; the old reduce is given
// up after `v1-timeout` s (it grows faster than the square of the rank count). The two reports must hash the
// same where both finished. The load average is taken before every measurement. Writes
// bench/results/ranks-reduce.json and prints a table. Numbers only.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { generateRankSummaries } from '../src/profile/generator/rank-summaries.js';

const ROOT = resolve(__dirname, '..', '..');
const WORK = join(ROOT, 'bench', 'work', 'ranks-reduce');
const RUNNER = join(ROOT, 'bench', 'work', 'ranks-reduce-run.cjs');

const flag = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const RANKS = (flag('ranks') ?? '16,128,1024').split(',').map(Number);
const STEPS = Number(flag('steps') ?? 100);
const REPEAT = Number(flag('repeat') ?? 3);
const V1_TIMEOUT_S = Number(flag('v1-timeout') ?? 300);
const NO_V1 = process.argv.includes('--no-v1');
const RESULTS = resolve(flag('out') ?? join(ROOT, 'bench', 'results', 'ranks-reduce.json'));

function summaries(n: number): { dir: string; bytes: number } {
  const dir = join(WORK, `${n}x${STEPS}`);
  const done = join(dir, '.complete');
  if (!existsSync(done)) {
    rmSync(dir, { recursive: true, force: true });
    mkdirSync(dir, { recursive: true });
    generateRankSummaries({ ranks: n, steps: STEPS, straggler: 1, slowData: 2, seed: n }).forEach((s, r) =>
      writeFileSync(join(dir, `rank-${r}.summary.json`), JSON.stringify(s)));
    writeFileSync(done, '');
  }
  const bytes = readdirSync(dir).filter((f) => f.endsWith('.summary.json')).reduce((a, f) => a + statSync(join(dir, f)).size, 0);
  return { dir, bytes };
}

interface Run { impl: string; wall_s: number; peak_rss_mb: number; report_sha: string; ranks: number; stragglers: unknown; load1: number; timed_out?: boolean }

function measure(impl: 'v1' | 'stream' | 'none', dir: string, timeoutS: number): Run {
  const load1 = loadavg()[0]!;
  const r = spawnSync(process.execPath, [RUNNER, '--impl', impl, '--dir', dir], { encoding: 'utf8', timeout: timeoutS * 1000, maxBuffer: 64 << 20 });
  if (r.error && (r.error as NodeJS.ErrnoException).code === 'ETIMEDOUT') {
    return { impl, wall_s: timeoutS, peak_rss_mb: Number.NaN, report_sha: '', ranks: 0, stragglers: null, load1, timed_out: true };
  }
  if (r.status !== 0) throw new Error(`${impl} on ${dir} failed (exit ${r.status}): ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return { ...(JSON.parse(r.stdout.trim().split('\n').pop()!) as Omit<Run, 'load1'>), load1 };
}

const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : Number.NaN;
};
const r2 = (x: number) => Math.round(x * 100) / 100;
const range = (xs: number[]) => (xs.length ? [r2(Math.min(...xs)), r2(Math.max(...xs))] : null);

const node = measure('none', WORK, 60);
const rows = RANKS.map((n) => {
  const { dir, bytes } = summaries(n);
  process.stderr.write(`${n} ranks: ${(bytes / 1e6).toFixed(1)} MB of summaries in ${dir}\n`);
  const runs: Run[] = [];
  let v1GaveUp = false;
  for (let rep = 0; rep < REPEAT; rep++) {
    const order: Array<'v1' | 'stream'> = rep % 2 ? ['stream', 'v1'] : ['v1', 'stream'];
    for (const impl of order) {
      if (impl === 'v1' && (v1GaveUp || NO_V1)) continue;
      const m = measure(impl, dir, impl === 'v1' ? V1_TIMEOUT_S : 600);
      if (m.timed_out) v1GaveUp = true;
      runs.push(m);
      process.stderr.write(`  ${impl.padEnd(6)} ${m.timed_out ? `gave up after ${V1_TIMEOUT_S} s` : `${m.wall_s.toFixed(2)} s, peak ${m.peak_rss_mb.toFixed(0)} MB`} (load ${m.load1.toFixed(1)})\n`);
    }
  }
  const of = (impl: string) => runs.filter((r) => r.impl === impl && !r.timed_out);
  const stat = (impl: string) => {
    const rs = of(impl);
    const wall = median(rs.map((r) => r.wall_s));
    const peak = median(rs.map((r) => r.peak_rss_mb));
    return {
      runs: rs.length, gave_up_after_s: runs.some((r) => r.impl === impl && r.timed_out) ? V1_TIMEOUT_S : null,
      wall_s_median: r2(wall), wall_s_range: range(rs.map((r) => r.wall_s)), peak_rss_mb_median: r2(peak), peak_rss_mb_range: range(rs.map((r) => r.peak_rss_mb)),
      ms_per_rank: r2((wall * 1000) / n), kb_per_rank_over_node: r2(((peak - node.peak_rss_mb) * 1024) / n),
    };
  };
  const shas = new Set(runs.filter((r) => !r.timed_out).map((r) => r.report_sha));
  return {
    ranks: n, steps: STEPS, collectives_per_rank: STEPS * 4, summary_bytes_total: bytes,
    v1: stat('v1'), stream: stat('stream'), reports_identical: of('v1').length ? shas.size === 1 : null,
    stragglers: of('stream')[0]?.stragglers ?? null, load1_range: range(runs.map((r) => r.load1)),
  };
});

const result = {
  benchmark: 'ranks-reduce', date: new Date().toISOString(),
  command: `npm run bench:ranks-reduce -- ${process.argv.slice(2).join(' ')}`,
  machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? '?', memory_gb: r2(totalmem() / 2 ** 30), node: process.version, node_empty_rss_mb: r2(node.peak_rss_mb), load_average_1_5_15_at_end: loadavg().map(r2) },
  rows,
};
mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
writeFileSync(RESULTS, `${JSON.stringify(result, null, 1)}\n`);
console.log('ranks  summaries   old reduce: wall, peak RSS          streaming reduce: wall, peak RSS      same report  load');
for (const r of rows) {
  const v1 = r.v1.runs ? `${r.v1.wall_s_median} s, ${r.v1.peak_rss_mb_median} MB` : r.v1.gave_up_after_s ? `gave up after ${r.v1.gave_up_after_s} s` : 'not run';
  console.log(`${String(r.ranks).padStart(5)}  ${(r.summary_bytes_total / 1e6).toFixed(1).padStart(6)} MB   ${v1.padEnd(32)} ${`${r.stream.wall_s_median} s, ${r.stream.peak_rss_mb_median} MB`.padEnd(36)} ${String(r.reports_identical).padEnd(11)}  ${r.load1_range?.join('–')}`);
}
console.log(`written ${RESULTS}`);
