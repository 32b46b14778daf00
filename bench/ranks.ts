// `npm run bench:ranks [-- --ranks 16 --size-mb 100 --workers N --no-slurm]`: the multi-rank map/reduce three ways
// on this machine, each as the real CLI in a subprocess:
//   sequential  `sysight ranks <profiles…> --json`              (one process summarizes every rank in turn)
//   local pool  `sysight ranks submit --scheduler local …`      (N workers, each a child process with a heap limit)
//   slurm       `sysight ranks submit --scheduler slurm …`      (a job array on a single-node Slurm started here)
// plus the reduce alone over the map's summaries (`sysight ranks <dir of summaries>`). Rank profiles are
// generated once (`sysight generate --ranks N --out-dir D --size-mb S`, cached in bench/work/). Peak memory: each
// Node process reports its own maxRSS as it exits (the map scheduler's usage preload). The three reports must be
// identical (JSON); the result says so. Writes bench/results/ranks.json and prints a table. Numbers only.
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, totalmem } from 'node:os';
import { join, resolve } from 'node:path';
import { readSummaryFile, reduceRanks } from '../src/analyze/ranks/index.js';
import { USAGE_ENV, readUsage, writeUsagePreload } from '../src/cluster/taskfiles.js';
import { slurmUnavailable, startSlurm, type SlurmCluster } from '../test/support/slurm.js';

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'sysight.js');
const WORK = join(ROOT, 'bench', 'work', 'ranks');
const RESULTS = join(ROOT, 'bench', 'results', 'ranks.json');

function flag(name: string): string | undefined {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
}
const RANKS = Number(flag('ranks') ?? 16);
const SIZE_MB = Number(flag('size-mb') ?? 100);
const WORKERS = Number(flag('workers') ?? cpus().length);
const NO_SLURM = process.argv.includes('--no-slurm');

interface Measured { wall_s: number; rc: number; stdout: string; stderr: string; peak_rss_mb: number | null; cpu_s: number | null }

/** Runs the CLI; its own peak RSS comes back through the usage preload. */
function measure(args: string[], env: NodeJS.ProcessEnv = process.env): Measured {
  const usage = join(WORK, 'usage-main.json');
  rmSync(usage, { force: true });
  const preload = writeUsagePreload(WORK);
  const t = performance.now();
  const r = spawnSync(process.execPath, [BIN, ...args], {
    encoding: 'utf8', maxBuffer: 256 << 20, cwd: ROOT,
    env: { ...env, NODE_OPTIONS: `--require "${preload}"`, [USAGE_ENV]: usage },
  });
  const wall = (performance.now() - t) / 1000;
  const u = readUsage(usage);
  return { wall_s: wall, rc: r.status ?? -1, stdout: r.stdout, stderr: r.stderr, peak_rss_mb: u ? u.maxRssKiB / 1024 : null, cpu_s: u ? (u.userUs + u.systemUs) / 1e6 : null };
}

function must(m: Measured, what: string): Measured {
  if (m.rc !== 0) throw new Error(`${what} failed (exit ${m.rc}): ${m.stderr.trim().split('\n').slice(-3).join(' | ')}`);
  return m;
}

function profiles(): { dir: string; files: string[]; generate_s: number | null } {
  const dir = join(WORK, `profiles-${RANKS}x${SIZE_MB}mb`);
  const done = join(dir, '.complete');
  if (!existsSync(done)) {
    rmSync(dir, { recursive: true, force: true });
    process.stderr.write(`generating ${RANKS} rank profiles of ~${SIZE_MB} MB in ${dir}...\n`);
    const g = must(measure(['generate', '--ranks', String(RANKS), '--out-dir', dir, '--size-mb', String(SIZE_MB), '--straggler', '1', '--slow-data', '2', '--json']), 'generate');
    writeFileSync(done, JSON.stringify({ generate_s: g.wall_s }));
  }
  const files = readdirSync(dir).filter((f) => f.endsWith('.sqlite')).sort().map((f) => join(dir, f));
  return { dir, files, generate_s: (JSON.parse(readFileSync(done, 'utf8')) as { generate_s: number }).generate_s };
}

interface TaskRow { peakRssBytes?: number; wallMs?: number; cpuMs?: number; state: string }
function tasksOf(out: string): TaskRow[] {
  return (JSON.parse(readFileSync(join(out, 'map', 'tasks.json'), 'utf8')) as { tasks: TaskRow[] }).tasks;
}

