// What bench/cache.ts and bench/cache-diagnosis.ts share: where the generated profiles and caches go, the sizes,
// and the timing of one command (wall time and peak RSS of its own process) or one dashboard session
// (bench/cache-session.ts) in a child process.
import { spawnSync } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const ROOT = resolve(__dirname, '..', '..');
export const BIG = process.env.SYSIGHT_BENCH_BIG ?? '/work/big/cache';
/** where the run's profile caches go (default BIG) */
export const WORK = process.env.SYSIGHT_BENCH_WORK ?? BIG;
/** generated profile sizes: the iterations of the 'bench' preset */
export const SIZES: Record<string, number> = { '100mb': 10_200, '1gb': 110_000, '4gb': 440_000 };
const WRAP = `
import json, resource, subprocess, sys, time
t = time.perf_counter()
r = subprocess.run(sys.argv[1:], capture_output=True, text=True)
print(json.dumps({'wall_s': time.perf_counter() - t, 'rc': r.returncode, 'stdout': r.stdout[-4000:], 'stderr': r.stderr[-2000:],
                  'maxrss_kb': resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss}))
`;

export interface Run { wall_s: number; peak_rss_mb: number; rss_over_file: number; cache?: string | undefined; stdout?: string }

export function measure(cmd: string[], env: NodeJS.ProcessEnv, bytes: number): Run {
  const r = spawnSync('python3', ['-c', WRAP, ...cmd], { encoding: 'utf8', env, maxBuffer: 1 << 26 });
  const m = JSON.parse(r.stdout.trim().split('\n').pop() ?? '{}') as { wall_s: number; rc: number; stdout: string; stderr: string; maxrss_kb: number };
  if (m.rc !== 0) throw new Error(`${cmd.join(' ')} failed: ${m.stderr}`);
  const cache = /"cache": "(\w+)"/.exec(m.stdout)?.[1];
  return { wall_s: m.wall_s, peak_rss_mb: Math.round(m.maxrss_kb / 1024), rss_over_file: (m.maxrss_kb * 1024) / bytes, cache, stdout: m.stdout };
}

/**
 * A dashboard session (bench/cache-session.ts, with its `args`; `script`: another checkout's build of it) in its
 * own process: its timings, wall time and peak RSS.
 */
export function session(file: string, env: NodeJS.ProcessEnv, bytes: number, args: string[] = [],
  script = join(ROOT, 'bench', 'work', 'cache-session.cjs')): Record<string, unknown> {
  const r = measure([process.execPath, script, file, '1600', ...args], env, bytes);
  const timings = JSON.parse(r.stdout!.trim().split('\n').pop()!) as Record<string, unknown>;
  return { ...timings, process_wall_s: r.wall_s, peak_rss_mb: r.peak_rss_mb };
}

/** bench/results/<name> with this run's rows replacing those of the same sizes; other sizes' rows kept. */
export function writeResults(name: string, command: string, rows: Record<string, unknown>[]): void {
  const path = join(ROOT, 'bench', 'results', name);
  let kept: Record<string, unknown>[] = [];
  try {
    kept = (JSON.parse(readFileSync(path, 'utf8')) as { results: Record<string, unknown>[] }).results
      .filter((r) => !rows.some((x) => x.size === r.size));
  } catch {
    // none yet
  }
  const order = Object.keys(SIZES);
  const results = [...kept, ...rows].sort((a, b) => order.indexOf(String(a.size)) - order.indexOf(String(b.size)));
  writeFileSync(path, `${JSON.stringify({ date: new Date().toISOString(), command, results }, null, 2)}\n`);
}
