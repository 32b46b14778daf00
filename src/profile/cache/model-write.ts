// Writing a cache entry (the layout is in ./model-io.ts): the tables of a whole ProfileModel, or the tables a
// streaming reader hands over batch by batch as it reads them (EntrySink), then the rest of the model and the
// manifest, last.
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { makeVector, Table } from 'apache-arrow';
import type { CountOnlyTable, ProfileModel, StackFrame } from '../../core/profile.js';
import type { ColumnBatch, TableSink } from '../reader-types.js';
import { ArrowFileSink, nullableInt32Vector, rewriteFloat64Column, utf8Vector, writeArrowTable } from './arrow-io.js';
import type { ProfileIdentity } from './key.js';
import { CACHE_FORMAT, isModelTable, MANIFEST, NOT_TABLES } from './model-io.js';
import type { EntryManifest } from './model-io.js';

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

