// A process running a trial is interrupted by SIGINT/SIGTERM while it measures: its worktrees, temp
// directories and workload processes must all be gone afterwards, and the user's tree unchanged.
import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  PYTHON, hashTree, processAlive, replacePlan, toyRepo, waitFor, worktreeList,
} from '../support/sandbox-fixtures.js';

let work: string;
let bundle: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), 'sysight-signal-test-'));
  bundle = join(work, 'child.cjs');
  await build({
    entryPoints: [join(__dirname, '../fixtures/sandbox-signal-child.ts')],
    bundle: true, platform: 'node', target: 'node20', format: 'cjs', outfile: bundle, logLevel: 'silent',
  });
});
afterAll(() => rmSync(work, { recursive: true, force: true }));

/** The workload records its pid and a sleeping grandchild's pid in PID_DIR. */
const PID_HOOK = "import subprocess\n_gc = subprocess.Popen(['sleep', '300'])\n_d = os.environ.get('PID_DIR')\nif _d:\n    open(os.path.join(_d, f'{os.getpid()}-{_gc.pid}'), 'w').close()\nfor i in range(steps):";

async function interrupt(sig: NodeJS.Signals, mode: 'plain' | 'graceful'): Promise<void> {
  const repo = toyRepo();
  const pidDir = mkdtempSync(join(work, 'pids-'));
  const childTmp = mkdtempSync(join(work, 'tmp-')); // the child's os.tmpdir(): must end up empty
  try {
    // Long runs so that the signal lands mid-measurement.
    const planFile = join(work, `plan-${sig}-${mode}.json`);
    writeFileSync(planFile, JSON.stringify(replacePlan(repo.dir, 'train.py', 'for i in range(steps):', PID_HOOK)));
    const before = hashTree(repo.dir);
    const child = spawn(process.execPath, [bundle, repo.dir, PYTHON, planFile, mode], {
      env: { ...process.env, PID_DIR: pidDir, TMPDIR: childTmp },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    child.stdout.on('data', (b: Buffer) => { out += b.toString(); });
    child.stderr.on('data', (b: Buffer) => { out += b.toString(); });
    const exited = new Promise<{ code: number | null; signal: NodeJS.Signals | null }>((res) => child.on('exit', (code, signal) => res({ code, signal })));
    expect(await waitFor(() => out.includes('"measuring"'), 30_000), out).toBe(true);
    const tmpDirs = (JSON.parse(out.split('\n').find((l) => l.includes('"measuring"'))!) as { measuring: string[] }).measuring;
    expect(tmpDirs).toHaveLength(2);
    await waitFor(() => readdirSync(pidDir).length >= 3, 10_000); // smoke runs + at least one measured run
    child.kill(sig);
    const how = await exited;
    if (mode === 'plain') expect(how.signal).toBe(sig);
    else expect(how.code).toBe(130);
    for (const t of tmpDirs) expect(existsSync(t)).toBe(false);
    expect(tmpDirs.every((t) => t.startsWith(childTmp))).toBe(true);
    expect(readdirSync(childTmp)).toEqual([]);
    expect(worktreeList(repo.dir)).toHaveLength(1);
    const pids = readdirSync(pidDir).flatMap((f) => f.split('-').map(Number));
    expect(pids.length).toBeGreaterThanOrEqual(6);
    for (const pid of pids) expect(await waitFor(() => !processAlive(pid), 5000), `pid ${pid} alive`).toBe(true);
    expect(hashTree(repo.dir)).toEqual(before);
  } finally {
    repo.cleanup();
  }
}

describe('trial interrupted by a signal', () => {
  it('SIGINT: the process dies of it, worktrees and workload processes are gone', () => interrupt('SIGINT', 'plain'));
  it('SIGTERM: the same', () => interrupt('SIGTERM', 'plain'));
  it('SIGINT turned into cancellation by the host: exit 130, everything gone', () => interrupt('SIGINT', 'graceful'));
  it('SIGTERM turned into cancellation by the host', () => interrupt('SIGTERM', 'graceful'));
});

