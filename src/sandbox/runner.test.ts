import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CancelledError } from '../core/index.js';
import { processAlive, waitFor } from '../../test/support/sandbox-fixtures.js';
import { liveGroups } from './registry.js';
import { describeFailure, runCommand, succeeded } from './runner.js';

const dir = mkdtempSync(join(tmpdir(), 'sysight-runner-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** sh script: start a sleeping grandchild (its own stdout detached or not), record its pid, then `tail`. */
function spawner(pidFile: string, tail: string, detachOutput = false): string[] {
  const redirect = detachOutput ? ' >/dev/null 2>&1' : '';
  return ['sh', '-c', `sleep 300${redirect} & echo $! > ${pidFile}; ${tail}`];
}

async function grandchildGone(pidFile: string): Promise<boolean> {
  await waitFor(() => { try { return readFileSync(pidFile, 'utf8').trim().length > 0; } catch { return false; } }, 5000);
  const pid = Number(readFileSync(pidFile, 'utf8'));
  expect(pid).toBeGreaterThan(0);
  return waitFor(() => !processAlive(pid), 5000);
}

describe('runCommand', () => {
  it('returns exit code, output and wall time', async () => {
    const r = await runCommand(['sh', '-c', 'echo out; echo err >&2; exit 3'], { cwd: dir });
    expect(r.code).toBe(3);
    expect(r.stdoutTail).toBe('out\n');
    expect(r.stderrTail).toBe('err\n');
    expect(r.timedOut).toBe(false);
    expect(r.wallMs).toBeGreaterThan(0);
    expect(succeeded(r)).toBe(false);
    expect(describeFailure(r)).toBe('exit 3: err');
  });

  it('passes env additions and removals', async () => {
    process.env.SYSIGHT_TEST_REMOVE = 'x';
    const r = await runCommand(['sh', '-c', 'echo "$A-${SYSIGHT_TEST_REMOVE:-gone}"'], { cwd: dir, env: { A: 'a', SYSIGHT_TEST_REMOVE: undefined } });
    delete process.env.SYSIGHT_TEST_REMOVE;
    expect(r.stdoutTail).toBe('a-gone\n');
  });

  it('caps runaway output, keeping the tail', async () => {
    const r = await runCommand(['sh', '-c', 'i=0; while [ $i -lt 20000 ]; do echo "line $i"; i=$((i+1)); done'], { cwd: dir, outputCapBytes: 4096 });
    expect(r.code).toBe(0);
    expect(r.truncated).toBe(true);
    expect(Buffer.byteLength(r.stdoutTail)).toBe(4096);
    expect(r.stdoutTail.endsWith('line 19999\n')).toBe(true);
  });

  it('reports a missing command', async () => {
    const r = await runCommand(['sysight-no-such-binary-xyz'], { cwd: dir });
    expect(r.code).toBeNull();
    expect(describeFailure(r)).toBe('command not found: sysight-no-such-binary-xyz');
  });

  it('timeout kills the whole process group, grandchild included', async () => {
    const pidFile = join(dir, 'timeout.pid');
    const r = await runCommand(spawner(pidFile, 'sleep 300'), { cwd: dir, timeoutMs: 300, killGraceMs: 500 });
    expect(r.timedOut).toBe(true);
    expect(describeFailure(r)).toMatch(/^timed out after \d+ s$/);
    expect(await grandchildGone(pidFile)).toBe(true);
    expect(liveGroups()).toEqual([]);
  });

  it('a child that ignores SIGTERM is SIGKILLed after the grace period', async () => {
    const r = await runCommand(['sh', '-c', "trap '' TERM; while true; do sleep 0.05; done"], { cwd: dir, timeoutMs: 200, killGraceMs: 300 });
    expect(r.timedOut).toBe(true);
    expect(r.signal).toBe('SIGKILL');
  });

  it('abort rejects with CancelledError and kills the grandchild', async () => {
    const pidFile = join(dir, 'abort.pid');
    const ac = new AbortController();
    const p = runCommand(spawner(pidFile, 'sleep 300'), { cwd: dir, signal: ac.signal });
    await waitFor(() => { try { return readFileSync(pidFile, 'utf8').length > 0; } catch { return false; } });
    ac.abort();
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(await grandchildGone(pidFile)).toBe(true);
  });

  it('an already aborted signal never starts the command', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(runCommand(['sh', '-c', 'exit 0'], { cwd: dir, signal: ac.signal })).rejects.toBeInstanceOf(CancelledError);
  });

  it('a background grandchild left by a command that exits normally is killed too', async () => {
    for (const detachOutput of [false, true]) {
      const pidFile = join(dir, `bg-${detachOutput}.pid`);
      const r = await runCommand(spawner(pidFile, 'exit 0', detachOutput), { cwd: dir, killGraceMs: 500 });
      expect(r.code).toBe(0);
      expect(await grandchildGone(pidFile)).toBe(true);
    }
  });
});
