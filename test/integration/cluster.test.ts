// The map step on a real single-node Slurm (started by the test, stopped after it) and on the local pool: the
// schedulers with plain commands, then `sysight ranks submit` / `sysight ranks --workers` as the real CLI on
// generated rank profiles, whose reports must equal the sequential path's.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/core/errors.js';
import type { MapJob } from '../../src/cluster/scheduler.js';
import { SlurmScheduler } from '../../src/cluster/slurm.js';
import { type SlurmCluster, slurmUnavailable, startSlurm } from '../support/slurm.js';

const dir = mkdtempSync(join(tmpdir(), 'sysight-cluster-'));
const skipSlurm = slurmUnavailable();
let cluster: SlurmCluster | undefined;

const BIN = resolve(__dirname, '../../bin/sysight.js');
const ranksDir = join(dir, 'ranks');
const corrupt = join(dir, 'bad', 'rank9.sqlite');
let profiles: string[] = [];

function cli(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', env, maxBuffer: 64 << 20 });
  return { code: r.status, out: r.stdout, err: r.stderr };
}

beforeAll(async () => {
  const g = cli(['generate', '--ranks', '4', '--out-dir', ranksDir, '--size-mb', '1', '--straggler', '1', '--json']);
  if (g.code !== 0) throw new Error(`generate failed: ${g.err}`);
  profiles = readdirSync(ranksDir).filter((f) => f.endsWith('.sqlite')).sort().map((f) => join(ranksDir, f));
  mkdirSync(join(dir, 'bad'));
  writeFileSync(corrupt, Buffer.concat([Buffer.from('SQLite format 3\0'), Buffer.alloc(4096, 7)]));
  if (!skipSlurm) cluster = await startSlurm();
}, 90_000);
afterAll(async () => {
  await cluster?.stop();
  rmSync(dir, { recursive: true, force: true });
});

function nodeJob(name: string, scripts: string[]): MapJob {
  const workDir = join(dir, name);
  return {
    name,
    workDir,
    maxOldSpaceMb: 256,
    tasks: scripts.map((s, index) => ({ index, label: `t${index}`, argv: [process.execPath, '-e', s], logPath: join(workDir, 'logs', `task-${index}.log`) })),
  };
}

