// Model tables ↔ Apache Arrow IPC files (the "file" format, uncompressed, little-endian), through the
// apache-arrow package. Writing streams record batches of at most BATCH_ROWS rows, so a table is never copied
// whole. Reading is our own column projection over Arrow's footer and message decoders: the file's footer and
// each batch's metadata are read and checked against the file's size up front, and each column's bytes are
// read only when that column is first used (pread into its typed array), so a caller pays for the columns it
// touches. The files are plain Arrow: pyarrow, polars and DuckDB read them (sysight export writes the same).
import { closeSync, fstatSync, openSync, readSync, writeSync } from 'node:fs';
import { makeVector, MessageReader, RecordBatchFileWriter, Table, Type } from 'apache-arrow';
import type { DataType, Vector } from 'apache-arrow';
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

/** Yields to the event loop so the file sink drains what the writer queued. */
const tick = () => new Promise<void>((resolve) => setImmediate(resolve));

/** Writes a table's typed-array columns to `path` as an Arrow IPC file; returns the bytes written. */
export async function writeArrowTable(path: string, table: ColumnTable, signal?: AbortSignal): Promise<number> {
  const cols = columnsOf(table);
  if (cols.length === 0) throw new Error('a table with no columns cannot be written');
  const writer = new RecordBatchFileWriter();
  const fd = openSync(path, 'w');
  let bytes = 0;
  try {
    const sink = (async () => {
      for await (const chunk of writer) {
        writeSync(fd, chunk);
        bytes += chunk.byteLength;
      }
    })();
    const n = table.length;
    for (let from = 0; from < n || from === 0; from += BATCH_ROWS) {
      signal?.throwIfAborted();
      const to = Math.min(n, from + BATCH_ROWS);
      const vectors: Record<string, Vector> = {};
      for (const [name, col] of cols) vectors[name] = makeVector(col.subarray(from, to));
      const batch = new Table(vectors);
      if (batch.batches.length === 0) writer.reset(undefined, batch.schema);
      for (const b of batch.batches) writer.write(b);
      await tick();
      if (n === 0) break;
    }
    writer.finish();
    await sink;
  } finally {
    closeSync(fd);
  }
  return bytes;
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
export function openArrowTable(path: string): ArrowTableFile {
  const fd = openSync(path, 'r');
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
