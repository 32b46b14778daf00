// Answers kept beside the model in a profile's cache entry: a query's JSON result (the `profile summary`
// aggregates), so a later run of the same query on the same file reads a few KB instead of the model's
// columns and its pass over them. A result lives in the entry of the file's identity (path, size, mtime,
// content hash, reader stamp: the stamp covers src/profile, the queries included), so a changed file or a new
// engine never sees it; it is keyed by the query's name and parameters and the path as given (results echo
// it); a result that does not check out (truncated, edited) is dropped with a note and computed again.
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
function locate(path: string, name: string, params: unknown, opts: ResultCacheOptions): { dir: string; file: string } | undefined {
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
  return { dir, file: join(dir, `result-${name.replace(/[^\w-]/g, '_')}-${id}.json`) };
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

/** The stored result, or undefined (none yet, cache off, or a damaged one dropped with a note). */
export function readCachedResult(path: string, name: string, params: unknown, opts: ResultCacheOptions = {}): { value: unknown } | undefined {
  const at = locate(path, name, params, opts);
  if (!at || !existsSync(at.file)) return undefined;
  try {
    const box = JSON.parse(readFileSync(at.file, 'utf8')) as { sha256?: unknown; payload?: unknown };
    if (typeof box.payload !== 'string' || box.sha256 !== sha(box.payload)) throw new Error('checksum does not match');
    const value = JSON.parse(box.payload) as unknown;
    touchEntry(at.dir);
    return { value };
  } catch (e) {
    const line = `the cached ${name} of ${path} is damaged (${(e as Error).message.split('\n')[0]}); computing it again`;
    if (opts.onNote) opts.onNote(line);
    else process.stderr.write(`sysight: ${line}\n`);
    rmSync(at.file, { force: true });
    return undefined;
  }
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
