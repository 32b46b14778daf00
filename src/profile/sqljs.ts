// sql.js (SQLite compiled to WebAssembly) for every part of Sysight that reads SQLite files.
// - locates sql-wasm.wasm beside the bundle (dist/, where esbuild copies it) or in node_modules (sources, vitest);
// - opens a database file WITHOUT copying it into memory: the file is paged from disk on demand
//   (`openPagedDatabase`), so a 1 GB export costs SQLite's page cache, not 1 GB of heap;
// - exposes the raw C entry points so hot loops can step a statement and read columns with no per-row objects.
import { closeSync, existsSync, fstatSync, openSync, readFileSync, readSync } from 'node:fs';
import { dirname, join } from 'node:path';
import initSqlJs from 'sql.js';
import type { Database, SqlJsStatic } from 'sql.js';

/** The parts of the sql.js module object we call directly (exported C functions of the wasm build). */
export interface SqlJsModule extends SqlJsStatic {
  _sqlite3_step(stmt: number): number;
  _sqlite3_column_double(stmt: number, col: number): number;
  _sqlite3_column_type(stmt: number, col: number): number;
  _sqlite3_column_text(stmt: number, col: number): number;
  _sqlite3_errmsg(db: number): number;
  _sqlite3_sql(stmt: number): number;
  UTF8ToString(ptr: number): string;
}

export const SQLITE_ROW = 100;
export const SQLITE_DONE = 101;
export const SQLITE_NULL = 5;

let modulePromise: Promise<SqlJsModule> | undefined;

/** Where sql-wasm.wasm is: beside the bundle first, then the installed package. */
export function locateSqlWasm(): string {
  const candidates: string[] = [];
  if (typeof __dirname === 'string') candidates.push(join(__dirname, 'sql-wasm.wasm'));
  try {
    if (typeof require === 'function') candidates.push(require.resolve('sql.js/dist/sql-wasm.wasm'));
  } catch {
    /* not resolvable from here */
  }
  candidates.push(join(process.cwd(), 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm'));
  if (typeof __dirname === 'string') {
    // src/profile → repo root → node_modules
    candidates.push(join(dirname(dirname(__dirname)), 'node_modules', 'sql.js', 'dist', 'sql-wasm.wasm'));
  }
  const found = candidates.find((c) => existsSync(c));
  if (!found) throw new Error(`sql-wasm.wasm not found (looked in: ${candidates.join(', ')})`);
  return found;
}

/** The sql.js module, loaded once per thread. */
export function loadSqlJs(): Promise<SqlJsModule> {
  modulePromise ??= initSqlJs({ wasmBinary: readFileSync(locateSqlWasm()) as unknown as ArrayBuffer })
    .then((m) => m as SqlJsModule)
    .catch((e: unknown) => {
      modulePromise = undefined;
      throw e;
    });
  return modulePromise;
}

/** Forget the loaded module (after a wasm trap left it in an unknown state); the next load starts fresh. */
export function resetSqlJs(): void {
  modulePromise = undefined;
}

const CHUNK = 1 << 20;
const WINDOWS = 4;
/** page-by-page reads that follow each other this many times go back to read-ahead windows */
const SEQUENTIAL_RUN = 64;

/**
 * A read-only stand-in for the byte array that sql.js's in-memory file system keeps per file.
 * Emscripten's MEMFS stores `contents` and serves reads with `contents.subarray(a, b)` (copied into the wasm
 * heap at once); this object answers those calls from the file on disk instead of holding the file: through
 * a few 1 MiB read-ahead windows while the pages SQLite asks for lie together (a table written in one go),
 * and page by page, exactly, while most of each window goes unused (tables whose pages are interleaved
 * through the file, where every window would read the whole file again for each table scanned).
 */
class PagedFile {
  readonly length: number;
  readonly buffer = null;
  /** most recently used first; several windows so b-tree interior pages do not evict the leaf run being read */
  private windows: { start: number; data: Uint8Array }[] = [];
  closed = false;
  /** bytes read into windows, and bytes of them asked for, since the last look at how well windows do */
  private windowBytes = 0;
  private usedBytes = 0;
  /** reading page by page (see above); `run` counts consecutive reads that follow each other */
  private exact = false;
  private run = 0;
  private lastEnd = -1;
  private scratch = new Uint8Array(0);

  constructor(private readonly fd: number, size: number) {
    this.length = size;
  }

  /** MEMFS's first write takes `slice`: the file is its own copy. */
  slice(): PagedFile {
    return this;
  }

  subarray(begin: number, end: number): Uint8Array {
    if (this.closed) throw new Error('paged database file was closed');
    end = Math.min(end, this.length);
    const n = Math.max(0, end - begin);
    for (let i = 0; i < this.windows.length; i++) {
      const w = this.windows[i]!;
      if (begin >= w.start && end <= w.start + w.data.length) {
        if (i > 0) {
          this.windows.splice(i, 1);
          this.windows.unshift(w);
        }
        this.usedBytes += n;
        return w.data.subarray(begin - w.start, end - w.start);
      }
    }
    if (n > CHUNK) {
      const out = new Uint8Array(n);
      readFully(this.fd, out, begin);
      return out;
    }
    if (this.exact) {
      this.run = begin === this.lastEnd ? this.run + 1 : 0;
      this.lastEnd = end;
      if (this.run < SEQUENTIAL_RUN) {
        // MEMFS copies the bytes out before its next read, so one scratch buffer serves every page
        if (this.scratch.length < n) this.scratch = new Uint8Array(Math.max(n, 65536));
        const out = this.scratch.subarray(0, n);
        readFully(this.fd, out, begin);
        return out;
      }
      this.exact = false;
      this.windowBytes = this.usedBytes = 0;
    }
    const data = new Uint8Array(Math.min(CHUNK, this.length - begin));
    readFully(this.fd, data, begin);
    this.windows.unshift({ start: begin, data });
    if (this.windows.length > WINDOWS) this.windows.pop();
    this.windowBytes += data.length;
    this.usedBytes += n;
    if (this.windowBytes >= 16 * CHUNK) {
      // most of what the windows read went unused: read pages exactly until reads run in sequence again
      if (this.usedBytes * 4 < this.windowBytes) {
        this.exact = true;
        this.run = 0;
        this.windows = [];
      }
      this.windowBytes = this.usedBytes = 0;
    }
    return data.subarray(0, n);
  }

  set(): void {
    throw new Error('the profile database is opened read-only');
  }
}

function readFully(fd: number, out: Uint8Array, position: number): void {
  let off = 0;
  while (off < out.length) {
    const got = readSync(fd, out, off, out.length - off, position + off);
    if (got <= 0) break;
    off += got;
  }
}

export interface PagedDatabase {
  db: Database;
  /** close the database and the file */
  close(): void;
}

/**
 * Opens `path` with sql.js without loading it into memory. SQLite reads pages through MEMFS, which this
 * feeds from disk. Reads only: the file is never written.
 */
export function openPagedDatabase(SQL: SqlJsModule, path: string): PagedDatabase {
  const fd = openSync(path, 'r');
  let file: PagedFile | undefined;
  try {
    file = new PagedFile(fd, fstatSync(fd).size);
    const db = new SQL.Database(file as unknown as Uint8Array);
    db.exec('PRAGMA query_only = 1; PRAGMA cache_size = -16384; PRAGMA temp_store = MEMORY');
    const f = file;
    return {
      db,
      close() {
        try {
          db.close();
        } finally {
          f.closed = true;
          closeSync(fd);
        }
      },
    };
  } catch (e) {
    if (file) file.closed = true;
    closeSync(fd);
    throw e;
  }
}
