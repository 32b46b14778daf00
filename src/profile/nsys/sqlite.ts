// The small SQLite surface the nsys reader needs: prepared statements stepped row by row with typed column
// reads (no per-row objects), plus whole-result helpers for small tables. Backed by sql.js with the file
// paged from disk (src/profile/sqljs.ts).
import { loadSqlJs, openPagedDatabase, resetSqlJs, SQLITE_DONE, SQLITE_NULL, SQLITE_ROW } from '../sqljs.js';
import type { PagedDatabase, SqlJsModule } from '../sqljs.js';
import type { Database, Statement } from 'sql.js';

/** An error reported by SQLite itself (corrupt file, not a database, I/O): bad input, not a bug. */
export class SqliteError extends Error {
  override readonly name = 'SqliteError';
}

export interface RowCursor {
  /** advance; false at the end */
  step(): boolean;
  /** numeric value of column i (NULL reads as 0; use COALESCE in the SQL for another default) */
  num(i: number): number;
  isNull(i: number): boolean;
  /** text of column i, null for NULL; invalid UTF-8 is replaced, never thrown */
  text(i: number): string | null;
  free(): void;
}

export interface SqliteSource {
  readonly engine: string;
  query(sql: string): RowCursor;
  /** all rows of a small query as arrays */
  all(sql: string): (number | string | null)[][];
  close(): void;
}

function asSqliteError(e: unknown): never {
  if (e instanceof SqliteError) throw e;
  if (e instanceof WebAssembly.RuntimeError) {
    resetSqlJs();
    throw new SqliteError(`SQLite engine failed: ${e.message}`);
  }
  const msg = e instanceof Error ? e.message : String(e);
  throw new SqliteError(msg);
}

/**
 * The sqlite3_stmt* behind a sql.js Statement. The minified build renames its fields, so the pointer is
 * found as the numeric field for which sqlite3_sql() gives back this statement's SQL.
 */
function statementPointer(SQL: SqlJsModule, stmt: Statement): number {
  const expected = stmt.getSQL();
  for (const v of Object.values(stmt as unknown as Record<string, unknown>)) {
    if (typeof v === 'number' && v > 0 && SQL.UTF8ToString(SQL._sqlite3_sql(v)) === expected) return v;
  }
  throw new Error('sql.js statement layout not recognised (sqlite3_stmt pointer not found)');
}

class SqlJsCursor implements RowCursor {
  private readonly ptr: number;
  private done = false;

  constructor(private readonly SQL: SqlJsModule, private readonly dbPtr: number, private readonly stmt: Statement) {
    this.ptr = statementPointer(SQL, stmt);
  }

  step(): boolean {
    if (this.done) return false;
    let rc: number;
    try {
      rc = this.SQL._sqlite3_step(this.ptr);
    } catch (e) {
      this.done = true;
      asSqliteError(e);
    }
    if (rc === SQLITE_ROW) return true;
    this.done = true;
    if (rc === SQLITE_DONE) return false;
    throw new SqliteError(this.SQL.UTF8ToString(this.SQL._sqlite3_errmsg(this.dbPtr)) || `SQLite error ${rc}`);
  }

  num(i: number): number {
    return this.SQL._sqlite3_column_double(this.ptr, i);
  }

  isNull(i: number): boolean {
    return this.SQL._sqlite3_column_type(this.ptr, i) === SQLITE_NULL;
  }

  text(i: number): string | null {
    if (this.isNull(i)) return null;
    const p = this.SQL._sqlite3_column_text(this.ptr, i);
    return p ? this.SQL.UTF8ToString(p) : '';
  }

  free(): void {
    this.done = true;
    try {
      this.stmt.free();
    } catch {
      /* already freed with the database */
    }
  }
}

function databasePointer(db: Database): number {
  const p = (db as unknown as { db: unknown }).db;
  if (typeof p !== 'number') throw new Error('sql.js database layout not recognised (sqlite3* pointer not found)');
  return p;
}

class SqlJsSource implements SqliteSource {
  readonly engine = 'sql.js';
  private readonly dbPtr: number;

  constructor(private readonly SQL: SqlJsModule, private readonly paged: PagedDatabase) {
    this.dbPtr = databasePointer(paged.db);
  }

  query(sql: string): RowCursor {
    try {
      return new SqlJsCursor(this.SQL, this.dbPtr, this.paged.db.prepare(sql));
    } catch (e) {
      asSqliteError(e);
    }
  }

  all(sql: string): (number | string | null)[][] {
    try {
      const res = this.paged.db.exec(sql);
      return (res[0]?.values ?? []).map((row) =>
        row.map((v) => (v instanceof Uint8Array ? new TextDecoder().decode(v) : (v as number | string | null))),
      );
    } catch (e) {
      asSqliteError(e);
    }
  }

  close(): void {
    try {
      this.paged.close();
    } catch {
      /* closing a broken database must not hide the first error */
    }
  }
}

/** Opens an SQLite file read-only, paged from disk. Throws SqliteError when SQLite rejects it. */
export async function openSqlite(path: string): Promise<SqliteSource> {
  const SQL = await loadSqlJs();
  let paged: PagedDatabase;
  try {
    paged = openPagedDatabase(SQL, path);
  } catch (e) {
    asSqliteError(e);
  }
  return new SqlJsSource(SQL, paged);
}