const mb = (b: number | undefined) => (b === undefined ? null : Math.round((b / 1024 / 1024) * 10) / 10);
const median = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return s.length ? (s[(s.length - 1) >> 1]! + s[s.length >> 1]!) / 2 : null;
};
const round = (x: number | null, d = 2) => (x === null ? null : Math.round(x * 10 ** d) / 10 ** d);

function mapStats(out: string) {
  const t = tasksOf(out);
  const walls = t.map((x) => (x.wallMs ?? 0) / 1000);
  const peaks = t.map((x) => x.peakRssBytes ?? 0);
  const cpu = t.map((x) => (x.cpuMs ?? 0) / 1000);
  return {
    tasks: t.length,
    failed: t.filter((x) => x.state !== 'succeeded').length,
    task_wall_s: { median: round(median(walls)), max: round(Math.max(...walls)) },
    task_cpu_s: { median: round(median(cpu)), total: round(cpu.reduce((a, b) => a + b, 0)) },
    peak_rss_per_worker_mb: { median: mb(median(peaks) ?? undefined), max: mb(Math.max(...peaks)) },
  };
}

/** The reduce alone: every summary the map wrote, copied into one folder, through `sysight ranks <dir>`. */
function reduceOnly(mapOut: string): Measured & { inproc_s: number; inproc_cpu_s: number } {
  const dir = join(WORK, 'summaries');
  rmSync(dir, { recursive: true, force: true });
  mkdirSync(dir, { recursive: true });
  for (const task of readdirSync(join(mapOut, 'map')).filter((d) => d.startsWith('task-'))) {
    const td = join(mapOut, 'map', task);
    if (!statSync(td).isDirectory()) continue;
    for (const f of readdirSync(td)) copyFileSync(join(td, f), join(dir, f));
  }
  const m = must(measure(['ranks', dir, '--json']), 'reduce');
  // the reduce itself, without a process start: read the summaries and reduce them here
  const t = performance.now();
  const c = process.cpuUsage();
  reduceRanks(readdirSync(dir).sort().map((f) => readSummaryFile(join(dir, f))));
  const cpu = process.cpuUsage(c);
  return { ...m, inproc_s: (performance.now() - t) / 1000, inproc_cpu_s: (cpu.user + cpu.system) / 1e6 };
}

