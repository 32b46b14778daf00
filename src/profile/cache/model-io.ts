// A ProfileModel ↔ one cache entry folder (written by ./model-write.ts): one Arrow IPC file per model table
// (every typed-array column the table has, so a column a reader adds is cached with no change here),
// strings.arrow, callchains.arrow and manifest.json (format version, the profile's identity, the meta, each file's rows and bytes). Reading
// checks every file's structure up front and loads each column on first use.
import { readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { isAscii } from 'node:buffer';
import { Table, tableFromIPC } from 'apache-arrow';
import type { CountOnlyTable, ProfileMeta, ProfileModel, StackFrame } from '../../core/profile.js';
import { closeArrowTable, columnsOf, CorruptCacheError, openArrowTable, readColumn } from './arrow-io.js';
import type { ArrowTableFile, ColumnTable } from './arrow-io.js';
import type { ProfileIdentity } from './key.js';

/** Bump when the entry layout changes (older entries then read as damaged and are rebuilt). */
export const CACHE_FORMAT = 1;
export const MANIFEST = 'manifest.json';

/** The model's keys that are not tables. */
export const NOT_TABLES = new Set(['meta', 'strings', 'callchains']);

export interface EntryManifest {
  cacheFormat: number;
  /** stamp of the readers that built the model (a rebuilt engine misses) */
  stamp: string;
  profile: ProfileIdentity;
  createdMs: number;
  meta: ProfileMeta;
  /** model tables held count-only (their rows were not loaded) */
  countOnly: CountOnlyTable[];
  files: Record<string, { rows: number; bytes: number }>;
}

export function isModelTable(key: string, value: unknown): value is ColumnTable {
  return !NOT_TABLES.has(key) && typeof value === 'object' && value !== null &&
    typeof (value as { length?: unknown }).length === 'number' && columnsOf(value as ColumnTable).length > 0;
}

export function readManifest(dir: string): EntryManifest {
  let m: EntryManifest;
  try {
    m = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8')) as EntryManifest;
  } catch (e) {
    throw new CorruptCacheError(`manifest unreadable (${(e as Error).message.split('\n')[0]})`);
  }
  if (typeof m !== 'object' || m === null || m.cacheFormat !== CACHE_FORMAT || typeof m.files !== 'object' ||
    typeof m.meta !== 'object' || !m.profile) {
    throw new CorruptCacheError('manifest is from another cache format or incomplete');
  }
  return m;
}

function readTextTable(path: string, rows: number): Table {
  let t: Table;
  try {
    t = tableFromIPC(readFileSync(path));
  } catch (e) {
    throw new CorruptCacheError(`${path.split('/').pop()} does not decode (${(e as Error).message})`);
  }
  if (t.numRows !== rows) throw new CorruptCacheError(`${path.split('/').pop()} has ${t.numRows} rows, expected ${rows}`);
  return t;
}

/** Closes a cache table's file once the table is garbage-collected with columns still unread. */
const unreadFiles = new FinalizationRegistry<ArrowTableFile>((file) => closeArrowTable(file));

/** A table whose columns are read from `file` on first use (then kept as plain properties). */
function lazyTable(file: ArrowTableFile): ColumnTable {
  const table: ColumnTable = { length: file.rows };
  let unread = file.columns.length;
  file.columns.forEach((col, i) => {
    const settle = (value: unknown) => {
      Object.defineProperty(table, col.name, { value, writable: true, enumerable: true, configurable: true });
      if (--unread === 0) {
        closeArrowTable(file);
        unreadFiles.unregister(file);
      }
    };
    Object.defineProperty(table, col.name, {
      enumerable: true,
      configurable: true,
      get: () => {
        const value = readColumn(file, i);
        settle(value);
        return value;
      },
      set: (value: unknown) => settle(value),
    });
  });
  if (unread === 0) closeArrowTable(file);
  else unreadFiles.register(table, file, file);
  return table;
}

/**
 * Opens a cache entry as a ProfileModel. Every file's structure is checked against its size and the manifest
 * (throws CorruptCacheError); table columns are read on first use. Tables in `countOnly` are returned empty
 * with meta.countOnly set, as the readers do.
 */
export function readModel(dir: string, manifest: EntryManifest, countOnly: readonly CountOnlyTable[] = []): ProfileModel {
  const opened: ArrowTableFile[] = [];
  try {
    const tables: Record<string, ColumnTable> = {};
    for (const [name, info] of Object.entries(manifest.files)) {
      if (name === 'strings' || name === 'callchains') continue;
      const path = join(dir, `${name}.arrow`);
      if (statSync(path, { throwIfNoEntry: false })?.size !== info.bytes) {
        throw new CorruptCacheError(`${name}.arrow is missing or has the wrong size`);
      }
      const file = openArrowTable(path);
      opened.push(file);
      if (file.rows !== info.rows) throw new CorruptCacheError(`${name}.arrow has ${file.rows} rows, expected ${info.rows}`);
      tables[name] = lazyTable(file);
    }
    const strings = manifest.files.strings;
    if (!strings) throw new CorruptCacheError('manifest lists no string table');
    const stringTable = utf8Column(readTextTable(join(dir, 'strings.arrow'), strings.rows), 'string') as string[];
    const meta: ProfileMeta = { ...manifest.meta, notes: [...manifest.meta.notes] };
    const model = { meta, strings: stringTable, callchains: undefined, ...tables } as unknown as ProfileModel;
    lazyCallchains(model, dir, manifest.files.callchains?.rows ?? 0, manifest.files.callchains?.bytes);
    const counted: Partial<Record<CountOnlyTable, number>> = { ...(manifest.meta.countOnly ?? {}) };
    for (const name of countOnly) {
      const table = tables[name];
      if (!table || manifest.countOnly.includes(name)) continue;
      counted[name] = table.length;
      const empty: ColumnTable = { length: 0 };
      for (const col of Object.keys(table)) if (col !== 'length') empty[col] = new (Object.getPrototypeOf(table[col]).constructor as Float64ArrayConstructor)(0);
      (model as unknown as Record<string, ColumnTable>)[name] = empty;
    }
    if (Object.keys(counted).length > 0) meta.countOnly = counted;
    return model;
  } catch (e) {
    for (const f of opened) {
      closeArrowTable(f);
      unreadFiles.unregister(f);
    }
    throw e;
  }
}

/** Is row i valid in an Arrow validity bitmap (none: every row)? */
const valid = (bitmap: Uint8Array | undefined | null, i: number) => !bitmap || bitmap.length === 0 || ((bitmap[i >> 3]! >> (i & 7)) & 1) === 1;

/**
 * A Utf8 column as strings, decoded from its offsets and bytes (apache-arrow's row-by-row get is ~10× slower):
 * a chunk of ASCII bytes becomes one JS string sliced per row (a slice shares the chunk's storage), otherwise
 * each row is decoded on its own.
 */
export function utf8Column(t: Table, name: string): (string | null)[] {
  const out: (string | null)[] = [];
  const vec = t.getChild(name);
  if (!vec) return out;
  for (const d of vec.data) {
    const offsets = d.valueOffsets as Int32Array;
    const bytes = Buffer.from(d.values.buffer, d.values.byteOffset, d.values.byteLength);
    const lo = offsets[d.offset]!;
    const hi = offsets[d.offset + d.length]!;
    const ascii = isAscii(bytes.subarray(lo, hi));
    const whole = ascii ? bytes.toString('latin1', lo, hi) : '';
    for (let i = 0; i < d.length; i++) {
      const r = d.offset + i;
      if (d.nullCount > 0 && !valid(d.nullBitmap, r)) out.push(null);
      else out.push(ascii ? whole.slice(offsets[r]! - lo, offsets[r + 1]! - lo) : bytes.toString('utf8', offsets[r]!, offsets[r + 1]!));
    }
  }
  return out;
}

/** A nullable Int32 column as numbers and nulls, from its values and validity bitmap. */
function intColumn(t: Table, name: string): (number | null)[] | undefined {
  const vec = t.getChild(name);
  if (!vec) return undefined;
  const out: (number | null)[] = [];
  for (const d of vec.data) {
    const values = d.values as Int32Array;
    for (let i = 0; i < d.length; i++) {
      const r = d.offset + i;
      out.push(d.nullCount > 0 && !valid(d.nullBitmap, r) ? null : values[r]!);
    }
  }
  return out;
}

function readCallchains(dir: string, frames: number): Map<number, StackFrame[]> {
  const out = new Map<number, StackFrame[]>();
  if (frames === 0) return out;
  const t = readTextTable(join(dir, 'callchains.arrow'), frames);
  const chainIds = t.getChild('chainId')?.toArray() as Float64Array | undefined;
  if (!(chainIds instanceof Float64Array)) throw new CorruptCacheError('callchains.arrow has no chainId column');
  const symbol = utf8Column(t, 'symbol');
  const module = t.getChild('module') ? utf8Column(t, 'module') : undefined;
  const file = t.getChild('file') ? utf8Column(t, 'file') : undefined;
  const line = intColumn(t, 'line');
  for (let i = 0; i < frames; i++) {
    const id = chainIds[i]!;
    const frame: StackFrame = { symbol: symbol[i] ?? '' };
    const m = module?.[i];
    const f = file?.[i];
    const l = line?.[i];
    if (m !== null && m !== undefined) frame.module = m;
    if (f !== null && f !== undefined) frame.file = f;
    if (l !== null && l !== undefined) frame.line = l;
    let list = out.get(id);
    if (!list) out.set(id, (list = []));
    list.push(frame);
  }
  return out;
}

/**
 * model.callchains read on first use (most questions never touch the stacks): the file's size is checked at
 * open; a file that then does not decode drops the entry (the next open rebuilds it) and fails with one line.
 */
function lazyCallchains(model: object, dir: string, frames: number, bytes: number | undefined): void {
  if (frames > 0 && statSync(join(dir, 'callchains.arrow'), { throwIfNoEntry: false })?.size !== bytes) {
    throw new CorruptCacheError('callchains.arrow is missing or has the wrong size');
  }
  const settle = (value: Map<number, StackFrame[]>) => {
    Object.defineProperty(model, 'callchains', { value, writable: true, enumerable: true, configurable: true });
    return value;
  };
  Object.defineProperty(model, 'callchains', {
    enumerable: true,
    configurable: true,
    get: () => {
      try {
        return settle(readCallchains(dir, frames));
      } catch (e) {
        rmSync(dir, { recursive: true, force: true });
        throw new Error(`the profile cache entry ${dir} is damaged (${(e as Error).message}); it was removed, run the command again`);
      }
    },
    set: (value: Map<number, StackFrame[]>) => settle(value),
  });
}
