// Model tables ↔ Apache Arrow IPC files (the "file" format, uncompressed, little-endian), through the
// apache-arrow package. Writing appends record batches of at most BATCH_ROWS rows to the file as they come
// (ArrowFileSink), so a table is never copied whole and a reader can stream a table it never holds. Reading is
// our own column projection over Arrow's footer and message decoders: the file's footer and each batch's
// metadata are read and checked against the file's size up front, and each column's bytes are read only when
// that column is first used (pread into its typed array), so a caller pays for the columns it touches. The
// files are plain Arrow: pyarrow, polars and DuckDB read them (sysight export writes the same).
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { Int32, makeData, makeVector, MessageReader, RecordBatchFileWriter, Table, Type, Utf8 } from 'apache-arrow';
import type { DataType, Schema, Vector } from 'apache-arrow';
import type { ArrayBufferViewInput } from 'apache-arrow/util/buffer';
import { Footer } from 'apache-arrow/ipc/metadata/file';
import { MessageHeader } from 'apache-arrow/fb/message-header';

/** Rows per record batch written. */
export const BATCH_ROWS = 1 << 20;
const MAGIC = 'ARROW1';

export type Column = Float64Array | Float32Array | Int32Array | Uint32Array | Int16Array | Uint16Array | Int8Array | Uint8Array;
type ColumnCtor = { new (n: number): Column; readonly BYTES_PER_ELEMENT: number };
/** A model table: a row count and one typed array per column. */
export type ColumnTable = { length: number } & Record<string, unknown>;

/** A cache or export file was not what we wrote: truncated, overwritten or damaged. */
export class CorruptCacheError extends Error {}

export function isColumn(v: unknown): v is Column {
  return v instanceof Float64Array || v instanceof Float32Array || v instanceof Int32Array || v instanceof Uint32Array ||
    v instanceof Int16Array || v instanceof Uint16Array || v instanceof Int8Array || v instanceof Uint8Array;
}

/** The typed-array columns of a table, in property order (every column the model has, new ones included). */
export function columnsOf(table: ColumnTable): [string, Column][] {
  return Object.entries(table).filter((e): e is [string, Column] => isColumn(e[1]));
}

/**
 * apache-arrow's file writer with its output written to a file as it is produced, synchronously: the library
 * queues every chunk in an async byte queue, so a caller that writes record batches from a synchronous loop
 * (a table loader stepping SQLite rows) would hold the whole table there. `_write` is the writer's one
 * (protected) output point; everything else — schema, record batch messages, the footer — is the library's.
 */
class FdFileWriter extends RecordBatchFileWriter {
  bytes = 0;

  constructor(private readonly fd: number) {
    super();
  }

  protected override _write(chunk: ArrayBufferViewInput): this {
    if (!this._started) return this;
    if (!ArrayBuffer.isView(chunk)) throw new Error('Arrow writer produced a chunk that is not a byte view');
    const bytes = new Uint8Array(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    let done = 0;
    while (done < bytes.byteLength) done += writeSync(this.fd, bytes, done, bytes.byteLength - done);
    this._position += bytes.byteLength;
    this.bytes += bytes.byteLength;
    return this;
  }
}

/**
 * An Arrow IPC file written batch by batch: each `write` appends record batches (of at most BATCH_ROWS rows)
 * to the file at once, so the caller can reuse or drop its arrays right after. `finish` writes the footer.
 */
export class ArrowFileSink {
  rows = 0;
  private readonly fd: number;
  private readonly writer: FdFileWriter;
  private schema: Schema | undefined;
  private done = false;

  constructor(readonly path: string) {
    this.fd = openSync(path, 'w');
    this.writer = new FdFileWriter(this.fd);
  }

  /** Appends the typed-array columns of `table` (every batch of one file must have the same columns). */
  writeColumns(table: ColumnTable): void {
    const cols = columnsOf(table);
    if (cols.length === 0) throw new Error('a table with no columns cannot be written');
    const n = table.length;
    for (let from = 0; from < n || (from === 0 && !this.schema); from += BATCH_ROWS) {
      const to = Math.min(n, from + BATCH_ROWS);
      const vectors: Record<string, Vector> = {};
      for (const [name, col] of cols) vectors[name] = makeVector(col.subarray(from, to));
      this.writeTable(new Table(vectors));
      if (n === 0) break;
    }
  }

  /** Appends a table built by the caller (text columns: see utf8Vector). */
  writeTable(batch: Table): void {
    if (this.done) throw new Error(`${this.path} is already finished`);
    if (!this.schema) {
      this.schema = batch.schema;
      // the schema goes out first even for a table with no rows
      this.writer.reset(undefined, batch.schema);
    }
    for (const b of batch.batches) if (b.numRows > 0) this.writer.write(b);
    this.rows += batch.numRows;
  }

