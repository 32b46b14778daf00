import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CancelledError, NotAProfileError, UserError } from '../../core/errors.js';
import { CopyKind, MemKind, SyncKind } from '../../core/profile.js';
import type { ProfileModel } from '../../core/profile.js';
import { openProfile } from '../open.js';
import { loadSqlJs } from '../sqljs.js';
import { buildNsysFixture, FIXTURE } from './fixture.js';
import { isSqliteHeader, nsysReader, readNsysSqlite, syncKindOfApi } from './reader.js';

let dir: string;
let fixturePath: string;
let fixtureBytes: Uint8Array;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sysight-nsys-'));
  fixtureBytes = await buildNsysFixture({ extraKernels: 400 });
  fixturePath = join(dir, 'fixture.sqlite');
  writeFileSync(fixturePath, fixtureBytes);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

async function userError(path: string): Promise<UserError> {
  const e = await openProfile(path).then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(UserError);
  const msg = (e as UserError).message;
  expect(msg.split('\n')).toHaveLength(1);
  expect((e as UserError).exitCode).toBe(2);
  return e as UserError;
}

describe('nsys reader on a synthetic export', () => {
  let m: ProfileModel;
  beforeAll(async () => {
    m = await openProfile(fixturePath);
  });

  it('loads every table with the right row counts', () => {
    expect(m.meta.format).toBe('nsys-sqlite');
    expect(m.kernels.length).toBe(FIXTURE.kernels + 400);
    expect(m.runtime.length).toBe(FIXTURE.kernels + 400 + 2);
    expect(m.memcpy.length).toBe(2);
    expect(m.sync.length).toBe(1);
    expect(m.nvtx.length).toBe(5); // 3 push/pop, 1 mark, 1 start/end; the domain-create row is not a range
    expect(m.meta.toolVersion).toBe(FIXTURE.version);
    expect(m.meta.schemaVersion).toBe('9.9.9');
    expect(m.meta.gpus).toEqual([{ deviceId: 0, name: 'Test GPU', computeCapability: '9.0', smCount: 132 }]);
  });

  it('decodes pid/tid from 64-bit globalTid/globalPid with hardware and VM bits set', () => {
    expect(FIXTURE.globalTid > BigInt(Number.MAX_SAFE_INTEGER)).toBe(true);
    expect(m.kernels.pid[0]).toBe(FIXTURE.pid);
    expect(m.runtime.pid[0]).toBe(FIXTURE.pid);
    expect(m.runtime.tid[0]).toBe(FIXTURE.tid);
    expect(m.meta.processes).toEqual([{ pid: FIXTURE.pid, name: 'python3' }]);
    expect(m.meta.threads).toContainEqual({ pid: FIXTURE.pid, tid: FIXTURE.tid, name: 'main' });
  });

  it('resolves string ids and keeps runtime version suffixes', () => {
    expect(m.strings[m.kernels.nameId[0]!]).toBe('gemm_kernel');
    expect(m.strings[m.kernels.fullNameId[0]!]).toBe('void gemm_kernel<float>(float*)');
    expect(m.strings[m.runtime.nameId[0]!]).toBe('cudaLaunchKernel_v7000');
    expect(m.kernels.sharedMemoryBytes[0]).toBe(1536);
    expect(m.kernels.gridX[0]).toBe(8);
    expect(m.kernels.blockX[0]).toBe(128);
    expect(m.kernels.correlationId[0]).toBe(1);
  });

  it('maps memcpy kinds by the documented numbers when ENUM tables are absent', () => {
    expect([...m.memcpy.copyKind]).toEqual([CopyKind.HtoD, CopyKind.DtoD]);
    expect([...m.memcpy.srcKind]).toEqual([MemKind.Pageable, MemKind.Device]);
    expect([...m.memcpy.dstKind]).toEqual([MemKind.Device, MemKind.Device]);
    expect([...m.memcpy.bytes]).toEqual([4096, 8192]);
  });

  it('maps memcpy kinds through ENUM tables when present', async () => {
    const p = join(dir, 'enums.sqlite');
    writeFileSync(p, await buildNsysFixture({ enums: true }));
    const e = await openProfile(p);
    expect([...e.memcpy.copyKind]).toEqual([CopyKind.HtoD, CopyKind.DtoD]);
    expect([...e.memcpy.srcKind]).toEqual([MemKind.Pageable, MemKind.Device]);
  });

  it('takes the sync thread and kind from the correlated runtime call', () => {
    expect(m.sync.tid[0]).toBe(FIXTURE.tid);
    expect(m.sync.pid[0]).toBe(FIXTURE.pid);
    // syncType 2 is "stream wait event" in ENUM_CUPTI_SYNC_TYPE, but the call is cudaStreamSynchronize
    expect(m.sync.syncKind[0]).toBe(SyncKind.Stream);
    expect(syncKindOfApi('cudaDeviceSynchronize_v3020')).toBe(SyncKind.Device);
    expect(syncKindOfApi('cudaEventSynchronize_v3020')).toBe(SyncKind.Event);
    expect(syncKindOfApi('cudaLaunchKernel_v7000')).toBeUndefined();
  });

  it('reads NVTX text inline and through textId, marks, domains and nesting depth', () => {
    const byText = new Map<string, number>();
    for (let i = 0; i < m.nvtx.length; i++) byText.set(m.strings[m.nvtx.textId[i]!]!, i);
    expect([...byText.keys()].sort()).toEqual(['forward', 'in_domain', 'inner', 'marker', 'train_step']);
    expect(m.nvtx.depth[byText.get('train_step')!]).toBe(0);
    expect(m.nvtx.depth[byText.get('forward')!]).toBe(1);
    expect(m.nvtx.depth[byText.get('inner')!]).toBe(2);
    const mark = byText.get('marker')!;
    expect(m.nvtx.end[mark]).toBe(m.nvtx.start[mark]);
    expect(m.strings[m.nvtx.domainId[byText.get('in_domain')!]!]).toBe('my_domain');
    expect(m.nvtx.domainId[byText.get('forward')!]).toBe(-1);
  });

  it('reads callchains, shifting 0-based runtime callchain ids onto 1-based CUDA_CALLCHAINS ids', () => {
    expect(m.meta.capabilities.cudaCallchains).toBe(true);
    const first = m.runtime.callchainId[0]!;
    expect(m.callchains.get(first)).toEqual([
      { symbol: 'cudaLaunchKernel_v7000', module: 'libcudart.so' },
      { symbol: 'main', module: 'python3' },
    ]);
    expect(m.runtime.callchainId[3]).toBe(-1);
    expect(m.meta.notes.some((n) => n.includes('shifted by one'))).toBe(true);
  });

  it('survives text that is not valid UTF-8', () => {
    const frames = m.callchains.get(m.runtime.callchainId[1]!)!;
    expect(frames[1]!.symbol.startsWith('bad_')).toBe(true);
    expect(frames[1]!.symbol).toContain('\uFFFD');
  });

  it('reports the time span and the table row counts', () => {
    expect(m.meta.startNs).toBe(900); // the first NVTX range; the domain-create row is not an event
    expect(m.meta.endNs).toBeGreaterThan(1000 + (FIXTURE.kernels + 400) * 100);
    expect(m.meta.tables['CUPTI_ACTIVITY_KIND_KERNEL']).toBe(FIXTURE.kernels + 400);
    expect(m.meta.tables['StringIds']).toBe(10);
  });

  it('reports progress up to 1 and stops when cancelled', async () => {
    const seen: number[] = [];
    await openProfile(fixturePath, { onProgress: (f) => seen.push(f) });
    expect(seen.at(-1)).toBe(1);
    expect(seen.every((f, i) => i === 0 || f >= seen[i - 1]!)).toBe(true);
    const ac = new AbortController();
    const p = openProfile(fixturePath, {
      signal: ac.signal,
      onProgress: (_f, msg) => {
        if (msg === 'reading kernels') ac.abort();
      },
    });
    await expect(p).rejects.toBeInstanceOf(CancelledError);
  });
});