describe.skipIf(!!skipSlurm)(`Slurm job array on a real single-node Slurm${skipSlurm ? ` (skipped: ${skipSlurm})` : ''}`, () => {
  const slurm = () => new SlurmScheduler({ env: cluster!.env, partition: cluster!.partition, pollMs: 300, maxParallel: 2 });

  it('runs every task (paths with a space), collects per-task exit codes, logs and peak memory', async () => {
    const job = nodeJob('array job', [0, 1, 2, 3].map((i) =>
      `const a=Buffer.alloc(${30 + i}*1024*1024,1);console.log('task',${i},a.length>0);process.exit(${i === 2 ? 5 : 0})`));
    const sub = await slurm().submit(job);
    expect(sub.id).toMatch(/^\d+$/);
    const seen: number[] = [];
    const res = await sub.wait({ onProgress: (p) => seen.push(p.succeeded + p.failed) });
    expect(res.map((t) => t.state)).toEqual(['succeeded', 'succeeded', 'failed', 'succeeded']);
    expect(res[2]).toMatchObject({ exitCode: 5, message: 'task 2 true' });
    expect(readFileSync(res[3]!.logPath, 'utf8')).toBe('task 3 true\n');
    for (const t of res) expect(t.peakRssBytes).toBeGreaterThan((30 + t.index) * 1024 * 1024);
    expect(seen.at(-1)).toBe(4);
    expect(readFileSync(join(job.workDir, 'map.sbatch'), 'utf8')).toMatch(/^#SBATCH --array=0-3%2$/m);
  }, 60_000);

  it('cancels the array on abort (scancel) and reports the tasks as cancelled', async () => {
    const started = join(dir, 'started');
    const job = nodeJob('cancel', [0, 1, 2].map(() => `require('fs').appendFileSync(${JSON.stringify(started)},'x');setInterval(()=>{},1000)`));
    const sub = await slurm().submit(job);
    const ac = new AbortController();
    const waiting = sub.wait({ signal: ac.signal });
    const end = Date.now() + 30_000;
    while (!existsSync(started) && Date.now() < end) await new Promise((r) => setTimeout(r, 100));
    ac.abort();
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    const st = await sub.status();
    expect(st.every((t) => t.state === 'cancelled')).toBe(true);
  }, 60_000);

  it('reports a rejected submission (unknown partition) with sbatch\'s reason', async () => {
    const s = new SlurmScheduler({ env: cluster!.env, partition: 'no-such-partition' });
    await expect(s.submit(nodeJob('bad', ['0']))).rejects.toThrow(/sbatch rejected the job: .*partition/i);
  }, 30_000);
});

describe('sysight ranks: the map on a scheduler gives the sequential report', () => {
  let sequential: unknown;
  beforeAll(() => {
    const r = cli(['ranks', ...profiles, '--json']);
    expect(r.code, r.err).toBe(0);
    sequential = JSON.parse(r.out);
    expect((sequential as { ranks: unknown[] }).ranks).toHaveLength(4);
  }, 60_000);

  it('local pool (ranks submit --scheduler local): same report, written with per-task status and memory', () => {
    const out = join(dir, 'out-local');
    const r = cli(['ranks', 'submit', '--scheduler', 'local', '--workers', '2', ranksDir, '--out', out, '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual(sequential);
    expect(JSON.parse(readFileSync(join(out, 'ranks.json'), 'utf8'))).toEqual(sequential);
    const tasks = JSON.parse(readFileSync(join(out, 'map', 'tasks.json'), 'utf8')).tasks as Array<{ state: string; peakRssBytes: number }>;
    expect(tasks.map((t) => t.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'succeeded']);
    for (const t of tasks) expect(t.peakRssBytes).toBeGreaterThan(20 << 20);
  }, 60_000);

  it('sysight ranks <profiles> --workers 2 maps on the local pool: same report', () => {
    const r = cli(['ranks', ...profiles, '--workers', '2', '--json']);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual(sequential);
  }, 60_000);

  it.skipIf(!!skipSlurm)('Slurm job array (ranks submit --scheduler slurm): same report', () => {
    const out = join(dir, 'out-slurm');
    const r = cli(['ranks', 'submit', '--scheduler', 'slurm', '--partition', 'debug', '--max-parallel', '2', `${ranksDir}/rank*.sqlite`, '--out', out, '--json'], cluster!.env);
    expect(r.code, r.err).toBe(0);
    expect(JSON.parse(r.out)).toEqual(sequential);
    expect(readFileSync(join(out, 'map', 'scheduler', 'map.sbatch'), 'utf8')).toMatch(/^#SBATCH --array=0-3%2$/m);
  }, 90_000);

  it('a corrupt profile fails its own task, is named per rank, and the others are reduced (local and Slurm), as sequentially', () => {
    const seq = cli(['ranks', ...profiles, corrupt, '--json']);
    expect(seq.code, seq.err).toBe(0);
    const runs: Array<[string, NodeJS.ProcessEnv]> = [['local', process.env]];
    if (!skipSlurm) runs.push(['slurm', cluster!.env]);
    for (const [kind, env] of runs) {
      const out = join(dir, `out-corrupt-${kind}`);
      const r = cli(['ranks', 'submit', '--scheduler', kind, ...profiles, corrupt, '--out', out, '--json'], env);
      expect(r.code, r.err).toBe(1);
      expect(r.err).toContain(`1 of 5 map tasks failed`);
      expect(r.err).toContain(`map task 4 (${corrupt}) failed: exit code 2`);
      const report = JSON.parse(r.out) as { ranks: unknown[]; problems: Array<{ source: string; kind: string }> };
      expect(report.ranks).toHaveLength(4);
      expect(report.problems).toContainEqual(expect.objectContaining({ source: corrupt, kind: 'unreadable' }));
      expect(report).toEqual(JSON.parse(seq.out));
    }
  }, 120_000);

  it('says clearly when sbatch is missing', () => {
    const r = cli(['ranks', 'submit', '--scheduler', 'slurm', ranksDir, '--out', join(dir, 'out-nosbatch')], { ...process.env, PATH: join(dir, 'empty-path') });
    expect(r.code).toBe(2);
    expect(r.err.trim()).toMatch(/^sysight: error: sbatch not found on PATH: .*slurm-wlm/);
  });

  it('SIGTERM cancels the map: the CLI exits 130 and its map processes are gone', async () => {
    const out = join(dir, 'out-cancel');
    const child = spawn(process.execPath, [BIN, 'ranks', 'submit', '--scheduler', 'local', '--workers', '2', ranksDir, '--out', out], { stdio: 'ignore' });
    const kids = () => readdirSync('/proc').filter((p) => /^\d+$/.test(p)).filter((p) => {
      try {
        return readFileSync(`/proc/${p}/stat`, 'utf8').replace(/^.*\) /, '').split(' ')[1] === String(child.pid);
      } catch {
        return false;
      }
    }).map(Number);
    let seen: number[] = [];
    const end = Date.now() + 30_000;
    while (seen.length === 0 && Date.now() < end) {
      seen = kids();
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(seen.length).toBeGreaterThan(0);
    const exited = new Promise<number | null>((r) => child.on('exit', (code) => r(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(130);
    for (const pid of seen) {
      let gone = false;
      try {
        gone = /^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
      } catch {
        gone = true;
      }
      expect(gone).toBe(true);
    }
  }, 60_000);
});