async function main(): Promise<void> {
  mkdirSync(WORK, { recursive: true });
  const p = profiles();
  const bytes = p.files.reduce((s, f) => s + statSync(f).size, 0);
  process.stderr.write(`${p.files.length} profiles, ${(bytes / 1e6).toFixed(0)} MB in all; workers ${WORKERS}\n`);

  process.stderr.write('sequential...\n');
  const seq = must(measure(['ranks', ...p.files, '--json']), 'sequential ranks');

  process.stderr.write('local pool...\n');
  const poolOut = join(WORK, 'out-local');
  rmSync(poolOut, { recursive: true, force: true });
  const pool = must(measure(['ranks', 'submit', '--scheduler', 'local', '--workers', String(WORKERS), ...p.files, '--out', poolOut, '--json']), 'local pool');

  process.stderr.write('reduce alone...\n');
  const red = reduceOnly(poolOut);

  let slurm: Measured | undefined;
  let slurmOut: string | undefined;
  let slurmSkip = NO_SLURM ? 'skipped (--no-slurm)' : slurmUnavailable();
  let slurmVersion: string | null = null;
  if (!slurmSkip) {
    process.stderr.write('slurm...\n');
    let cluster: SlurmCluster | undefined;
    try {
      cluster = await startSlurm();
      slurmVersion = spawnSync('sinfo', ['--version'], { env: cluster.env, encoding: 'utf8' }).stdout.trim();
      slurmOut = join(WORK, 'out-slurm');
      rmSync(slurmOut, { recursive: true, force: true });
      slurm = must(measure(['ranks', 'submit', '--scheduler', 'slurm', '--partition', cluster.partition, ...p.files, '--out', slurmOut, '--json'], cluster.env), 'slurm');
    } catch (e) {
      slurmSkip = `failed: ${(e as Error).message.split('\n')[0]}`;
    } finally {
      await cluster?.stop();
    }
  }

  const canon = (s: string) => JSON.stringify(JSON.parse(s));
  const ref = canon(seq.stdout);
  const identical = { local_pool: canon(pool.stdout) === ref, slurm: slurm ? canon(slurm.stdout) === ref : null, reduce_alone: canon(red.stdout) === ref };
  const poolStats = mapStats(poolOut);
  // per-rank cost on a core of its own: the CPU time of one map task (wall time here is inflated by whatever else
  // shares these cores); the 512-rank estimate assumes one such core per slot
  const perRank = poolStats.task_cpu_s.median || poolStats.task_wall_s.median || seq.wall_s / p.files.length;
  // CPU time, like the map's per-rank cost: wall time here depends on what else runs on these two cores
  const reducePerRank = red.inproc_cpu_s / p.files.length;

  const result = {
    benchmark: 'ranks',
    date: new Date().toISOString(),
    command: `npm run bench:ranks -- --ranks ${RANKS} --size-mb ${SIZE_MB} --workers ${WORKERS}${NO_SLURM ? ' --no-slurm' : ''}`,
    configuration: { ranks: p.files.length, size_mb_requested: SIZE_MB, bytes_total: bytes, mb_per_profile: round(bytes / p.files.length / 1e6, 1), workers: WORKERS, full_configuration: RANKS === 16 && SIZE_MB === 100 },
    machine: { cpus: cpus().length, cpu: cpus()[0]?.model ?? null, memory_gb: round(totalmem() / 2 ** 30, 1), node: process.version, slurm: slurmVersion, load_average_1_5_15_at_end: loadavg().map((x) => round(x)) },
    generate_s: round(p.generate_s),
    sequential: { wall_s: round(seq.wall_s), cpu_s: round(seq.cpu_s), peak_rss_mb: round(seq.peak_rss_mb, 1), per_rank_s: round(seq.wall_s / p.files.length) },
    local_pool: { wall_s: round(pool.wall_s), reduce_process_cpu_s: round(pool.cpu_s), reduce_process_peak_rss_mb: round(pool.peak_rss_mb, 1), ...poolStats },
    slurm: slurm && slurmOut
      ? { wall_s: round(slurm.wall_s), reduce_process_cpu_s: round(slurm.cpu_s), reduce_process_peak_rss_mb: round(slurm.peak_rss_mb, 1), ...mapStats(slurmOut) }
      : { skipped: slurmSkip },
    reduce_alone: { wall_s: round(red.wall_s), cpu_s: round(red.cpu_s), in_process_s: round(red.inproc_s, 3), in_process_cpu_s: round(red.inproc_cpu_s, 3), peak_rss_mb: round(red.peak_rss_mb, 1), per_rank_ms: round(reducePerRank * 1000, 1) },
    identical_reports: identical,
    scaling_512_ranks: {
      model: 'T(512) ≈ ceil(512 / slots) × per-rank map time + 512 × reduce per rank (CPU time of the in-process read + reduce of the summaries), plus scheduler start-up and queueing (not modelled)',
      per_rank_map_s: round(perRank),
      per_rank_map_basis: 'median CPU time (user+system) of one local-pool map task',
      reduce_per_rank_ms: round(reducePerRank * 1000, 1),
      estimates_s: Object.fromEntries([WORKERS, 64, 512].map((slots) => [`${slots}_slots`, round(Math.ceil(512 / slots) * perRank + 512 * reducePerRank, 0)])),
    },
  };
  writeFileSync(RESULTS, `${JSON.stringify(result, null, 2)}\n`);
  const row = (name: string, wall: number | null | undefined, mem: number | null | undefined, same: boolean | null) =>
    `${name.padEnd(12)} ${String(wall ?? '-').padStart(8)} s  ${String(mem ?? '-').padStart(8)} MB  ${same === null ? '' : same ? 'identical' : 'DIFFERENT'}\n`;
  process.stdout.write(`${p.files.length} ranks × ${result.configuration.mb_per_profile} MB, ${WORKERS} workers\n`);
  process.stdout.write(`${'path'.padEnd(12)} ${'wall'.padStart(10)}  ${'peak/worker'.padStart(11)}\n`);
  process.stdout.write(row('sequential', result.sequential.wall_s, result.sequential.peak_rss_mb, null));
  process.stdout.write(row('local pool', result.local_pool.wall_s, result.local_pool.peak_rss_per_worker_mb.max, identical.local_pool));
  const s = result.slurm as { wall_s?: number; peak_rss_per_worker_mb?: { max: number | null }; skipped?: string };
  process.stdout.write(s.skipped ? `slurm        ${s.skipped}\n` : row('slurm', s.wall_s, s.peak_rss_per_worker_mb?.max, identical.slurm));
  process.stdout.write(row('reduce only', result.reduce_alone.wall_s, result.reduce_alone.peak_rss_mb, identical.reduce_alone));
  process.stdout.write(`512 ranks (est.): ${JSON.stringify(result.scaling_512_ranks.estimates_s)}\nwrote ${RESULTS}\n`);
}

main().catch((e) => {
  process.stderr.write(`bench:ranks: ${(e as Error).message}\n`);
  process.exit(1);
});
