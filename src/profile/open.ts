// Opens any supported profile: sniffs the first bytes and hands the file to the matching reader.
// Readers register in ./readers.ts (one line each).
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { NotAProfileError, UserError } from '../core/errors.js';
import type { ProfileModel } from '../core/profile.js';
import { openWithCache } from './cache/index.js';
import type { CacheOutcome, CacheSettings } from './cache/index.js';
import type { ReadOptions, TableSink } from './reader-types.js';
import { READERS } from './readers.js';

export type { ProfileReader, ReadOptions } from './reader-types.js';

/** What a reader is given, and the profile cache in front of the readers. */
export interface OpenOptions extends ReadOptions {
  /** the profile cache (./cache): its folder and size limit, false for none; default from SYSIGHT_CACHE */
  cache?: CacheSettings | false | undefined;
  /** one-line notes about the cache (a stale or damaged entry rebuilt); default: stderr */
  onNote?: ((line: string) => void) | undefined;
  /** told whether the model came from the cache (hit) or was read (miss, stale, damaged, off) */
  onCacheOutcome?: ((outcome: CacheOutcome) => void) | undefined;
}

export function readHead(path: string, bytes = 4096): Uint8Array {
  let st;
  try {
    st = statSync(path);
  } catch {
    throw new UserError(`no such file: ${path}`);
  }
  if (st.isDirectory()) throw new UserError(`${path} is a directory, not a profile`);
  if (st.size === 0) throw new UserError(`${path} is empty (0 bytes): not a profile`);
  let fd: number;
  try {
    fd = openSync(path, 'r');
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  try {
    const buf = new Uint8Array(Math.min(bytes, st.size));
    readSync(fd, buf, 0, buf.length, 0);
    return buf;
  } finally {
    closeSync(fd);
  }
}

/** The reader's options with the cache entry to stream into (none when the cache is off or not writable). */
function withSink(opts: OpenOptions, sink: TableSink | undefined): ReadOptions {
  return sink ? { ...opts, sink } : opts;
}

export async function openProfile(path: string, opts: OpenOptions = {}): Promise<ProfileModel> {
  if (statSync(path, { throwIfNoEntry: false })?.isDirectory()) {
    const dirReader = READERS.find((r) => r.sniffDir?.(path));
    if (!dirReader) {
      throw new UserError(`${path} is a directory, not a profile (an nsys arrowdir or parquetdir export holds StringIds.arrow or StringIds.parquet)`);
    }
    return openWithCache(path, opts, (sink) => dirReader.read(path, withSink(opts, sink)), opts.onCacheOutcome);
  }
  const head = readHead(path);
  const reader = READERS.find((r) => r.sniff(head, path));
  if (!reader) {
    throw new NotAProfileError(
      `${path} is not a profile Sysight can read (expected an Nsight Systems .sqlite export or .nsys-rep report, or a PyTorch profiler .json/.json.gz trace)`,
    );
  }
  return openWithCache(path, opts, (sink) => reader.read(path, withSink(opts, sink)), opts.onCacheOutcome);
}
