// nsys arrowdir/parquetdir exports: folders made from SQLite exports (the generator's, which follow the real
// exports' schema, and a real export when ../shared is there) read to the same model as the SQLite file.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import type { ProfileModel } from '../../core/profile.js';
import { plainModel } from '../testing.js';
import { buildNsysDatabase, presetScenario } from '../generator/index.js';
import { openProfile } from '../open.js';
import { writeArrowDir, writeParquetDir } from './columnar-fixture.js';
import { columnarDirKind } from './columnar-dir.js';

const dir = mkdtempSync(join(tmpdir(), 'sysight-columnar-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** The model as plain values, without where it was read from. */
function plain(m: ProfileModel): unknown {
  return plainModel(m, (meta) => {
    // ENUM_* row counts are SQLite's max(rowid) estimate: their ids are the rowids in the SQLite export, row
    // numbers in the converted one; every loaded table is counted exactly and must agree
    const tables = Object.fromEntries(Object.entries(meta.tables).filter(([t]) => !t.startsWith('ENUM_')));
    return { ...meta, source: '', tables, notes: meta.notes.filter((n) => !/nsys (arrowdir|parquetdir) export/.test(n)) };
  });
}

describe('nsys arrowdir and parquetdir exports', () => {
  const sqlite = join(dir, 'run.sqlite');
  const db = buildNsysDatabase(presetScenario('sync-bound', 4));
  writeFileSync(sqlite, db);

  it('reads an arrowdir (IPC file and stream format tables) to the same model as the SQLite export', async () => {
    const out = join(dir, 'run-arrow');
    await writeArrowDir(db, out, ['StringIds', 'CUPTI_ACTIVITY_KIND_RUNTIME']);
    expect(readdirSync(out)).toContain('CUPTI_ACTIVITY_KIND_KERNEL.arrow');
    expect(columnarDirKind(out)).toBe('arrowdir');
    const fromDir = await openProfile(out, { cache: false });
    const fromSqlite = await openProfile(sqlite, { cache: false });
    expect(fromDir.kernels.length).toBeGreaterThan(0);
    expect(plain(fromDir)).toEqual(plain(fromSqlite));
    expect(fromDir.meta.source).toBe(out);
    expect(fromDir.meta.notes.at(-1)).toMatch(/read from an nsys arrowdir export/);
  });

  it('reads a parquetdir (several row groups per table) to the same model as the SQLite export', async () => {
    const out = join(dir, 'run-parquet');
    await writeParquetDir(db, out);
    expect(columnarDirKind(out)).toBe('parquetdir');
    const fromDir = await openProfile(out, { cache: false });
    expect(plain(fromDir)).toEqual(plain(await openProfile(sqlite, { cache: false })));
  });

  it('caches an export folder: the second open is a hit', async () => {
    const out = join(dir, 'run-arrow');
    const cache = { dir: join(dir, 'cache'), maxBytes: 1024 ** 3 };
    const outcomes: string[] = [];
    await openProfile(out, { cache, onCacheOutcome: (o) => outcomes.push(o) });
    await openProfile(out, { cache, onCacheOutcome: (o) => outcomes.push(o) });
    expect(outcomes).toEqual(['miss', 'hit']);
  });

  it('a damaged table file is one clear line; a folder with no StringIds table is not a profile', async () => {
    const bad = join(dir, 'bad-arrow');
    await writeArrowDir(db, bad);
    const f = join(bad, 'CUPTI_ACTIVITY_KIND_KERNEL.arrow');
    writeFileSync(f, readFileSync(f).subarray(0, 300));
    const e = await openProfile(bad, { cache: false }).catch((x: unknown) => x);
    expect(e).toBeInstanceOf(UserError);
    expect((e as Error).message).toMatch(/CUPTI_ACTIVITY_KIND_KERNEL\.arrow is not a readable Arrow IPC file/);
    await expect(openProfile(join(dir, 'cache'), { cache: false })).rejects.toThrow(/is a directory, not a profile/);
  });

  const real = resolve(__dirname, '../../../../shared/profiles');
  const small = existsSync(real)
    ? readdirSync(real).filter((n) => n.endsWith('.sqlite')).map((n) => join(real, n)).sort((a, b) => readFileSync(a).length - readFileSync(b).length)[0]
    : undefined;
  it.skipIf(!small)('a real export as arrowdir and parquetdir reads to the same model', async () => {
    const bytes = new Uint8Array(readFileSync(small!));
    const fromSqlite = plain(await openProfile(small!, { cache: false }));
    await writeArrowDir(bytes, join(dir, 'real-arrow'));
    expect(plain(await openProfile(join(dir, 'real-arrow'), { cache: false }))).toEqual(fromSqlite);
    await writeParquetDir(bytes, join(dir, 'real-parquet'));
    expect(plain(await openProfile(join(dir, 'real-parquet'), { cache: false }))).toEqual(fromSqlite);
  });
});
