// The map step on a real single-node Slurm (started by the test, stopped after it) and on the local pool.
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../../src/core/errors.js';
import type { MapJob } from '../../src/cluster/scheduler.js';
import { SlurmScheduler } from '../../src/cluster/slurm.js';
import { type SlurmCluster, slurmUnavailable, startSlurm } from '../support/slurm.js';

const dir = mkdtempSync(join(tmpdir(), 'sysight-cluster-'));
const skipSlurm = slurmUnavailable();
let cluster: SlurmCluster | undefined;

beforeAll(async () => {
  if (!skipSlurm) cluster = await startSlurm();
}, 60_000);
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

  it('runs every task, collects per-task exit codes, logs and peak memory', async () => {
    const job = nodeJob('array', [0, 1, 2, 3].map((i) =>
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
