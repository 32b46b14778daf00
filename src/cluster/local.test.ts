import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../core/errors.js';
import { optional } from '../core/optional.js';
import { LocalPool } from './local.js';
import type { JobProgress, MapJob } from './scheduler.js';

const dir = mkdtempSync(join(tmpdir(), 'sysight-pool-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function nodeJob(name: string, scripts: string[], maxOldSpaceMb?: number): MapJob {
  const workDir = join(dir, name);
  return {
    name,
    workDir,
    ...optional('maxOldSpaceMb', maxOldSpaceMb),
    tasks: scripts.map((s, index) => ({
      index,
      label: `t${index}`,
      argv: [process.execPath, '-e', s],
      logPath: join(workDir, 'logs', `task-${index}.log`),
    })),
  };
}

/** running (a zombie waiting for a parent that never reaps it counts as gone) */
function alive(pid: number): boolean {
  try {
    return !/^\d+ \(.*\) Z/.test(readFileSync(`/proc/${pid}/stat`, 'utf8'));
  } catch {
    return false;
  }
}

describe('LocalPool', () => {
  it('runs every task, never more than `workers` at once, and reports exit codes, logs and peak memory', async () => {
    // each task records when it started and ended; overlapping intervals tell the real concurrency
    const marks = join(dir, 'marks');
    const script = (i: number) =>
      `const fs=require('fs');fs.appendFileSync(${JSON.stringify(marks)},'+${i}\\n');` +
      `const a=Buffer.alloc(${20 + i}*1024*1024,1);setTimeout(()=>{fs.appendFileSync(${JSON.stringify(marks)},'-${i}\\n');console.log('done',${i},a.length);process.exit(${i === 3 ? 7 : 0})},150)`;
    const job = nodeJob('conc', [0, 1, 2, 3, 4, 5].map(script), 256);
    const seen: JobProgress[] = [];
    const sub = await new LocalPool({ workers: 2 }).submit(job);
    const res = await sub.wait({ onProgress: (p) => seen.push(p) });
    let running = 0;
    let maxRunning = 0;
    for (const l of readFileSync(marks, 'utf8').trim().split('\n')) {
      running += l.startsWith('+') ? 1 : -1;
      maxRunning = Math.max(maxRunning, running);
    }
    expect(maxRunning).toBe(2);
    expect(res.map((t) => t.state)).toEqual(['succeeded', 'succeeded', 'succeeded', 'failed', 'succeeded', 'succeeded']);
    expect(res[3]).toMatchObject({ exitCode: 7, message: `done 3 ${23 * 1024 * 1024}` });
    expect(readFileSync(res[5]!.logPath, 'utf8')).toBe(`done 5 ${25 * 1024 * 1024}\n`);
    for (const t of res) expect(t.peakRssBytes).toBeGreaterThan((20 + t.index) * 1024 * 1024);
    expect(seen.at(-1)).toMatchObject({ total: 6, succeeded: 5, failed: 1, running: 0, pending: 0 });
  });

  it('reports a program that cannot start, or a task that cannot open its log, as a failed task', async () => {
    const job = nodeJob('nostart', ['process.exit(0)']);
    job.tasks.push({ index: 1, label: 'missing', argv: [join(dir, 'no-such-program')], logPath: join(dir, 'nostart', 'x.log') });
    // a log path below a plain file: the task cannot even open its log
    writeFileSync(join(dir, 'plain'), '');
    job.tasks.push({ index: 2, label: 'nolog', argv: [process.execPath, '-e', '0'], logPath: join(dir, 'plain', 'x.log') });
    const res = await (await new LocalPool({ workers: 1 }).submit(job)).wait();
    expect(res[0]!.state).toBe('succeeded');
    expect(res[1]).toMatchObject({ state: 'failed', message: expect.stringMatching(/cannot start .*ENOENT/) });
    expect(res[2]).toMatchObject({ state: 'failed', message: expect.stringMatching(/cannot write .*plain\/x\.log: (EEXIST|ENOTDIR)/) });
  });

  it('kills running children and their children on abort, and never starts the pending ones', async () => {
    const pids = join(dir, 'pids');
    // each task starts a grandchild and both sleep; their pids are written so the test can check they are gone
    const script = `const fs=require('fs');const cp=require('child_process');` +
      `const g=cp.spawn(process.execPath,['-e','setInterval(()=>{},1000)'],{stdio:'ignore'});` +
      `fs.appendFileSync(${JSON.stringify(pids)},process.pid+' '+g.pid+'\\n');setInterval(()=>{},1000)`;
    const job = nodeJob('cancel', [script, script, script]);
    const sub = await new LocalPool({ workers: 2, killGraceMs: 2000 }).submit(job);
    const ac = new AbortController();
    const waiting = sub.wait({ signal: ac.signal });
    while (!existsSync(pids) || readFileSync(pids, 'utf8').trim().split('\n').length < 2) await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await expect(waiting).rejects.toBeInstanceOf(CancelledError);
    const all = readFileSync(pids, 'utf8').trim().split(/\s+/).map(Number);
    expect(all).toHaveLength(4);
    await new Promise((r) => setTimeout(r, 100));
    for (const pid of all) expect(alive(pid)).toBe(false);
    expect((await sub.status()).map((t) => t.state)).toEqual(['cancelled', 'cancelled', 'cancelled']);
  });
});
