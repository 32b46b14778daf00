// Low-level pieces of the SQLite 3 file format (https://www.sqlite.org/fileformat2.html) used by the streaming
// writer: varints, record encoding, and the page sinks (a file or memory) that pages are appended to.
import { closeSync, openSync, writeSync } from 'node:fs';

export type SqlValue = number | bigint | string | null;

export const PAGE_SIZE = 4096;
/** The page holding byte offset 2^30 (the lock-byte page) must never be used by the database. */
export const LOCK_PAGE = Math.floor(1073741824 / PAGE_SIZE) + 1;

const TWO32 = 4294967296;
const encoder = new TextEncoder();

export function varintLength(v: number): number {
  if (v < 0) throw new Error('negative varint');
  let n = 1;
  while (v >= 128 && n < 9) {
    v = Math.floor(v / 128);
    n++;
  }
  if (n > 8) throw new Error('varint too large');
  return n;
}

/** Writes a SQLite big-endian varint (values below 2^56) at `off`; returns the new offset. */
export function putVarint(buf: Uint8Array, off: number, v: number): number {
  if (v < 128) {
    buf[off] = v;
    return off + 1;
  }
  const n = varintLength(v);
  for (let i = n - 1; i >= 0; i--) {
    const byte = v % 128;
    v = Math.floor(v / 128);
    buf[off + i] = i === n - 1 ? byte : byte | 0x80;
  }
  return off + n;
}

/** Growable scratch buffer that records are encoded into. */
export class RecordEncoder {
  buf = new Uint8Array(1 << 16);
  private dv = new DataView(this.buf.buffer);
  private types: number[] = [];
  private texts: (Uint8Array | null)[] = [];

  /** Encodes `values` as a record; returns its length (the bytes are in `this.buf`). */
  encode(values: readonly SqlValue[]): number {
    const types = this.types;
    const texts = this.texts;
    if (types.length !== values.length) {
      types.length = values.length;
      texts.length = values.length;
    }
    let headerLen = 0;
    let bodyLen = 0;
    for (let i = 0; i < values.length; i++) {
      const v = values[i] ?? null;
      let t: number;
      texts[i] = null;
      if (v === null) t = 0;
      else if (typeof v === 'string') {
        const b = encoder.encode(v);
        texts[i] = b;
        t = 13 + 2 * b.length;
        bodyLen += b.length;
      } else if (typeof v === 'bigint') {
        t = 6;
        bodyLen += 8;
      } else if (!Number.isInteger(v)) {
        t = 7;
        bodyLen += 8;
      } else {
        t = intType(v);
        bodyLen += INT_BYTES[t]!;
      }
      types[i] = t;
      headerLen += varintLength(t);
    }
    let hdr = headerLen + 1;
    while (headerLen + varintLength(hdr) !== hdr) hdr = headerLen + varintLength(hdr);
    const total = hdr + bodyLen;
    if (total > this.buf.length) {
      this.buf = new Uint8Array(Math.max(total, this.buf.length * 2));
      this.dv = new DataView(this.buf.buffer);
    }
    const buf = this.buf;
    const dv = this.dv;
    let off = putVarint(buf, 0, hdr);
    for (let i = 0; i < types.length; i++) off = putVarint(buf, off, types[i]!);
    for (let i = 0; i < values.length; i++) off = writeValue(buf, dv, off, values[i] ?? null, types[i]!, texts[i]!);
    return off;
  }
}

const INT_BYTES = [0, 1, 2, 3, 4, 6, 8, 8, 0, 0];

function intType(v: number): number {
  if (v === 0) return 8;
  if (v === 1) return 9;
  if (v >= -128 && v <= 127) return 1;
  if (v >= -32768 && v <= 32767) return 2;
  if (v >= -8388608 && v <= 8388607) return 3;
  if (v >= -2147483648 && v <= 2147483647) return 4;
  if (v >= -140737488355328 && v <= 140737488355327) return 5;
  return 6;
}

function writeValue(buf: Uint8Array, dv: DataView, off: number, v: SqlValue, t: number, text: Uint8Array | null): number {
  if (t === 0 || t === 8 || t === 9) return off;
  if (text) {
    buf.set(text, off);
    return off + text.length;
  }
  if (t === 7) {
    dv.setFloat64(off, v as number);
    return off + 8;
  }
  if (typeof v === 'bigint') {
    dv.setBigInt64(off, v);
    return off + 8;
  }
  const n = INT_BYTES[t]!;
  let x = v as number;
  if (n <= 4) {
    for (let i = n - 1; i >= 0; i--) {
      buf[off + i] = x & 0xff;
      x >>= 8;
    }
    return off + n;
  }
  // 6 or 8 bytes: split into high and low 32-bit halves (two's complement for negatives)
  if (x < 0) x += n === 6 ? 281474976710656 : 0;
  if (x < 0) {
    dv.setBigInt64(off, BigInt(v as number));
    return off + 8;
  }
  const hi = Math.floor(x / TWO32);
  const lo = x - hi * TWO32;
  if (n === 6) {
    dv.setUint16(off, hi & 0xffff);
    dv.setUint32(off + 2, lo);
  } else {
    dv.setUint32(off, hi);
    dv.setUint32(off + 4, lo);
  }
  return off + n;
}

/** Where finished pages go. Pages are appended in increasing page number order; page 1 is written last. */
export interface PageSink {
  append(page: Uint8Array): void;
  writePage1(page: Uint8Array): void;
  close(): void;
}

/** Appends to a file through a 4 MiB buffer; page 1 is reserved as zeros and overwritten at the end. */
export class FilePageSink implements PageSink {
  private fd: number;
  private buf = new Uint8Array(4 << 20);
  private used = 0;
  private pos = 0;

  constructor(path: string) {
    this.fd = openSync(path, 'w');
    this.append(new Uint8Array(PAGE_SIZE));
  }

  append(page: Uint8Array): void {
    if (this.used + page.length > this.buf.length) this.flush();
    this.buf.set(page, this.used);
    this.used += page.length;
  }

  private flush(): void {
    let off = 0;
    while (off < this.used) off += writeSync(this.fd, this.buf, off, this.used - off, this.pos + off);
    this.pos += this.used;
    this.used = 0;
  }

  writePage1(page: Uint8Array): void {
    this.flush();
    writeSync(this.fd, page, 0, page.length, 0);
  }

  close(): void {
    this.flush();
    closeSync(this.fd);
  }
}

/** Keeps the pages in memory; `bytes()` concatenates them once at the end. */
export class MemoryPageSink implements PageSink {
  private chunks: Uint8Array[] = [new Uint8Array(PAGE_SIZE)];
  private size = PAGE_SIZE;

  append(page: Uint8Array): void {
    this.chunks.push(page.slice());
    this.size += page.length;
  }

  writePage1(page: Uint8Array): void {
    this.chunks[0] = page.slice();
  }

  close(): void {}

  bytes(): Uint8Array {
    const out = new Uint8Array(this.size);
    let off = 0;
    for (const c of this.chunks) {
      out.set(c, off);
      off += c.length;
    }
    return out;
  }
}
