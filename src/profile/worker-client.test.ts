// The profile worker for real: src/worker/worker.ts bundled with esbuild (as npm run build does) into a temp
// folder with sql-wasm.wasm beside it, then driven through worker-client.ts.
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import * as esbuild from 'esbuild';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, UserError } from '../core/errors.js';
import { buildNsysFixture } from './nsys/fixture.js';
import { openProfile } from './open.js';
import { QUERIES } from './queries/registry.js';
import { openProfileInWorker, ProfileWorker } from './worker-client.js';

let dir: string;
let workerPath: string;
let fixture: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sysight-worker-'));
  workerPath = join(dir, 'worker.js');
  await esbuild.build({
    entryPoints: ['src/worker/worker.ts'], bundle: true, platform: 'node', target: 'node20', format: 'cjs',
    outfile: workerPath, logLevel: 'error',
  });
  copyFileSync(createRequire(import.meta.url).resolve('sql.js/dist/sql-wasm.wasm'), join(dir, 'sql-wasm.wasm'));
  fixture = join(dir, 'fixture.sqlite');
  writeFileSync(fixture, await buildNsysFixture({ enums: true, extraKernels: 3000 }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('profile worker', () => {
  it('opens a profile in a worker and transfers the same model back', async () => {
    const progress: string[] = [];
    const m = await openProfileInWorker(fixture, { workerPath, onProgress: (_f, msg) => progress.push(msg) });
    const local = await openProfile(fixture);
    expect(m.kernels.start).toBeInstanceOf(Float64Array);
    expect(m.kernels.length).toBe(local.kernels.length);
    expect([...m.kernels.end]).toEqual([...local.kernels.end]);
    expect([...m.runtime.tid]).toEqual([...local.runtime.tid]);
    expect(m.strings).toEqual(local.strings);
    expect(m.callchains).toEqual(local.callchains);
    expect(m.meta).toEqual(local.meta);
    expect(progress).toContain('reading kernels');
    expect(progress.at(-1)).toBe('done');
  });

  it('cancels: the worker is terminated and the call rejects with CancelledError', async () => {
    const ac = new AbortController();
    const p = openProfileInWorker(fixture, { workerPath, signal: ac.signal, onProgress: () => ac.abort() });
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    const w = new ProfileWorker({ workerPath });
    const ac2 = new AbortController();
    const opened = w.open(fixture, { signal: ac2.signal });
    ac2.abort();
    await expect(opened).rejects.toBeInstanceOf(CancelledError);
    // the worker is gone; later calls fail cleanly instead of hanging
    await expect(w.query('anything')).rejects.toBeInstanceOf(Error);
    await w.terminate();
  });

  it('cancels a Kineto trace in the middle of its read', async () => {
    const trace = join(dir, 'long.json');
    const events = Array.from({ length: 60_000 }, (_, i) => ({ ph: 'X', cat: 'cpu_op', name: 'aten::mm', pid: 1, tid: 1, ts: i, dur: 1 }));
    writeFileSync(trace, JSON.stringify({ traceEvents: events }));
    const ac = new AbortController();
    const seen: number[] = [];
    const p = openProfileInWorker(trace, { workerPath, cache: false, signal: ac.signal, onProgress: (f) => { seen.push(f); if (f > 0) ac.abort(); } });
    await expect(p).rejects.toBeInstanceOf(CancelledError);
    expect(Math.max(...seen)).toBeLessThan(0.9);
  });

  it('brings errors back as the same one-line UserError', async () => {
    const missing = join(dir, 'missing.sqlite');
    const local = await openProfile(missing).catch((e: unknown) => e);
    const remote = await openProfileInWorker(missing, { workerPath }).catch((e: unknown) => e);
    expect(remote).toBeInstanceOf(UserError);
    expect((remote as UserError).message).toBe((local as UserError).message);
    const notNsys = join(dir, 'text.sqlite');
    writeFileSync(notNsys, 'SQLite format 3\0 but then garbage'.padEnd(4096, 'x'));
    const e = await openProfileInWorker(notNsys, { workerPath }).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).message.split('\n')).toHaveLength(1);
  });

  it('keeps a profile in the worker and answers queries by name', async () => {
    const w = new ProfileWorker({ workerPath });
    try {
      await expect(w.query('top-kernels')).rejects.toThrow(/no profile is open/);
      const meta = await w.open(fixture);
      expect(meta.capabilities.kernels).toBe(true);
      await expect(w.query('no-such-query')).rejects.toThrow(UserError);
      await expect(w.query('no-such-query')).rejects.toThrow(/unknown query: no-such-query/);
    } finally {
      await w.terminate();
    }
  });

  it.skipIf(QUERIES.length === 0)('a registered query gives the same answer in the worker as in-process', async () => {
    const q = QUERIES[0]!;
    const w = new ProfileWorker({ workerPath });
    try {
      await w.open(fixture);
      const remote = await w.query(q.name, {}, { format: true });
      const local = await openProfile(fixture);
      const expected = q.run(local, {});
      expect(remote.result).toEqual(expected);
      expect(remote.text).toBe(q.format(expected, local));
    } finally {
      await w.terminate();
    }
  });
});
