import initSqlJs, { type Database } from 'sql.js';
import { describe, expect, it } from 'vitest';
import { MemoryPageSink, putVarint, varintLength } from './sqlite-format.js';
import { SqliteWriter, parseCreateTable } from './sqlite-writer.js';

async function open(bytes: Uint8Array): Promise<Database> {
  const SQL = await initSqlJs();
  return new SQL.Database(bytes);
}

function all(db: Database, sql: string): unknown[][] {
  const r = db.exec(sql);
  return r.length ? r[0]!.values : [];
}

describe('varint', () => {
  it('round-trips lengths at every byte boundary', () => {
    const buf = new Uint8Array(9);
    for (const v of [0, 127, 128, 16383, 16384, 2 ** 21 - 1, 2 ** 21, 2 ** 35, 2 ** 49, 2 ** 53 - 1]) {
      const end = putVarint(buf, 0, v);
      expect(end).toBe(varintLength(v));
      let x = 0;
      for (let i = 0; i < end; i++) x = x * 128 + (buf[i]! & 0x7f);
      expect(x).toBe(v);
    }
  });
});

describe('SqliteWriter', () => {
  it('writes a database SQLite reads back intact: types, overflow, many pages, rowid alias', async () => {
    const sink = new MemoryPageSink();
    const w = new SqliteWriter(sink);
    const t = w.createTable('T', 'CREATE TABLE T (\n    a INTEGER,\n    b TEXT,\n    c REAL\n)').tree;
    const s = w.createTable('S', 'CREATE TABLE S (\n    id INTEGER NOT NULL PRIMARY KEY,\n    value TEXT NOT NULL\n)').tree;
    const big = 'x'.repeat(20000) + 'ü';
    const ints = [0, 1, -1, 127, -129, 40000, -8388609, 2 ** 31, -(2 ** 40), 2 ** 47 + 5, 2 ** 52 + 3, -(2 ** 50)];
    t.insert([null, big, 1.5]);
    ints.forEach((v) => t.insert([v, 'ünïcødé ✓', -0.25]));
    t.insert([9007199254740993n, null, null]);
    for (let i = 0; i < 60000; i++) t.insert([i, `row ${i}`, i / 7]);
    for (let i = 0; i < 3000; i++) s.insert([i * 2, `s${i}`]);
    w.finish();
    const db = await open(sink.bytes());
    expect(all(db, 'PRAGMA integrity_check')).toEqual([['ok']]);
    expect(all(db, 'SELECT count(*) FROM T')).toEqual([[60000 + ints.length + 2]]);
    expect(all(db, 'SELECT length(b), c FROM T WHERE rowid = 1')).toEqual([[20001, 1.5]]);
    expect(all(db, `SELECT a FROM T WHERE rowid BETWEEN 2 AND ${1 + ints.length}`).map((r) => r[0])).toEqual(ints);
    expect(all(db, `SELECT CAST(a AS TEXT) FROM T WHERE rowid = ${ints.length + 2}`)).toEqual([['9007199254740993']]);
    expect(all(db, 'SELECT b FROM T WHERE rowid = 2')).toEqual([['ünïcødé ✓']]);
    expect(all(db, 'SELECT sum(a) FROM T WHERE b LIKE \'row %\'')).toEqual([[(59999 * 60000) / 2]]);
    expect(all(db, 'SELECT id, value FROM S WHERE id = 4000')).toEqual([[4000, 's2000']]);
    db.close();
  });

  it('maintains the automatic index of a composite primary key and schema larger than page 1', async () => {
    const sink = new MemoryPageSink();
    const w = new SqliteWriter(sink);
    const sql = 'CREATE TABLE C (\n    id INTEGER NOT NULL,\n    depth INTEGER NOT NULL,\n    sym TEXT,\n\n    PRIMARY KEY (id, depth)\n)';
    const c = w.createTable('C', sql).tree;
    for (let id = 1; id <= 20000; id++) for (let d = 0; d < 5; d++) c.insert([id, d, `f${d}`]);
    // 40 tables with long DDL push sqlite_master past page 1
    for (let i = 0; i < 40; i++) w.createTable(`Pad${i}`, `CREATE TABLE Pad${i} (\n    x INTEGER -- ${'c'.repeat(300)}\n)`);
    expect(() => c.insert([1, 0, 'dup'])).toThrow(/not increasing/);
    w.finish();
    const db = await open(sink.bytes());
    expect(all(db, 'PRAGMA integrity_check')).toEqual([['ok']]);
    expect(all(db, "SELECT count(*) FROM sqlite_master WHERE name LIKE 'Pad%'")).toEqual([[40]]);
    expect(all(db, 'SELECT sym FROM C WHERE id = 12345 AND depth = 3')).toEqual([['f3']]);
    const plan = all(db, 'EXPLAIN QUERY PLAN SELECT sym FROM C WHERE id = 12345 AND depth = 3').map((r) => String(r[3]));
    expect(plan.join(' ')).toMatch(/sqlite_autoindex_C_1/);
    db.close();
  });

  it('parses column names, the rowid alias and a composite key from real nsys DDL', () => {
    const p = parseCreateTable('CREATE TABLE X (\n    id   INTEGER   NOT NULL   PRIMARY KEY,      -- ID.\n    value TEXT NOT NULL -- v\n)');
    expect(p).toEqual({ columns: ['id', 'value'], alias: 0, primaryKey: [] });
  });
});