  /** Writes the footer and closes the file; returns the bytes written. */
  finish(): number {
    if (!this.done) {
      this.done = true;
      try {
        this.writer.finish();
      } finally {
        closeSync(this.fd);
      }
    }
    return this.writer.bytes;
  }

  /** Closes the file without a footer (the caller removes it). */
  abort(): void {
    if (this.done) return;
    this.done = true;
    closeSync(this.fd);
  }
}

/**
 * A Utf8 vector from JS strings (null where absent), encoded in one pass into one buffer: what
 * vectorFromArray does through a builder per value, about ten times faster on millions of callchain frames.
 */
export function utf8Vector(values: readonly (string | null | undefined)[]): Vector<Utf8> {
  const n = values.length;
  const valueOffsets = new Int32Array(n + 1);
  let total = 0;
  let nulls = 0;
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) nulls++;
    else total += Buffer.byteLength(v, 'utf8');
    valueOffsets[i + 1] = total;
  }
  const data = Buffer.allocUnsafe(total);
  let nullBitmap: Uint8Array | undefined;
  if (nulls > 0) nullBitmap = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) continue;
    if (nullBitmap) nullBitmap[i >> 3]! |= 1 << (i & 7);
    if (v.length > 0) data.write(v, valueOffsets[i]!, 'utf8');
  }
  return makeVector(makeData({
    type: new Utf8(), length: n, nullCount: nulls, valueOffsets,
    data: new Uint8Array(data.buffer, data.byteOffset, data.byteLength), ...(nullBitmap ? { nullBitmap } : {}),
  }));
}

/** A nullable Int32 vector (null where absent). */
export function nullableInt32Vector(values: readonly (number | null | undefined)[]): Vector<Int32> {
  const n = values.length;
  const out = new Int32Array(n);
  let nulls = 0;
  const nullBitmap = new Uint8Array((n + 7) >> 3);
  for (let i = 0; i < n; i++) {
    const v = values[i];
    if (v === null || v === undefined) nulls++;
    else {
      out[i] = v;
      nullBitmap[i >> 3]! |= 1 << (i & 7);
    }
  }
  return makeVector(makeData({ type: new Int32(), length: n, nullCount: nulls, data: out, ...(nulls > 0 ? { nullBitmap } : {}) }));
}

/** Writes a table's typed-array columns to `path` as an Arrow IPC file; returns the bytes written. */
export async function writeArrowTable(path: string, table: ColumnTable, signal?: AbortSignal): Promise<number> {
  signal?.throwIfAborted();
  const sink = new ArrowFileSink(path);
  try {
    sink.writeColumns(table);
  } catch (e) {
    sink.abort();
    throw e;
  }
  return sink.finish();
}

interface BatchRegion {
  rows: number;
  /** byte offset of each column's data in the file */
  columnOffsets: number[];
}

export interface ArrowTableFile {
  rows: number;
  columns: { name: string; ctor: ColumnCtor }[];
  batches: BatchRegion[];
  fd: number;
  /** set by closeArrowTable: the fd number may already belong to another file, so it is never used again */
  closed: boolean;
}

function readAt(fd: number, offset: number, length: number): Uint8Array {
  const buf = new Uint8Array(length);
  let done = 0;
  while (done < length) {
    const n = readSync(fd, buf, done, length - done, offset + done);
    if (n === 0) throw new CorruptCacheError(`unexpected end of file at byte ${offset + done}`);
    done += n;
  }
  return buf;
}

function ctorOf(type: DataType): ColumnCtor {
  const ctor = (type as { ArrayType?: ColumnCtor }).ArrayType;
  const primitive = type.typeId === Type.Int || type.typeId === Type.Float;
  if (!primitive || !ctor || (type.typeId === Type.Int && (type as { bitWidth?: number }).bitWidth === 64)) {
    throw new CorruptCacheError(`column type ${String(type)} is not a plain number column`);
  }
  return ctor;
}

/**
 * Opens an Arrow IPC file we wrote and checks its structure against its size: magic at both ends, a footer
 * that decodes, primitive columns without nulls, and every batch's buffers inside the file. Column bytes are
 * not read here (see readColumn). The caller owns `fd` (closeArrowTable).
 */