describe('nsys reader on bad input', () => {
  it('sniffs the SQLite magic only', () => {
    expect(isSqliteHeader(new TextEncoder().encode('SQLite format 3\0rest'))).toBe(true);
    expect(isSqliteHeader(new TextEncoder().encode('SQLite format 3'))).toBe(false);
    expect(nsysReader.sniff(new TextEncoder().encode('{"traceEvents": []}'), 'x.json')).toBe(false);
  });

  it('rejects a file that is not SQLite', async () => {
    const p = join(dir, 'notes.sqlite');
    writeFileSync(p, 'hello, this is text\n');
    const e = await userError(p);
    expect(e.message).toMatch(/is not a profile Sysight can read/);
    // the editor offers the default editor for it
    expect(e).toBeInstanceOf(NotAProfileError);
  });

  it('rejects a SQLite database that is not an nsys export', async () => {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    db.exec('CREATE TABLE users (id INTEGER, name TEXT); INSERT INTO users VALUES (1, "a")');
    const p = join(dir, 'users.sqlite');
    writeFileSync(p, db.export());
    db.close();
    const e = await userError(p);
    expect(e.message).toBe(`${p} is a SQLite database but not an Nsight Systems export (no StringIds/CUPTI/NVTX tables)`);
    expect(e).toBeInstanceOf(NotAProfileError);
  });

  it('rejects a zero-byte file, a missing path and a directory', async () => {
    const empty = join(dir, 'empty.sqlite');
    writeFileSync(empty, '');
    // an empty or missing file is not told apart as "not a profile": it is a plain one-line error
    expect(await userError(empty)).not.toBeInstanceOf(NotAProfileError);
    expect((await userError(empty)).message).toMatch(/empty \(0 bytes\)/);
    expect((await userError(join(dir, 'nope.sqlite'))).message).toMatch(/no such file/);
    const d = join(dir, 'adir.sqlite');
    mkdirSync(d);
    expect((await userError(d)).message).toMatch(/is a directory/);
  });

  it('called directly (not through openProfile), a missing file is a UserError too', async () => {
    const e = await readNsysSqlite(join(dir, 'gone.sqlite')).catch((err: unknown) => err);
    expect(e).toBeInstanceOf(UserError);
    expect((e as UserError).message).toMatch(/cannot read .*gone\.sqlite: ENOENT/);
  });

  it('rejects a truncated export with one line', async () => {
    for (const keep of [100, 4096, Math.floor(fixtureBytes.length / 2), fixtureBytes.length - 1000]) {
      const p = join(dir, `trunc-${keep}.sqlite`);
      writeFileSync(p, fixtureBytes.subarray(0, keep));
      const e = await userError(p);
      expect(e.message).toMatch(/truncated/);
      // a damaged export is a profile all the same
      expect(e).not.toBeInstanceOf(NotAProfileError);
    }
  });
});
