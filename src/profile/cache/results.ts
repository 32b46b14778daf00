// Answers kept beside the model in a profile's cache entry: a query's JSON result (the `profile summary`
// aggregates), so a later run of the same query on the same file reads a few KB instead of the model's
// columns and its pass over them. A result lives in the entry of the file's identity (path, size, mtime,
// content hash, reader stamp: the stamp covers src/profile, the queries included), so a changed file or a new
// engine never sees it; it is keyed by the query's name and parameters and the path as given (results echo
// it); a result that does not check out (truncated, edited) is dropped with a note and computed again.
// Answers made of large number series (the trace view's level-of-detail index, diff's per-step metrics) are
// kept in binary (readCachedBinary / writeCachedBinary): a JSON header and the raw bytes of typed arrays behind
// one sha-256, read back as zero-copy views of the file's bytes.
import { createHash } from 'node:crypto';
import { existsSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { READER_STAMP } from './stamp.js';
import { entryKey, profileIdentity } from './key.js';
import { readManifest } from './model-io.js';
import { resolveCacheSettings, touchEntry, type CacheSettings } from './store.js';


export interface ResultCacheOptions {
  cache?: CacheSettings | false | undefined;
  onNote?: ((line: string) => void) | undefined;
}

const sha = (s: string) => createHash('sha256').update(s).digest('hex');

/** The entry folder and result file of (profile, query, parameters), or undefined with no cache or no entry. */
function locate(path: string, name: string, params: unknown, opts: ResultCacheOptions, ext = 'json'): { dir: string; file: string } | undefined {
  const settings = opts.cache === false ? undefined : (opts.cache ?? resolveCacheSettings());
  if (!settings) return undefined;
  let dir: string;
  try {
    dir = join(settings.dir, entryKey(profileIdentity(path), READER_STAMP));
  } catch {
    return undefined; // unreadable: the reader gives the clear error
  }
  if (!entryLooksWhole(dir)) return undefined;
  const id = sha(JSON.stringify([name, params, path])).slice(0, 20);
  return { dir, file: join(dir, `result-${name.replace(/[^\w-]/g, '_')}-${id}.${ext}`) };
}

/**
 * The entry's manifest reads and every table file has the size it lists: a cheap check (no table is read) so
 * that a damaged entry still goes through the open, which notes it and rebuilds it, rather than hiding behind
 * a result kept in it.
 */
function entryLooksWhole(dir: string): boolean {
  try {
    const m = readManifest(dir);
    return Object.entries(m.files).every(([name, f]) => statSync(join(dir, `${name}.arrow`)).size === f.bytes);
  } catch {
    return false;
  }
}

/** Reads a kept file with `decode`; a file that does not decode is dropped with one note (undefined). */
function readKept<T>(path: string, name: string, file: { dir: string; file: string } | undefined, opts: ResultCacheOptions,
  decode: (bytes: Buffer) => T): T | undefined {
  if (!file || !existsSync(file.file)) return undefined;
  try {
    const value = decode(readFileSync(file.file));
    touchEntry(file.dir);
    return value;
  } catch (e) {
    const line = `the cached ${name} of ${path} is damaged (${(e as Error).message.split('\n')[0]}); computing it again`;
    if (opts.onNote) opts.onNote(line);
    else process.stderr.write(`sysight: ${line}\n`);
    rmSync(file.file, { force: true });
    return undefined;
  }
}

/** The stored result, or undefined (none yet, cache off, or a damaged one dropped with a note). */
export function readCachedResult(path: string, name: string, params: unknown, opts: ResultCacheOptions = {}): { value: unknown } | undefined {
  return readKept(path, name, locate(path, name, params, opts), opts, (bytes) => {
    const box = JSON.parse(bytes.toString('utf8')) as { sha256?: unknown; payload?: unknown };
    if (typeof box.payload !== 'string' || box.sha256 !== sha(box.payload)) throw new Error('checksum does not match');
    return { value: JSON.parse(box.payload) as unknown };
  });
}

/** Stores a result in the file's cache entry when there is one (written by the open that computed it); never throws. */
export function writeCachedResult(path: string, name: string, params: unknown, value: unknown, opts: ResultCacheOptions = {}): boolean {
  const at = locate(path, name, params, opts);
  if (!at) return false;
  const payload = JSON.stringify(value);
  const tmp = `${at.file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, JSON.stringify({ name, sha256: sha(payload), payload }));
    renameSync(tmp, at.file);
    return true;
  } catch {
    rmSync(tmp, { force: true });
    return false;
  }
}

/** The typed arrays a binary kept answer may hold. */
export type KeptArray = Float64Array | Int32Array | Uint8Array;
const ARRAY_TYPES = { f64: Float64Array, i32: Int32Array, u8: Uint8Array } as const;
type ArrayTag = keyof typeof ARRAY_TYPES;
const tagOf = (a: KeptArray): ArrayTag => (a instanceof Float64Array ? 'f64' : a instanceof Int32Array ? 'i32' : 'u8');

/** A binary kept answer: a JSON header and typed arrays (refer to them by index from the header). */
export interface KeptBinary {
  header: unknown;
  arrays: KeptArray[];
}

// layout: 32-byte sha-256 of the rest | u32 header length | header JSON (with the arrays' types and lengths) |
// padding to 8 | each array's bytes, each padded to 8
const pad8 = (n: number) => (n + 7) & ~7;

export function encodeKeptBinary(value: KeptBinary): Buffer {
  const head = Buffer.from(JSON.stringify({ header: value.header, arrays: value.arrays.map((a) => [tagOf(a), a.length]) }), 'utf8');
  let size = pad8(4 + head.length);
  for (const a of value.arrays) size += pad8(a.byteLength);
  const body = Buffer.alloc(size);
  body.writeUInt32LE(head.length, 0);
  head.copy(body, 4);
  let at = pad8(4 + head.length);
  for (const a of value.arrays) {
    body.set(new Uint8Array(a.buffer, a.byteOffset, a.byteLength), at);
    at += pad8(a.byteLength);
  }
  return Buffer.concat([createHash('sha256').update(body).digest(), body]);
}

export function decodeKeptBinary(bytes: Buffer): KeptBinary {
  if (bytes.length < 36) throw new Error(`${bytes.length} bytes is too short`);
  const body = bytes.subarray(32);
  if (!createHash('sha256').update(body).digest().equals(bytes.subarray(0, 32))) throw new Error('checksum does not match');
  const headLength = body.readUInt32LE(0);
  const head = JSON.parse(body.toString('utf8', 4, 4 + headLength)) as { header: unknown; arrays: [ArrayTag, number][] };
  // views of the file's bytes (a large readFileSync Buffer starts its own ArrayBuffer, so the arrays are 8-aligned);
  // a Buffer at an odd offset of Node's pool gets one aligned copy
  const start = pad8(4 + headLength);
  let region: Uint8Array = body.subarray(start);
  if (region.byteOffset % 8 !== 0) region = new Uint8Array(region);
  let at = 0;
  const arrays = head.arrays.map(([tag, length]) => {
    const Ctor = ARRAY_TYPES[tag];
    if (!Ctor || at + length * Ctor.BYTES_PER_ELEMENT > region.length) throw new Error('array past the end of the answer');
    const a = new Ctor(region.buffer as ArrayBuffer, region.byteOffset + at, length);
    at += pad8(a.byteLength);
    return a;
  });
  return { header: head.header, arrays };
}

/** A binary kept answer (see encodeKeptBinary) through `parse` (which throws on a form it does not accept), or undefined (none, cache off, or a damaged one dropped with a note). */
export function readCachedBinary<T = KeptBinary>(path: string, name: string, params: unknown, opts: ResultCacheOptions = {},
  parse: (kept: KeptBinary) => T = (k) => k as T): T | undefined {
  return readKept(path, name, locate(path, name, params, opts, 'bin'), opts, (bytes) => parse(decodeKeptBinary(bytes)));
}

/** Stores a binary answer in the file's cache entry when there is one; never throws. */
export function writeCachedBinary(path: string, name: string, params: unknown, value: KeptBinary, opts: ResultCacheOptions = {}): boolean {
  const at = locate(path, name, params, opts, 'bin');
  if (!at) return false;
  const tmp = `${at.file}.tmp-${process.pid}`;
  try {
    writeFileSync(tmp, encodeKeptBinary(value));
    renameSync(tmp, at.file);
    return true;
  } catch {
    rmSync(tmp, { force: true });
    return false;
  }
}