export function openArrowTable(path: string, flags: 'r' | 'r+' = 'r'): ArrowTableFile {
  const fd = openSync(path, flags);
  try {
    const size = fstatSync(fd).size;
    if (size < 2 * MAGIC.length + 6) throw new CorruptCacheError(`${size} bytes is too short for an Arrow file`);
    const tail = readAt(fd, size - 10, 10);
    const head = readAt(fd, 0, 6);
    if (Buffer.from(tail.subarray(4)).toString('latin1') !== MAGIC || Buffer.from(head).toString('latin1') !== MAGIC) {
      throw new CorruptCacheError('not an Arrow IPC file (magic bytes missing)');
    }
    const footerLength = new DataView(tail.buffer).getInt32(0, true);
    if (footerLength <= 0 || footerLength > size - 16) throw new CorruptCacheError(`bad footer length ${footerLength}`);
    let footer: Footer;
    try {
      footer = Footer.decode(readAt(fd, size - 10 - footerLength, footerLength));
    } catch (e) {
      throw new CorruptCacheError(`footer does not decode (${(e as Error).message})`);
    }
    const columns = footer.schema.fields.map((f) => ({ name: f.name, ctor: ctorOf(f.type) }));
    const batches: BatchRegion[] = [];
    let rows = 0;
    for (const block of footer.recordBatches()) {
      if (block.offset + block.metaDataLength + block.bodyLength > size) {
        throw new CorruptCacheError(`record batch at byte ${block.offset} runs past the end of the file`);
      }
      let message;
      try {
        message = new MessageReader(readAt(fd, block.offset, block.metaDataLength)).readMessage(MessageHeader.RecordBatch);
      } catch (e) {
        throw new CorruptCacheError(`record batch metadata does not decode (${(e as Error).message})`);
      }
      if (!message) throw new CorruptCacheError(`no record batch at byte ${block.offset}`);
      const header = message.header();
      const bodyStart = block.offset + block.metaDataLength;
      const batchRows = Number(header.length);
      if (header.nodes.length !== columns.length || header.buffers.length !== 2 * columns.length) {
        throw new CorruptCacheError('record batch does not match the schema');
      }
      const columnOffsets: number[] = [];
      for (let c = 0; c < columns.length; c++) {
        const node = header.nodes[c]!;
        const data = header.buffers[2 * c + 1]!;
        const need = batchRows * columns[c]!.ctor.BYTES_PER_ELEMENT;
        if (Number(node.nullCount) !== 0 || Number(node.length) !== batchRows) {
          throw new CorruptCacheError(`column ${columns[c]!.name} has nulls or a wrong length`);
        }
        if (data.length < need || data.offset + need > block.bodyLength) {
          throw new CorruptCacheError(`column ${columns[c]!.name} runs past its record batch`);
        }
        columnOffsets.push(bodyStart + data.offset);
      }
      batches.push({ rows: batchRows, columnOffsets });
      rows += batchRows;
    }
    return { rows, columns, batches, fd, closed: false };
  } catch (e) {
    closeSync(fd);
    throw e;
  }
}

/** Reads one column of an opened table into a new typed array (concatenating its batches). */
export function readColumn(file: ArrowTableFile, index: number): Column {
  const col = file.columns[index];
  if (!col) throw new Error(`no column ${index}`);
  if (file.closed) throw new Error(`column ${col.name} read after its cache file was closed`);
  const out = new col.ctor(file.rows);
  const bytes = new Uint8Array(out.buffer, out.byteOffset, out.byteLength);
  let at = 0;
  for (const b of file.batches) {
    const n = b.rows * col.ctor.BYTES_PER_ELEMENT;
    let done = 0;
    while (done < n) {
      const r = readSync(file.fd, bytes, at + done, n - done, b.columnOffsets[index]! + done);
      if (r === 0) throw new CorruptCacheError(`column ${col.name} ends early`);
      done += r;
    }
    at += n;
  }
  return out;
}

/** Closes the table's file once (a second close could hit a reused fd number). */
export function closeArrowTable(file: ArrowTableFile): void {
  if (file.closed) return;
  file.closed = true;
  closeSync(file.fd);
}

/**
 * Rewrites a Float64 column of an Arrow file we wrote, in place, one record batch at a time (the file's size
 * and structure do not change): for values a streaming reader can only fix once it has seen the whole table.
 */
export function rewriteFloat64Column(path: string, name: string, fn: (values: Float64Array, firstRow: number) => void): void {
  const file = openArrowTable(path, 'r+');
  try {
    const index = file.columns.findIndex((c) => c.name === name);
    if (index < 0 || file.columns[index]!.ctor !== Float64Array) throw new Error(`${path} has no Float64 column ${name}`);
    let row = 0;
    for (const b of file.batches) {
      const values = new Float64Array(b.rows);
      const bytes = new Uint8Array(values.buffer);
      const at = b.columnOffsets[index]!;
      let done = 0;
      while (done < bytes.byteLength) {
        const r = readSync(file.fd, bytes, done, bytes.byteLength - done, at + done);
        if (r === 0) throw new CorruptCacheError(`column ${name} ends early`);
        done += r;
      }
      fn(values, row);
      done = 0;
      while (done < bytes.byteLength) done += writeSync(file.fd, bytes, done, bytes.byteLength - done, at + done);
      row += b.rows;
    }
  } finally {
    closeArrowTable(file);
  }
}
