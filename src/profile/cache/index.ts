// The profile cache: the first read of a profile writes its ProfileModel — whatever reader produced it — to a
// per-user folder as Apache Arrow IPC files; every later open of the same file reads the model from there,
// each column only when it is first used.
//
// How a reader uses it: nothing to do. openProfile (../open.ts) wraps every reader registered in
// ../readers.ts with `openWithCache`, so a new reader (nsys SQLite, Kineto JSON, nsys arrowdir, …) is cached
// as soon as it returns a ProfileModel. Code that opens a profile some other way calls
//   openWithCache(path, opts, () => myReader(path, opts))
// itself. What is cached is generic: every model table (any property of ProfileModel that is an object with
// `length` and typed-array columns) with every typed-array column it has, the string table, the callchains
// and the meta as JSON. A new column or table is cached with no change here; a change to what a reader puts in
// an existing column changes the reader stamp (a hash of the reader sources taken at build time, see
// esbuild.config.mjs), so entries built by an older engine are not used.
//
// Keys: resolved path, size, mtime and a sha-256 of the header and sampled pages (key.ts), and the reader
// stamp. A changed file misses, and its old entries are dropped with a one-line note; of the entries other
// engines built from the unchanged file, the most recently used one is kept (two versions taking turns). A
// damaged entry (truncated, overwritten, half-written) is detected by checking every file against the
// manifest and the Arrow structure, dropped and rebuilt with a one-line note. Settings: SYSIGHT_CACHE (`off`,
// or a folder) / `sysight.cache.directory`, and SYSIGHT_CACHE_MAX_GB / `sysight.cache.maxSizeGB` (LRU eviction
// past it).
import { mkdtempSync, renameSync } from 'node:fs';
import { join } from 'node:path';
import type { CountOnlyTable, ProfileModel } from '../../core/profile.js';
import { CorruptCacheError } from './arrow-io.js';
import { entryKey, profileIdentity } from './key.js';
import type { ProfileIdentity } from './key.js';
import type { TableSink } from '../reader-types.js';
import { readManifest, readModel } from './model-io.js';
import { CacheWriteError, EntrySink, writeModel } from './model-write.js';
import { ensureDir, evict, listEntries, removeEntry, resolveCacheSettings, touchEntry } from './store.js';
import type { CacheSettings } from './store.js';
import { READER_STAMP } from './stamp.js';

export { resolveCacheSettings, defaultCacheDir, listEntries, clearCache, DEFAULT_MAX_BYTES } from './store.js';
export type { CacheSettings, CacheEntryInfo } from './store.js';
export { readModel, readManifest, CACHE_FORMAT } from './model-io.js';
export { writeModel, writeTables } from './model-write.js';
export type { EntryManifest } from './model-io.js';
export { entryKey, profileIdentity } from './key.js';
export type { ProfileIdentity } from './key.js';
export { CorruptCacheError, writeArrowTable } from './arrow-io.js';

export { READER_STAMP } from './stamp.js';
export { readCachedResult, writeCachedResult, readCachedBinary, writeCachedBinary } from './results.js';
export type { ResultCacheOptions, KeptBinary, KeptArray } from './results.js';

export interface CacheOpenOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ((fraction: number, message: string) => void) | undefined;
  countOnly?: readonly CountOnlyTable[] | undefined;
  /** cache folder and size limit; false: no cache; default: resolveCacheSettings() (SYSIGHT_CACHE) */
  cache?: CacheSettings | false | undefined;
  /** one-line notes (a stale or damaged entry rebuilt, a cache that could not be written); default: stderr */
  onNote?: ((line: string) => void) | undefined;
}

/** What the last openWithCache did, for tests, benchmarks and `--json` output. */
export type CacheOutcome = 'hit' | 'miss' | 'stale' | 'damaged' | 'off';

function note(opts: CacheOpenOptions, line: string): void {
  if (opts.onNote) opts.onNote(line);
  else process.stderr.write(`sysight: ${line}\n`);
}

function needsRebuild(have: readonly CountOnlyTable[], want: readonly CountOnlyTable[]): boolean {
  return have.some((t) => !want.includes(t));
}

/**
 * Opens the profile at `path` from the cache, or with `read` and then caches what it returns.
 * `onOutcome` is told whether it was a hit, a miss, a stale or damaged entry rebuilt, or the cache is off.
 */
