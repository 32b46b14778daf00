import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../core/errors.js';
import { probePython, pythonCandidates, resolvePython } from './python.js';

const SYSTEM_PY = '/usr/bin/python3';
const hasSystemPython = existsSync(SYSTEM_PY);
const systemTorch = hasSystemPython
  ? spawnSync(SYSTEM_PY, ['-c', 'import torch; print(torch.__version__)'], { encoding: 'utf8' })
  : undefined;
const hasTorch = systemTorch?.status === 0;

let dir: string;
/** A real interpreter without torch: the system Python with site-packages switched off (-S). */
let noTorch: string;
/** Not a Python at all. */
let notPython: string;

function script(name: string, body: string): string {
  const p = join(dir, name);
  writeFileSync(p, `#!/bin/sh\n${body}\n`);
  chmodSync(p, 0o755);
  return p;
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'sysight-python-'));
  noTorch = script('python-no-torch', `exec ${SYSTEM_PY} -S "$@"`);
  notPython = script('not-python', 'echo "this is not python" >&2; exit 3');
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('pythonCandidates', () => {
  it('puts the explicit setting alone, then SYSIGHT_PYTHON alone, else the fallbacks and python3 on PATH', () => {
    expect(pythonCandidates({ configured: '/x/python', env: { SYSIGHT_PYTHON: '/y/python' } })).toEqual([
      { path: '/x/python', explicit: '--python' },
    ]);
    expect(pythonCandidates({ env: { SYSIGHT_PYTHON: '/y/python' } })).toEqual([
      { path: '/y/python', explicit: 'SYSIGHT_PYTHON' },
    ]);
    const onPath = script('python3', 'exit 1');
    expect(pythonCandidates({ env: { PATH: `/nonexistent:${dir}` }, fallbacks: ['/a/python3', '/a/python3'] })).toEqual([
      { path: '/a/python3', explicit: null },
      { path: onPath, explicit: null },
    ]);
    rmSync(onPath);
  });
});

describe('probePython', () => {
  it('says "not found" for a path that does not exist', async () => {
    const r = await probePython(join(dir, 'missing-python'));
    expect(r).toEqual({ ok: false, path: join(dir, 'missing-python'), reason: 'not found' });
  });

  it('says why a program that is not Python fails, in one line', async () => {
    const r = await probePython(notPython);
    expect(r.ok).toBe(false);
    if (!r.ok) expect(r.reason).toBe('not a working Python: this is not python');
  });

  it.skipIf(!hasSystemPython)('says "no torch" for an interpreter without torch', async () => {
    expect(await probePython(noTorch)).toEqual({ ok: false, path: noTorch, reason: 'no torch' });
  });

  it.skipIf(!hasTorch)('reads version, torch version and CUDA from an interpreter with torch', async () => {
    const r = await probePython(SYSTEM_PY);
    expect(r.ok).toBe(true);
    if (r.ok) {
      expect(r.info.path).toBe(SYSTEM_PY);
      expect(r.info.version).toMatch(/^3\.\d+\.\d+/);
      expect(r.info.torchVersion).toBe(systemTorch!.stdout.trim());
      expect(typeof r.info.cuda).toBe('boolean');
    }
  });
});

describe('resolvePython', () => {
  it.skipIf(!hasSystemPython)('names every interpreter it looked at when none has torch', async () => {
    const onPath = script('python3', `exec ${SYSTEM_PY} -S "$@"`);
    try {
      const err = await resolvePython({ env: { PATH: dir }, fallbacks: [notPython, noTorch] }).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(UserError);
      expect((err as UserError).message).toBe(
        `no Python with PyTorch found: looked at ${notPython} (not a working Python: this is not python), ` +
          `${noTorch} (no torch), ${onPath} (no torch); install python3-torch or set --python / SYSIGHT_PYTHON`,
      );
      expect((err as UserError).exitCode).toBe(2);
    } finally {
      rmSync(onPath);
    }
  });

  it('says so when there is nothing to look at', async () => {
    await expect(resolvePython({ env: { PATH: '' }, fallbacks: [] })).rejects.toThrow(
      'no Python with PyTorch found: looked at no python3 on PATH; install python3-torch or set --python / SYSIGHT_PYTHON',
    );
  });

  it.skipIf(!hasTorch)('does not replace an explicit choice without torch by another interpreter', async () => {
    await expect(resolvePython({ configured: noTorch, fallbacks: [SYSTEM_PY] })).rejects.toThrow(
      `the Python set by --python cannot run the workload: ${noTorch} (no torch)`,
    );
    await expect(resolvePython({ env: { SYSIGHT_PYTHON: noTorch }, fallbacks: [SYSTEM_PY] })).rejects.toThrow(
      `the Python set by SYSIGHT_PYTHON cannot run the workload: ${noTorch} (no torch)`,
    );
  });

  it.skipIf(!hasTorch)('takes the first interpreter with torch, in order', async () => {
    const viaEnv = await resolvePython({ env: { SYSIGHT_PYTHON: SYSTEM_PY, PATH: '' }, fallbacks: [noTorch] });
    expect(viaEnv.path).toBe(SYSTEM_PY);
    const viaFallback = await resolvePython({ env: { PATH: '' }, fallbacks: [noTorch, SYSTEM_PY] });
    expect(viaFallback).toMatchObject({ path: SYSTEM_PY, torchVersion: systemTorch!.stdout.trim() });
  });

  it('stops when cancelled', async () => {
    const ac = new AbortController();
    ac.abort();
    await expect(resolvePython({ fallbacks: [SYSTEM_PY], signal: ac.signal })).rejects.toThrow('cancelled');
  });
});
