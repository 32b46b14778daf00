import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { buildNsysFixture } from './nsys/fixture.js';
import { loadSqlJs, locateSqlWasm, openPagedDatabase } from './sqljs.js';

let dir: string;
let file: string;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sysight-sqljs-'));
  file = join(dir, 'big.sqlite');
  // several MiB: more than the paged reader's four 1 MiB read-ahead windows
  writeFileSync(file, await buildNsysFixture({ extraKernels: 120_000 }));
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('sql.js helper', () => {
  it('finds sql-wasm.wasm', () => {
    const p = locateSqlWasm();
    expect(p.endsWith('sql-wasm.wasm')).toBe(true);
    expect(existsSync(p)).toBe(true);
  });

  it('a paged database answers exactly like one loaded whole', async () => {
    const SQL = await loadSqlJs();
    expect(readFileSync(file).length).toBeGreaterThan(5 << 20);
    const sql = 'SELECT count(*), sum("end" - start), sum(correlationId * 7 % 13), max(start) FROM CUPTI_ACTIVITY_KIND_KERNEL';
    const whole = new SQL.Database(readFileSync(file));
    const expected = whole.exec(sql)[0]!.values;
    whole.close();
    const paged = openPagedDatabase(SQL, file);
    try {
      expect(paged.db.exec(sql)[0]!.values).toEqual(expected);
      expect(expected[0]![0]).toBe(120_006);
    } finally {
      paged.close();
    }
  });

  it('never writes to the file, even when asked to', async () => {
    const SQL = await loadSqlJs();
    const before = readFileSync(file);
    const paged = openPagedDatabase(SQL, file);
    try {
      expect(() => paged.db.exec('CREATE TABLE x (a INTEGER)')).toThrow();
      expect(() => paged.db.exec('PRAGMA query_only = 0; DELETE FROM StringIds')).toThrow();
    } finally {
      paged.close();
    }
    expect(readFileSync(file).equals(before)).toBe(true);
  });
});
