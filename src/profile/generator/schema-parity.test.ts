// Every table the generator writes must have the columns and declared types of the same table in a real
// Nsight Systems export (../shared/profiles, next to the repository). Compared against the newest export that has
// the table; a table matching an older real export passes too, one matching none fails.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { join, resolve } from 'node:path';
import initSqlJs, { type Database } from 'sql.js';
import { beforeAll, describe, expect, it } from 'vitest';
import { buildNsysDatabase, presetScenario, type Scenario } from './index.js';
import { NSYS_TABLES } from './nsys-schema.js';

const ROOT = resolve(fileURLToPath(new URL('.', import.meta.url)), '../../..');
const PROFILES = process.env.SYSIGHT_SHARED_DIR
  ? join(process.env.SYSIGHT_SHARED_DIR, 'profiles')
  : resolve(ROOT, '../shared/profiles');
// hand-built by its authors, not an nsys export (see the README there)
const NOT_REAL = /healthy_1pct/;

type Columns = [string, string][];
interface Export { file: string; version: number[]; tables: Map<string, Columns> }

function columns(db: Database, table: string): Columns {
  return (db.exec(`PRAGMA table_info("${table}")`)[0]?.values ?? []).map((r) => [String(r[1]), String(r[2])]);
}

function schemaVersion(db: Database): number[] {
  for (const t of ['META_DATA_EXPORT', 'EXPORT_META_DATA']) {
    try {
      const v = db.exec(`SELECT value FROM ${t} WHERE name = 'EXPORT_SCHEMA_VERSION'`)[0]?.values[0]?.[0];
      if (v) return String(v).split('.').map(Number);
    } catch {
      // table absent in this export
    }
  }
  return [0];
}

function newer(a: number[], b: number[]): number {
  for (let i = 0; i < Math.max(a.length, b.length); i++) if ((a[i] ?? 0) !== (b[i] ?? 0)) return (b[i] ?? 0) - (a[i] ?? 0);
  return 0;
}

/** Exercises every event type so that every table the generator can write is written. */
const EVERYTHING: Scenario = {
  ...presetScenario('nccl-exposed', 2),
  step: [
    ...presetScenario('nccl-exposed', 2).step,
    { type: 'memset', bytes: 1024 },
    { type: 'sync', api: 'event' },
    { type: 'cpu', durationUs: 500, label: 'data', osrt: [{ name: 'poll', durationUs: 100, at: 'data.py:3 load' }] },
    { type: 'graph', trace: 'graph', at: 'runner.py:9 replay', kernels: [{ type: 'kernel', name: 'triton_poi_fused_add_0', durationUs: 5, at: 'model.py:4 forward' }] },
    { type: 'compiled', graph: 'abc', events: [{ type: 'graph', at: 'runner.py:12 replay', kernels: [{ type: 'kernel', name: 'gemm', durationUs: 5 }] }] },
  ],
  stepRanges: { domain: 'sysight' },
};

describe.skipIf(!existsSync(PROFILES))('generated tables match real nsys exports', () => {
  const exports: Export[] = [];
  let gen: Database;
  let generated: string[] = [];

  beforeAll(async () => {
    const SQL = await initSqlJs();
    for (const f of readdirSync(PROFILES).filter((n) => n.endsWith('.sqlite') && !NOT_REAL.test(n))) {
      const db = new SQL.Database(readFileSync(join(PROFILES, f)));
      const names = (db.exec("SELECT name FROM sqlite_master WHERE type = 'table'")[0]?.values ?? []).map((r) => String(r[0]));
      exports.push({ file: f, version: schemaVersion(db), tables: new Map(names.map((n) => [n, columns(db, n)])) });
      db.close();
    }
    exports.sort((a, b) => newer(a.version, b.version));
    gen = new SQL.Database(buildNsysDatabase(EVERYTHING));
    generated = (gen.exec("SELECT name FROM sqlite_master WHERE type = 'table'")[0]?.values ?? []).map((r) => String(r[0]));
  });

  it('writes every table it has a schema for', () => {
    expect([...generated].sort()).toEqual(Object.keys(NSYS_TABLES).sort());
  });

  it.each(Object.keys(NSYS_TABLES))('%s has the columns and types of a real export', (table) => {
    const mine = columns(gen, table);
    expect(mine.length).toBeGreaterThan(0);
    const real = exports.filter((e) => e.tables.has(table));
    expect(real.length, `no real export has ${table}`).toBeGreaterThan(0);
    const newest = real[0]!;
    const match = real.find((e) => JSON.stringify(e.tables.get(table)) === JSON.stringify(mine));
    // on mismatch, show the diff against the newest export that has the table
    expect(match ? mine : newest.tables.get(table), `${table} vs ${newest.file}`).toEqual(mine);
  });
});
