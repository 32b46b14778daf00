// A ProfileModel ↔ one cache entry folder: one Arrow IPC file per model table (every typed-array column the
// table has, so a column a reader adds is cached with no change here), strings.arrow, callchains.arrow and
// manifest.json (format version, the profile's identity, the meta, each file's rows and bytes). Reading
// checks every file's structure up front and loads each column on first use.
import { readFileSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeVector, Table, tableFromIPC } from 'apache-arrow';
import type { CountOnlyTable, ProfileMeta, ProfileModel, StackFrame } from '../../core/profile.js';
import type { ColumnBatch, TableSink } from '../reader-types.js';
import {
  ArrowFileSink, closeArrowTable, columnsOf, CorruptCacheError, nullableInt32Vector, openArrowTable, readColumn, rewriteFloat64Column, utf8Vector,
  writeArrowTable,
} from './arrow-io.js';
import type { ArrowTableFile, ColumnTable } from './arrow-io.js';
import type { ProfileIdentity } from './key.js';

/** Bump when the entry layout changes (older entries then read as damaged and are rebuilt). */
export const CACHE_FORMAT = 1;
export const MANIFEST = 'manifest.json';

/** The model's keys that are not tables. */
const NOT_TABLES = new Set(['meta', 'strings', 'callchains']);

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

/** Callchain frames per record batch of callchains.arrow. */
const FRAME_BATCH = 1 << 16;

/** Frames of callchains.arrow being collected for one record batch. */
class FrameBatch {
  chain: number[] = [];
  symbol: string[] = [];
  module: (string | null)[] = [];
  file: (string | null)[] = [];
  line: (number | null)[] = [];

  add(chainId: number, f: StackFrame): void {
    this.chain.push(chainId);
    this.symbol.push(f.symbol);
    this.module.push(f.module ?? null);
    this.file.push(f.file ?? null);
    this.line.push(f.line ?? null);
  }

  /** callchains.arrow's columns: chainId, symbol, module, file, line (one row per frame) */
  table(): Table {
    return new Table({
      chainId: makeVector(Float64Array.from(this.chain)), symbol: utf8Vector(this.symbol), module: utf8Vector(this.module),
      file: utf8Vector(this.file), line: nullableInt32Vector(this.line),
    });
  }
}

/** Writes callchains.arrow from frames given one at a time; no file when there are none. */
class CallchainFile {
  private sink: ArrowFileSink | undefined;
  private batch = new FrameBatch();
  private rows = 0;

  constructor(private readonly path: string) {}

  add(chainId: number, f: StackFrame): void {
    this.batch.add(chainId, f);
    if (this.batch.chain.length >= FRAME_BATCH) this.flush();
  }

  private flush(): void {
    if (this.batch.chain.length === 0) return;
    this.sink ??= new ArrowFileSink(this.path);
    this.sink.writeTable(this.batch.table());
    this.rows += this.batch.chain.length;
    this.batch = new FrameBatch();
  }

  finish(): { rows: number; bytes: number } {
    this.flush();
    return { rows: this.rows, bytes: this.sink ? this.sink.finish() : 0 };
  }

  abort(): void {
    this.sink?.abort();
  }
}

function writeStrings(path: string, strings: readonly string[]): { rows: number; bytes: number } {
  const sink = new ArrowFileSink(path);
  try {
    sink.writeTable(new Table({ string: utf8Vector(strings) }));
  } catch (e) {
    sink.abort();
    throw e;
  }
  return { rows: strings.length, bytes: sink.finish() };
}

/**
 * A cache entry being built by a reader that streams (ReadOptions.sink): each model table it streams goes to
 * `<table>.arrow` batch by batch, its callchains to callchains.arrow; `files` lists what was finished, and
 * writeTables then writes the rest of the model beside them.
 */
/** Writing the cache entry failed (disk full, no permission): the profile itself may be fine. */
export class CacheWriteError extends Error {}

function cacheWrite<T>(fn: () => T): T {
  try {
    return fn();
  } catch (e) {
    throw e instanceof CacheWriteError ? e : new CacheWriteError((e as Error).message, { cause: e });
  }
}

export class EntrySink implements TableSink {
  readonly files: EntryManifest['files'] = {};
  private readonly open = new Set<{ abort(): void }>();

  constructor(private readonly dir: string) {}

  table(name: string): ReturnType<TableSink['table']> {
    if (NOT_TABLES.has(name) || this.files[name]) throw new Error(`cannot stream model table ${name} twice`);
    const path = join(this.dir, `${name}.arrow`);
    const sink = cacheWrite(() => new ArrowFileSink(path));
    this.open.add(sink);
    return {
      write: (batch: ColumnBatch) => cacheWrite(() => sink.writeColumns(batch)),
      finish: () => {
        this.files[name] = { rows: sink.rows, bytes: cacheWrite(() => sink.finish()) };
        this.open.delete(sink);
      },
      rewrite: (column, fn) => {
        if (!this.files[name]) throw new Error(`${name}.arrow is rewritten before it is finished`);
        cacheWrite(() => rewriteFloat64Column(path, column, fn));
      },
    };
  }

