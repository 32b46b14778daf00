// Test helper: what `nsys export --type arrowdir` / `--type parquetdir` would write for a SQLite export —
// every table of the SQLite file, same names, columns and 64-bit integers, one file per table — made from
// the project generator's exports (real-export schema) or a real export, since nsys itself is not here.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Float64, Int64, RecordBatchFileWriter, RecordBatchStreamWriter, Table, Utf8, vectorFromArray } from 'apache-arrow';
import type { Vector } from 'apache-arrow';
import { parquetWriteBuffer } from 'hyparquet-writer';
import type { ColumnSource } from 'hyparquet-writer';
import { loadSqlJs } from '../sqljs.js';

type Kind = 'INTEGER' | 'REAL' | 'TEXT';
interface Col { name: string; kind: Kind; values: (bigint | number | string | null)[] }

async function tablesOf(sqlite: Uint8Array): Promise<Map<string, Col[]>> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database(sqlite);
  try {
    const out = new Map<string, Col[]>();
    const names = db.exec("SELECT name FROM sqlite_master WHERE type = 'table' ORDER BY name")[0]?.values.map((r) => String(r[0])) ?? [];
    for (const name of names) {
      const info = db.exec(`PRAGMA table_info("${name}")`)[0]?.values ?? [];
      const cols: Col[] = info.map((r) => ({ name: String(r[1]), kind: 'INTEGER' as Kind, values: [] }));
      const declared = info.map((r) => String(r[2]).toUpperCase());
      const stmt = db.prepare(`SELECT * FROM "${name}"`);
      while (stmt.step()) {
        // sql.js gives 64-bit integers exactly as bigint with useBigInt (its typings lack the option)
        const get = stmt.get.bind(stmt) as unknown as (p: null, c: { useBigInt: boolean }) => (bigint | number | string | Uint8Array | null)[];
        const row = get(null, { useBigInt: true });
        row.forEach((v, i) => cols[i]!.values.push(v instanceof Uint8Array ? Buffer.from(v).toString('latin1') : v));
      }
      stmt.free();
      cols.forEach((c, i) => {
        const d = declared[i] ?? '';
        const seen = c.values.find((v) => v !== null);
        c.kind = /INT/.test(d) ? 'INTEGER' : /REAL|FLOA|DOUB/.test(d) ? 'REAL' : /TEXT|CHAR/.test(d) ? 'TEXT'
          : typeof seen === 'string' ? 'TEXT' : typeof seen === 'number' ? 'REAL' : 'INTEGER';
        // a column declared INTEGER may hold text or reals in SQLite: keep what it holds
        if (c.kind === 'INTEGER' && c.values.some((v) => typeof v === 'string')) c.kind = 'TEXT';
        if (c.kind === 'INTEGER' && c.values.some((v) => typeof v === 'number' && !Number.isInteger(v))) c.kind = 'REAL';
        c.values = c.values.map((v) => v === null ? null : c.kind === 'INTEGER' ? BigInt(v) : c.kind === 'REAL' ? Number(v) : String(v));
      });
      out.set(name, cols);
    }
    return out;
  } finally {
    db.close();
  }
}

function arrowVector(c: Col): Vector {
  if (c.kind === 'INTEGER') return vectorFromArray(c.values as (bigint | null)[], new Int64());
  if (c.kind === 'REAL') return vectorFromArray(c.values as (number | null)[], new Float64());
  return vectorFromArray(c.values as (string | null)[], new Utf8());
}

/**
 * Writes `dir` as an nsys arrowdir export of `sqlite`: `<TABLE>.arrow` per table, in the IPC file format, and
 * the tables named in `streamFormat` in the IPC stream format (both occur in the wild).
 */
export async function writeArrowDir(sqlite: Uint8Array, dir: string, streamFormat: readonly string[] = []): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const [name, cols] of await tablesOf(sqlite)) {
    const table = new Table(Object.fromEntries(cols.map((c) => [c.name, arrowVector(c)])));
    const Writer = streamFormat.includes(name) ? RecordBatchStreamWriter : RecordBatchFileWriter;
    writeFileSync(join(dir, `${name}.arrow`), Writer.writeAll(table).toUint8Array(true));
  }
}

/** Writes `dir` as an nsys parquetdir export of `sqlite`: `<TABLE>.parquet` per table (snappy, small row groups). */
export async function writeParquetDir(sqlite: Uint8Array, dir: string): Promise<void> {
  mkdirSync(dir, { recursive: true });
  for (const [name, cols] of await tablesOf(sqlite)) {
    const columnData: ColumnSource[] = cols.map((c) => ({
      name: c.name,
      data: c.values,
      type: c.kind === 'INTEGER' ? 'INT64' : c.kind === 'REAL' ? 'DOUBLE' : 'STRING',
      nullable: true,
    }));
    writeFileSync(join(dir, `${name}.parquet`), new Uint8Array(parquetWriteBuffer({ columnData, rowGroupSize: 5000 })));
  }
}