export async function openWithCache(path: string, opts: CacheOpenOptions, read: (sink?: TableSink) => Promise<ProfileModel>,
  onOutcome?: (outcome: CacheOutcome) => void): Promise<ProfileModel> {
  const settings = opts.cache === false ? undefined : (opts.cache ?? resolveCacheSettings());
  let id: ProfileIdentity | undefined;
  if (settings) {
    try {
      id = profileIdentity(path);
    } catch {
      // unreadable: the reader gives the clear error
    }
  }
  if (!settings || !id) {
    onOutcome?.('off');
    return read();
  }
  const key = entryKey(id, READER_STAMP);
  const dir = join(settings.dir, key);
  const want = opts.countOnly ?? [];
  let outcome: CacheOutcome = 'miss';
  try {
    const manifest = readManifest(dir);
    if (!needsRebuild(manifest.countOnly, want)) {
      opts.onProgress?.(0, 'reading the profile cache');
      const model = readModel(dir, manifest, want);
      model.meta.source = path;
      touchEntry(dir);
      opts.onProgress?.(1, 'done');
      onOutcome?.('hit');
      return model;
    }
  } catch (e) {
    // no entry yet is a plain miss; anything else wrong with an entry is damage: drop it and rebuild
    const absent = e instanceof CorruptCacheError && /manifest unreadable \(ENOENT/.test(e.message);
    if (!absent) {
      note(opts, `the cached copy of ${path} is damaged (${(e as Error).message}); rebuilding it`);
      outcome = 'damaged';
      removeEntry(dir);
    }
  }
  if (outcome === 'miss') outcome = dropStale(settings, id, key, path, opts);
  const model = await readInto(settings, key, id, path, opts, want, read);
  onOutcome?.(outcome);
  return model;
}

/**
 * Reads the profile into a new entry: a reader that streams (ReadOptions.sink) writes its big tables there as
 * it reads them, so they are never held whole; the rest of the model is written after it, then the manifest,
 * then the folder is renamed into place (a half-written entry has no manifest and is never used). The model
 * returned is the entry's, read back column by column on first use; a reader that did not stream returns its
 * whole model, which is kept as it is. When the entry cannot be written (disk full, no permission), one note
 * and the profile is read again without the cache.
 */
async function readInto(settings: CacheSettings, key: string, id: ProfileIdentity, path: string, opts: CacheOpenOptions,
  want: readonly CountOnlyTable[], read: (sink?: TableSink) => Promise<ProfileModel>): Promise<ProfileModel> {
  let tmp: string | undefined;
  let sink: EntrySink | undefined;
  const cannotWrite = (e: unknown) => {
    note(opts, `could not write the profile cache in ${settings.dir} (${(e as Error).message.split('\n')[0]}); continuing without it`);
  };
  try {
    ensureDir(settings.dir);
    tmp = mkdtempSync(join(settings.dir, '.tmp-'));
    sink = new EntrySink(tmp);
  } catch (e) {
    cannotWrite(e);
    return read();
  }
  let model: ProfileModel;
  try {
    model = await read(sink);
  } catch (e) {
    sink.abort();
    removeEntry(tmp);
    if (!(e instanceof CacheWriteError) || opts.signal?.aborted) throw e;
    cannotWrite(e);
    return read();
  }
  const streamed = Object.keys(sink.files).length > 0;
  try {
    opts.onProgress?.(1, 'writing the profile cache');
    const manifest = await writeModel(tmp, model, id, READER_STAMP, opts.signal, sink.files);
    const dir = join(settings.dir, key);
    removeEntry(dir);
    renameSync(tmp, dir);
    tmp = undefined;
    evict(settings, key);
    if (!streamed) return model;
    const out = readModel(dir, manifest, want);
    out.meta.source = path;
    return out;
  } catch (e) {
    if (opts.signal?.aborted) throw e;
    cannotWrite(e);
    // the tables the reader streamed are only in the entry: read them again
    return streamed ? read() : model;
  } finally {
    if (tmp) removeEntry(tmp);
  }
}

/** Entries of the same file under another key (it changed since, or another engine built them). */
function dropStale(settings: CacheSettings, id: ProfileIdentity, key: string, path: string, opts: CacheOpenOptions): CacheOutcome {
  let stale = false;
  let otherEngine = false;
  // most recently used first: of the entries another engine (another reader stamp) built from this very file,
  // the most recently used one stays, so the extension and a CLI of another version can take turns on one
  // file without each dropping the other's entry on every open; older generations go
  for (const e of listEntries(settings.dir)) {
    if (e.key === key || e.manifest?.profile.path !== id.path) continue;
    const p = e.manifest.profile;
    const same = p.size === id.size && p.mtimeMs === id.mtimeMs && p.contentHash === id.contentHash;
    if (same && !otherEngine) {
      otherEngine = true;
      continue;
    }
    removeEntry(e.dir);
    if (!same) stale = true;
  }
  if (stale) note(opts, `${path} changed since it was cached; reading it again`);
  return stale ? 'stale' : 'miss';
}