  callchains(): ReturnType<TableSink['callchains']> {
    if (this.files.callchains) throw new Error('cannot stream the callchains twice');
    const file = new CallchainFile(join(this.dir, 'callchains.arrow'));
    this.open.add(file);
    return {
      frame: (chainId, symbol, module) => cacheWrite(() => file.add(chainId, module === undefined ? { symbol } : { symbol, module })),
      finish: () => {
        this.files.callchains = cacheWrite(() => file.finish());
        this.open.delete(file);
      },
    };
  }

  /** Closes whatever is still open (after a failed read; the caller removes the folder). */
  abort(): void {
    for (const f of this.open) f.abort();
    this.open.clear();
  }
}

/**
 * Writes the model's tables into `dir`: `<table>.arrow` for every model table, `strings.arrow` (column
 * `string`: row i is string id i) and, when there are callchains, `callchains.arrow` (one row per frame,
 * innermost first: chainId, symbol, module, file, line). Tables (and callchains) listed in `streamed` were
 * written already by a streaming reader and are not written again. Returns each file's rows and bytes.
 */
export async function writeTables(dir: string, model: ProfileModel, signal?: AbortSignal,
  streamed: EntryManifest['files'] = {}): Promise<EntryManifest['files']> {
  const files: EntryManifest['files'] = { ...streamed };
  for (const [name, table] of Object.entries(model)) {
    if (!isModelTable(name, table) || streamed[name]) continue;
    signal?.throwIfAborted();
    files[name] = { rows: table.length, bytes: await writeArrowTable(join(dir, `${name}.arrow`), table, signal) };
  }
  files.strings = writeStrings(join(dir, 'strings.arrow'), model.strings);
  if (!streamed.callchains) {
    const chains = new CallchainFile(join(dir, 'callchains.arrow'));
    try {
      for (const [id, frames] of model.callchains) for (const f of frames) chains.add(id, f);
    } catch (e) {
      chains.abort();
      throw e;
    }
    files.callchains = chains.finish();
  }
  return files;
}

/** Writes `model` into the (new, empty) folder `dir` as a cache entry; manifest.json last. */
export async function writeModel(dir: string, model: ProfileModel, profile: ProfileIdentity, stamp: string,
  signal?: AbortSignal, streamed?: EntryManifest['files']): Promise<EntryManifest> {
  const files = await writeTables(dir, model, signal, streamed);
  const manifest: EntryManifest = {
    cacheFormat: CACHE_FORMAT,
    stamp,
    profile,
    createdMs: Date.now(),
    meta: model.meta,
    countOnly: Object.keys(model.meta.countOnly ?? {}) as CountOnlyTable[],
    files,
  };
  writeFileSync(join(dir, MANIFEST), JSON.stringify(manifest));
  return manifest;
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
    const stringTable = readTextTable(join(dir, 'strings.arrow'), strings.rows).getChild('string')!.toArray() as string[];
    const callchains = readCallchains(dir, manifest.files.callchains?.rows ?? 0);
    const meta: ProfileMeta = { ...manifest.meta, notes: [...manifest.meta.notes] };
    const model = { meta, strings: stringTable, callchains, ...tables } as unknown as ProfileModel;
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

function readCallchains(dir: string, frames: number): Map<number, StackFrame[]> {
  const out = new Map<number, StackFrame[]>();
  if (frames === 0) return out;
  const t = readTextTable(join(dir, 'callchains.arrow'), frames);
  const chainIds = t.getChild('chainId')?.toArray() as Float64Array | undefined;
  if (!(chainIds instanceof Float64Array)) throw new CorruptCacheError('callchains.arrow has no chainId column');
  const symbol = t.getChild('symbol')!.toArray() as string[];
  const module = t.getChild('module')?.toArray() as (string | null)[] | undefined;
  const file = t.getChild('file')?.toArray() as (string | null)[] | undefined;
  const lineVec = t.getChild('line');
  for (let i = 0; i < frames; i++) {
    const id = chainIds[i]!;
    const frame: StackFrame = { symbol: symbol[i] ?? '' };
    const m = module?.[i];
    const f = file?.[i];
    const l = lineVec?.get(i) as number | null | undefined;
    if (m !== null && m !== undefined) frame.module = m;
    if (f !== null && f !== undefined) frame.file = f;
    if (l !== null && l !== undefined) frame.line = l;
    let list = out.get(id);
    if (!list) out.set(id, (list = []));
    list.push(frame);
  }
  return out;
}
