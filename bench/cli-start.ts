// `npm run bench:cli-start [-- --pairs 15 --out FILE]`: the CLI's start through bin/sysight.js with V8's code
// cache (the default) against a plain require of the bundle (SYSIGHT_NO_CODE_CACHE=1), on the same build. Two
// commands: `--version` (start alone) and `warmup` of a two-file Python repo (start plus the Python parser, which
// the code cache must not break). Each pair runs both loaders back to back, the order alternating (ABBA), so a
// change of the machine's load hits both; the speed-up is the median of the per-pair ratios with a paired
// bootstrap interval (src/sandbox/stats.ts). The cache file is written by one untimed run first. The load
// average is taken before every pair. Writes bench/results/cli-start.json and prints a table. Numbers only.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { formatSpeedup, median, pairedBootstrapSpeedup, pairedSpeedup } from '../src/sandbox/stats.js';

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'sysight.js');
const flag = (name: string) => {
  const i = process.argv.indexOf(`--${name}`);
  return i >= 0 ? process.argv[i + 1] : undefined;
};
const PAIRS = Number(flag('pairs') ?? 15);
const RESULTS = resolve(flag('out') ?? join(ROOT, 'bench', 'results', 'cli-start.json'));

const repo = mkdtempSync(join(tmpdir(), 'sysight-bench-start-'));
writeFileSync(join(repo, 'train.py'), 'from model import Net\n\n\ndef main():\n    net = Net()\n    for step in range(10):\n        net.step()\n\n\nif __name__ == "__main__":\n    main()\n');
writeFileSync(join(repo, 'model.py'), 'class Net:\n    def step(self):\n        return 1\n');
const git = (...args: string[]) => spawnSync('git', ['-c', 'user.email=b@e', '-c', 'user.name=bench', ...args], { cwd: repo });
git('init', '-q');
git('add', '.');
git('commit', '-qm', 'bench');

type Loader = 'code-cache' | 'require';
const COMMANDS: Record<string, string[]> = { version: ['--version'], warmup: ['warmup', repo] };

function time(loader: Loader, args: string[]): number {
  const env = { ...process.env, ...(loader === 'require' ? { SYSIGHT_NO_CODE_CACHE: '1' } : {}) };
  rmSync(join(repo, '.sysight'), { recursive: true, force: true });
  const t0 = process.hrtime.bigint();
  const r = spawnSync(process.execPath, [BIN, ...args], { env, encoding: 'utf8' });
  const ms = Number(process.hrtime.bigint() - t0) / 1e6;
  if (r.status !== 0) throw new Error(`sysight ${args.join(' ')} (${loader}) failed: ${r.stderr}`);
  return ms;
}

try {
  time('code-cache', COMMANDS.warmup!); // writes the code cache of this build
  const caches = readdirSync(join(ROOT, 'dist')).filter((f) => f.endsWith('.v8cache'));
  const rows = [];
  for (const [name, args] of Object.entries(COMMANDS)) {
    const cached: number[] = [];
    const plain: number[] = [];
    const loads: number[] = [];
    for (let i = 0; i < PAIRS; i++) {
      loads.push(loadavg()[0]!);
      if (i % 2 === 0) {
        cached.push(time('code-cache', args));
        plain.push(time('require', args));
      } else {
        plain.push(time('require', args));
        cached.push(time('code-cache', args));
      }
    }
    const speedup = pairedSpeedup(plain, cached);
    const interval = pairedBootstrapSpeedup(plain, cached);
    rows.push({
      command: `sysight ${name === 'warmup' ? 'warmup <2-file repo>' : args.join(' ')}`, pairs: PAIRS,
      codeCacheMedianMs: Math.round(median(cached)), requireMedianMs: Math.round(median(plain)),
      ratio: Number((median(cached.map((c, j) => c / plain[j]!))).toFixed(3)), speedup, interval,
      load: { min: Math.min(...loads), max: Math.max(...loads) },
    });
    const last = rows.at(-1)!;
    console.log(`${last.command}: code cache ${last.codeCacheMedianMs} ms, plain require ${last.requireMedianMs} ms, ` +
      `ratio ${last.ratio}, speed-up ${formatSpeedup(speedup, interval)} (${PAIRS} pairs, load ${last.load.min.toFixed(1)}–${last.load.max.toFixed(1)})`);
  }
  mkdirSync(resolve(RESULTS, '..'), { recursive: true });
  writeFileSync(RESULTS, `${JSON.stringify({
    bench: 'cli-start', date: new Date().toISOString(), node: process.version, cores: cpus().length, codeCacheFiles: caches, rows,
  }, null, 2)}\n`);
  console.log(`wrote ${RESULTS}`);
} finally {
  rmSync(repo, { recursive: true, force: true });
}
