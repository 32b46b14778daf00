// The bytes of a trace file, plain or gzip, as a stream of chunks: no whole-file buffer, one-line errors for
// files that cannot be read or inflated, and an AbortSignal that stops the read between chunks.
import { createReadStream } from 'node:fs';
import { open, stat } from 'node:fs/promises';
import { addAbortSignal, pipeline, type Readable } from 'node:stream';
import { createGunzip } from 'node:zlib';
import { CancelledError, UserError, throwIfAborted } from '../../core/errors.js';
import { isGzip } from './load.js';

/** Read size: big enough that per-chunk costs vanish, small enough to stay out of the peak. */
const CHUNK_BYTES = 1 << 20;

export interface ChunkProgress {
  /** bytes of the file read so far (compressed bytes for gzip) */
  fileBytes: number;
  /** the file's size */
  fileSize: number;
}

/**
 * Calls `onChunk` with each decompressed chunk of `path`, in order. Throws UserError for a missing,
 * unreadable, empty or corrupt-gzip file and CancelledError when `signal` fires.
 */
export async function forEachChunk(
  path: string, onChunk: (chunk: Buffer, progress: ChunkProgress) => void, signal?: AbortSignal,
): Promise<void> {
  throwIfAborted(signal);
  let size: number;
  let gzip: boolean;
  try {
    const st = await stat(path);
    if (st.isDirectory()) throw new UserError(`${path} is a directory, not a profile`);
    size = st.size;
    if (size === 0) throw new UserError(`${path} is empty (0 bytes): not a profile`);
    const fh = await open(path, 'r');
    try {
      const head = Buffer.alloc(2);
      await fh.read(head, 0, 2, 0);
      gzip = isGzip(head);
    } finally {
      await fh.close();
    }
  } catch (e) {
    throw readError(e, path);
  }
  const file = createReadStream(path, { highWaterMark: CHUNK_BYTES });
  // pipeline() hands a read error of the file on to the inflater, so the loop below sees every failure.
  const source: Readable = gzip ? pipeline(file, createGunzip({ chunkSize: CHUNK_BYTES }), () => {}) : file;
  if (signal) addAbortSignal(signal, source);
  try {
    for await (const chunk of source) {
      throwIfAborted(signal);
      onChunk(chunk as Buffer, { fileBytes: file.bytesRead, fileSize: size });
    }
  } catch (e) {
    if (e instanceof UserError || e instanceof CancelledError) throw e;
    if (signal?.aborted || (e instanceof Error && e.name === 'AbortError')) throw new CancelledError();
    if (gzip && isZlibError(e)) {
      throw new UserError(`${path} is not valid gzip (${(e as Error).message}): the file is truncated or corrupt`);
    }
    if (isErrno(e)) throw readError(e, path);
    throw e;
  } finally {
    source.destroy();
    file.destroy();
  }
}

function isZlibError(e: unknown): boolean {
  const code = (e as NodeJS.ErrnoException | undefined)?.code;
  return typeof code === 'string' && code.startsWith('Z_');
}

function isErrno(e: unknown): boolean {
  return e instanceof Error && typeof (e as NodeJS.ErrnoException).syscall === 'string';
}

function readError(e: unknown, path: string): Error {
  if (e instanceof UserError || e instanceof CancelledError) return e;
  const code = (e as NodeJS.ErrnoException).code;
  if (code === 'ENOENT') return new UserError(`no such file: ${path}`);
  if (code === 'EISDIR') return new UserError(`${path} is a directory, not a profile`);
  return new UserError(`cannot read ${path}: ${(e as Error).message}`);
}

/**
 * The last non-whitespace byte of a plain (not gzip) file, as a character; undefined for gzip, an empty
 * file or one that ends in whitespace only. A trace cut short while being written rarely ends on its
 * closing bracket: this tells so without reading the file.
 */
export async function lastChar(path: string): Promise<string | undefined> {
  let fh;
  try {
    fh = await open(path, 'r');
  } catch {
    return undefined; // the read itself gives the clear error
  }
  try {
    const { size } = await fh.stat();
    const head = Buffer.alloc(2);
    await fh.read(head, 0, 2, 0);
    if (isGzip(head)) return undefined;
    const n = Math.min(size, 4096);
    const tail = Buffer.alloc(n);
    await fh.read(tail, 0, n, size - n);
    for (let i = n - 1; i >= 0; i--) {
      const c = tail[i]!;
      if (c !== 0x20 && c !== 0x0a && c !== 0x0d && c !== 0x09) return String.fromCharCode(c);
    }
    return undefined;
  } finally {
    await fh.close();
  }
}
