import { spawnSync } from 'node:child_process';
import { chmodSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { MapJob } from './scheduler.js';
import { SlurmScheduler, batchScript, exitPath, parseScontrol, parseSqueue, shellQuote, taskListText } from './slurm.js';
import { readUsage, usagePath, writeUsagePreload } from './taskfiles.js';

const dir = mkdtempSync(join(tmpdir(), 'sysight-slurm-unit-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('Slurm batch script', () => {
  const workDir = join(dir, 'work dir');
  const job: MapJob = {
    name: 'sysight-map',
    workDir,
    maxOldSpaceMb: 300,
    env: { EXTRA: "it's here" },
    tasks: [
      { index: 0, label: 'a', argv: [process.execPath, '-e', 'console.log(process.argv[1], process.env.EXTRA)', "odd 'name' $HOME"], logPath: join(workDir, 'logs', 'a b.log') },
      { index: 1, label: 'b', argv: [process.execPath, '-e', 'process.exit(3)'], logPath: join(workDir, 'logs', 't1.log') },
    ],
  };

  it('has the array range, throttle, partition and per-task output in its #SBATCH lines', () => {
    const s = batchScript(job, { partition: 'gpu', maxParallel: 4 }, '/x/tasks.list', '/x/p.cjs');
    expect(s).toMatch(/^#SBATCH --array=0-1%4$/m);
    expect(s).toMatch(/^#SBATCH --partition=gpu$/m);
    expect(s).toContain(`#SBATCH --output='${workDir}/slurm/task-%a.out'`);
    expect(batchScript(job, {}, '/x/l', '/x/p')).not.toMatch(/partition|%\d/);
  });

  it('runs task i from the list with its log, exit file, heap limit and usage report (run here with bash)', () => {
    const preload = writeUsagePreload(workDir);
    const list = join(workDir, 'tasks.list');
    writeFileSync(list, taskListText(job));
    const script = join(workDir, 'map.sbatch');
    writeFileSync(script, batchScript(job, {}, list, preload));
    chmodSync(script, 0o755);
    const runTask = (i: number) => spawnSync('bash', [script], { env: { ...process.env, SLURM_ARRAY_TASK_ID: String(i) }, encoding: 'utf8' });
    expect(runTask(0).status).toBe(0);
    expect(readFileSync(job.tasks[0]!.logPath, 'utf8')).toBe("odd 'name' $HOME it's here\n");
    expect(readFileSync(exitPath(workDir, 0), 'utf8').trim()).toBe('0');
    expect(readUsage(usagePath(workDir, 0))?.maxRssKiB).toBeGreaterThan(1000);
    expect(runTask(1).status).toBe(3);
    expect(readFileSync(exitPath(workDir, 1), 'utf8').trim()).toBe('3');
  });

  it('quotes words for bash', () => {
    for (const w of ['plain', "it's", 'a b', '$(rm -rf /)', '', 'x"y']) {
      expect(spawnSync('bash', ['-c', `printf %s ${shellQuote(w)}`], { encoding: 'utf8' }).stdout).toBe(w);
    }
  });
});

describe('Slurm output parsing', () => {
  it('reads per-task state and exit code from scontrol show job', () => {
    const text = `JobId=3 ArrayJobId=1 ArrayTaskId=1 JobName=wrap
   JobState=FAILED Reason=NonZeroExitCode Dependency=(null)
   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=1:0
JobId=1 ArrayJobId=1 ArrayTaskId=0 JobName=wrap
   JobState=COMPLETED Reason=None Dependency=(null)
   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:0

JobId=4 ArrayJobId=1 ArrayTaskId=2 JobName=wrap
   JobState=CANCELLED Reason=None Dependency=(null)
   Requeue=1 Restarts=0 BatchFlag=1 Reboot=0 ExitCode=0:15
`;
    expect(parseScontrol(text)).toEqual([
      { index: 1, state: 'FAILED', exitCode: 1, signal: 0, reason: 'NonZeroExitCode' },
      { index: 0, state: 'COMPLETED', exitCode: 0, signal: 0, reason: 'None' },
      { index: 2, state: 'CANCELLED', exitCode: 0, signal: 15, reason: 'None' },
    ]);
  });

  it('counts running tasks and compacted pending ranges from squeue', () => {
    const q = parseSqueue('12_[3-7,9%2]|PENDING\n12_1|RUNNING\n12_2|COMPLETING\n12_0|PENDING\n');
    expect([...q.running].sort()).toEqual([1, 2]);
    expect(q.pending).toBe(7);
    expect(parseSqueue('').pending).toBe(0);
  });
});

describe('SlurmScheduler errors', () => {
  const job: MapJob = { name: 'j', workDir: join(dir, 'err'), tasks: [{ index: 0, label: 'x', argv: ['/bin/true'], logPath: join(dir, 'err', 'l') }] };

  it('says sbatch is missing', async () => {
    await expect(new SlurmScheduler({ binDir: join(dir, 'nobin') }).submit(job)).rejects.toThrow(/sbatch not found in .*apt-get install slurm-wlm/);
  });

  it('reports a rejected submission with sbatch\'s reason', async () => {
    const bin = join(dir, 'fakebin');
    spawnSync('mkdir', ['-p', bin]);
    writeFileSync(join(bin, 'sbatch'), '#!/bin/sh\necho "sbatch: error: Batch job submission failed: Invalid partition name specified" >&2\nexit 1\n');
    chmodSync(join(bin, 'sbatch'), 0o755);
    await expect(new SlurmScheduler({ binDir: bin }).submit(job)).rejects.toThrow('sbatch rejected the job: Batch job submission failed: Invalid partition name specified');
  });
});
