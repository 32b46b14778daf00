// nsys's columnar exports: `nsys export --type arrowdir` (one Apache Arrow IPC file per table, `<TABLE>.arrow`)
// and `--type parquetdir` (one Parquet file per table, `<TABLE>.parquet`). They hold the same tables and
// columns as the SQLite export, so each table is streamed (record batch by record batch, row group by row
// group) into a temporary SQLite file with the generator's streaming writer and read by the SQLite reader:
// the same schema probing, the same model, the same notes. The temporary file is removed; openProfile caches
// the model under the folder's identity, so this conversion is paid once.
import { createReadStream, mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { RecordBatchReader, Type } from 'apache-arrow';
import type { DataType, Field } from 'apache-arrow';
import { asyncBufferFromFile, parquetMetadataAsync, parquetRead, parquetSchema } from 'hyparquet';
import type { SchemaTree } from 'hyparquet';
import { compressors } from 'hyparquet-compressors';
import { UserError } from '../../core/errors.js';
import type { ProfileModel } from '../../core/profile.js';
import { FilePageSink, type SqlValue } from '../generator/sqlite-format.js';
import { SqliteWriter } from '../generator/sqlite-writer.js';
import type { ProfileReader, ReadOptions as OpenOptions } from '../reader-types.js';
import { checkAbort } from './context.js';
import { readNsysSqlite } from './reader.js';

export type ColumnarKind = 'arrowdir' | 'parquetdir';
const EXT: Record<ColumnarKind, RegExp> = { arrowdir: /\.(arrow|arrows|feather|ipc)$/i, parquetdir: /\.parquet$/i };

/** The export folder's kind: it holds a StringIds table file (every nsys export has one). */
export function columnarDirKind(path: string): ColumnarKind | undefined {
  let names: string[];
  try {
    names = readdirSync(path);
  } catch {
    return undefined;
  }
  for (const kind of ['arrowdir', 'parquetdir'] as const) {
    if (names.some((n) => EXT[kind].test(n) && n.replace(EXT[kind], '') === 'StringIds')) return kind;
  }
  return undefined;
}

type Affinity = 'INTEGER' | 'REAL' | 'TEXT' | 'BLOB';

interface TableSink {
  columns(names: { name: string; type: Affinity }[]): void;
  row(values: SqlValue[]): void;
}

function arrowAffinity(t: DataType): Affinity {
  switch (t.typeId) {
    case Type.Int: case Type.Bool: case Type.Timestamp: case Type.Date: case Type.Time: case Type.Duration: return 'INTEGER';
    case Type.Float: case Type.Decimal: return 'REAL';
    case Type.Utf8: case Type.LargeUtf8: case Type.Dictionary: return 'TEXT';
    default: return 'BLOB';
  }
}

function sqlValue(v: unknown): SqlValue {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number' || typeof v === 'string') return v;
  if (typeof v === 'bigint') return v >= BigInt(Number.MIN_SAFE_INTEGER) && v <= BigInt(Number.MAX_SAFE_INTEGER) ? Number(v) : v;
  if (typeof v === 'boolean') return v ? 1 : 0;
  if (v instanceof Date) return v.getTime();
  if (v instanceof Uint8Array) return Buffer.from(v).toString('latin1');
  return String(v);
}

async function arrowTable(file: string, sink: TableSink, signal?: AbortSignal): Promise<void> {
  const reader = await RecordBatchReader.from(createReadStream(file));
  let started = false;
  for await (const batch of reader) {
    checkAbort(signal);
    const fields = batch.schema.fields as Field[];
    if (!started) {
      sink.columns(fields.map((f) => ({ name: f.name, type: arrowAffinity(f.type) })));
      started = true;
    }
    const cols = fields.map((_, i) => batch.getChildAt(i)!);
    const row: SqlValue[] = new Array<SqlValue>(cols.length);
    for (let r = 0; r < batch.numRows; r++) {
      for (let c = 0; c < cols.length; c++) row[c] = sqlValue(cols[c]!.get(r));
      sink.row(row);
    }
  }
  if (!started) sink.columns(reader.schema.fields.map((f) => ({ name: f.name, type: arrowAffinity(f.type) })));
}

function parquetAffinity(node: SchemaTree): Affinity {
  const e = node.element;
  if (e.type === 'BYTE_ARRAY' || e.type === 'FIXED_LEN_BYTE_ARRAY') return e.converted_type === 'UTF8' || e.logical_type?.type === 'STRING' ? 'TEXT' : 'BLOB';
  if (e.type === 'FLOAT' || e.type === 'DOUBLE') return 'REAL';
  return 'INTEGER';
}

async function parquetTable(file: string, sink: TableSink, signal?: AbortSignal): Promise<void> {
  const buffer = await asyncBufferFromFile(file);
  const metadata = await parquetMetadataAsync(buffer);
  const leaves = parquetSchema(metadata).children;
  sink.columns(leaves.map((n) => ({ name: n.element.name, type: parquetAffinity(n) })));
  let at = 0;
  for (const group of metadata.row_groups) {
    checkAbort(signal);
    const rows = Number(group.num_rows);
    await parquetRead({
      file: buffer, metadata, compressors, rowStart: at, rowEnd: at + rows, rowFormat: 'array',
      onComplete: (data: unknown[][]) => {
        for (const r of data) sink.row(r.map(sqlValue));
      },
    });
    at += rows;
  }
}

/** Streams every table file of the export folder into a new SQLite file at `out`. */
async function toSqlite(dir: string, kind: ColumnarKind, out: string, opts: OpenOptions): Promise<void> {
  const files = readdirSync(dir).filter((n) => EXT[kind].test(n)).sort();
  const total = files.reduce((n, f) => n + statSync(join(dir, f)).size, 0);
  const writer = new SqliteWriter(new FilePageSink(out));
  let done = 0;
  for (const f of files) {
    const table = f.replace(EXT[kind], '');
    if (!/^\w+$/.test(table)) continue;
    opts.onProgress?.(total ? 0.5 * (done / total) : 0, `converting ${table} (${kind})`);
    let tree: ReturnType<SqliteWriter['createTable']>['tree'] | undefined;
    const sink: TableSink = {
      columns: (cols) => {
        const defs = cols.map((c) => `  "${c.name.replace(/"/g, '')}" ${c.type}`).join(',\n');
        tree = writer.createTable(table, `CREATE TABLE "${table}" (\n${defs}\n)`).tree;
      },
      row: (values) => tree!.insert([...values]),
    };
    try {
      await (kind === 'arrowdir' ? arrowTable : parquetTable)(join(dir, f), sink, opts.signal);
    } catch (e) {
      if (e instanceof UserError || (e instanceof Error && e.name === 'CancelledError')) throw e;
      throw new UserError(`${join(basename(dir), f)} is not a readable ${kind === 'arrowdir' ? 'Arrow IPC' : 'Parquet'} file (${(e as Error).message.split('\n')[0]})`);
    }
    done += statSync(join(dir, f)).size;
  }
  writer.finish();
}

export async function readNsysColumnarDir(path: string, kind: ColumnarKind, opts: OpenOptions = {}): Promise<ProfileModel> {
  const tmp = mkdtempSync(join(tmpdir(), 'sysight-nsys-dir-'));
  try {
    const out = join(tmp, `${basename(path)}.sqlite`);
    await toSqlite(path, kind, out, opts);
    const model = await readNsysSqlite(out, { ...opts, onProgress: (f, m) => opts.onProgress?.(0.5 + 0.5 * f, m) });
    model.meta.source = path;
    model.meta.notes.push(`read from an nsys ${kind} export (nsys export --type ${kind})`);
    return model;
  } finally {
    rmSync(tmp, { recursive: true, force: true });
  }
}

export const nsysColumnarDirReader: ProfileReader = {
  name: 'nsys-columnar-dir',
  sniff: () => false,
  sniffDir: (path) => columnarDirKind(path) !== undefined,
  read: (path, opts) => readNsysColumnarDir(path, columnarDirKind(path) ?? 'arrowdir', opts),
};
