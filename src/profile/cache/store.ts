// The per-user cache folder: where it is, how big it may grow, listing, clearing and least-recently-used
// eviction. Each entry is a folder named by its key (see key.ts) holding model-io's files; an entry's "last
// used" time is its manifest's mtime, touched on every hit.
import { existsSync, mkdirSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { CorruptCacheError } from './arrow-io.js';
import { MANIFEST, readManifest } from './model-io.js';
import type { EntryManifest } from './model-io.js';

/** Default size limit of the cache folder. */
export const DEFAULT_MAX_BYTES = 20 * 1024 ** 3;
const ENTRY_NAME = /^[0-9a-f]{32}$/;
/** Unfinished writes (a crashed process's) older than this are removed by eviction. */
const STALE_TMP_MS = 60 * 60 * 1000;

export interface CacheSettings {
  /** the cache folder */
  dir: string;
  /** size limit in bytes; least recently used entries are removed past it */
  maxBytes: number;
}

/** The per-user cache folder of this platform. */
export function defaultCacheDir(env: NodeJS.ProcessEnv = process.env): string {
  if (process.platform === 'win32' && env.LOCALAPPDATA) return join(env.LOCALAPPDATA, 'sysight', 'cache');
  if (process.platform === 'darwin') return join(homedir(), 'Library', 'Caches', 'sysight');
  return join(env.XDG_CACHE_HOME || join(homedir(), '.cache'), 'sysight');
}

/**
 * Cache settings from the editor setting or SYSIGHT_CACHE (the setting wins when set): unset or empty →
 * the per-user folder; `off` → no cache (undefined); anything else → that folder. The size limit comes from
 * `maxGB` (setting) or SYSIGHT_CACHE_MAX_GB, default 20 GB.
 */
export function resolveCacheSettings(setting: { dir?: string | undefined; maxGB?: number | undefined } = {},
  env: NodeJS.ProcessEnv = process.env): CacheSettings | undefined {
  const dir = (setting.dir?.trim() || env.SYSIGHT_CACHE?.trim() || '');
  if (dir.toLowerCase() === 'off') return undefined;
  const envGB = Number(env.SYSIGHT_CACHE_MAX_GB);
  const gb = setting.maxGB !== undefined && setting.maxGB > 0 ? setting.maxGB : Number.isFinite(envGB) && envGB > 0 ? envGB : undefined;
  return { dir: dir || defaultCacheDir(env), maxBytes: gb !== undefined ? Math.round(gb * 1024 ** 3) : DEFAULT_MAX_BYTES };
}

export interface CacheEntryInfo {
  key: string;
  dir: string;
  bytes: number;
  lastUsedMs: number;
  /** the manifest, or why the entry cannot be read */
  manifest?: EntryManifest;
  damaged?: string;
}

function folderBytes(dir: string): number {
  let n = 0;
  for (const name of readdirSync(dir)) {
    const st = statSync(join(dir, name), { throwIfNoEntry: false });
    if (st?.isFile()) n += st.size;
  }
  return n;
}

/** Every entry of the cache folder, most recently used first. */
export function listEntries(dir: string): CacheEntryInfo[] {
  if (!existsSync(dir)) return [];
  const out: CacheEntryInfo[] = [];
  for (const key of readdirSync(dir)) {
    if (!ENTRY_NAME.test(key)) continue;
    const entry = join(dir, key);
    try {
      const st = statSync(join(entry, MANIFEST), { throwIfNoEntry: false });
      const info: CacheEntryInfo = { key, dir: entry, bytes: folderBytes(entry), lastUsedMs: st?.mtimeMs ?? statSync(entry).mtimeMs };
      try {
        info.manifest = readManifest(entry);
      } catch (e) {
        info.damaged = e instanceof CorruptCacheError ? e.message : String(e);
      }
      out.push(info);
    } catch {
      // removed while we looked
    }
  }
  return out.sort((a, b) => b.lastUsedMs - a.lastUsedMs);
}

export function removeEntry(dir: string): void {
  rmSync(dir, { recursive: true, force: true });
}

/** Marks an entry used now (LRU order). */
export function touchEntry(dir: string): void {
  const now = new Date();
  try {
    utimesSync(join(dir, MANIFEST), now, now);
  } catch {
    // evicted meanwhile: the caller already holds its files open
  }
}

/** Removes every entry and unfinished write; returns how many entries and bytes went. */
export function clearCache(dir: string): { entries: number; bytes: number } {
  let entries = 0;
  let bytes = 0;
  if (!existsSync(dir)) return { entries, bytes };
  for (const e of listEntries(dir)) {
    removeEntry(e.dir);
    entries++;
    bytes += e.bytes;
  }
  for (const name of readdirSync(dir)) if (name.startsWith('.tmp-')) rmSync(join(dir, name), { recursive: true, force: true });
  return { entries, bytes };
}

/**
 * Removes least recently used entries until the folder fits `maxBytes` (never `keep`, the entry just written),
 * and unfinished writes older than an hour. Returns the keys removed.
 */
export function evict(settings: CacheSettings, keep?: string): string[] {
  const removed: string[] = [];
  if (!existsSync(settings.dir)) return removed;
  for (const name of readdirSync(settings.dir)) {
    if (!name.startsWith('.tmp-')) continue;
    const st = statSync(join(settings.dir, name), { throwIfNoEntry: false });
    if (st && Date.now() - st.mtimeMs > STALE_TMP_MS) rmSync(join(settings.dir, name), { recursive: true, force: true });
  }
  const entries = listEntries(settings.dir);
  let total = entries.reduce((n, e) => n + e.bytes, 0);
  for (const e of [...entries].reverse()) {
    if (total <= settings.maxBytes) break;
    if (e.key === keep) continue;
    removeEntry(e.dir);
    removed.push(e.key);
    total -= e.bytes;
  }
  return removed;
}

export function ensureDir(dir: string): void {
  mkdirSync(dir, { recursive: true });
}
