// The nsys export as tables: rows go in by column name, tables are created (with the real export's DDL) on their
// first row, strings are interned into StringIds, ENUM tables are copied from the real export.
import { NSYS_ENUMS, NSYS_TABLES } from './nsys-schema.js';
import type { PageSink, SqlValue } from './sqlite-format.js';
import { SqliteWriter, type TableTree } from './sqlite-writer.js';

export type Row = Record<string, SqlValue | undefined>;

interface Handle {
  tree: TableTree;
  columns: string[];
  buf: SqlValue[];
}

/** Serialized GlobalId of a thread: hw<<56 | vm<<48 | pid<<24 | tid (hw 0, vm 1 as in the real exports). */
export function globalTid(pid: number, tid: number, vm = 1, hw = 0): number {
  return hw * 2 ** 56 + vm * 2 ** 48 + pid * 2 ** 24 + tid;
}

export function globalPid(pid: number, vm = 1, hw = 0): number {
  return globalTid(pid, 0, vm, hw);
}

export class NsysDb {
  private w: SqliteWriter;
  private handles = new Map<string, Handle>();
  private strings = new Map<string, number>();
  private rowCount = 0;

  /** `shiftNs` is added to every start/end timestamp: this export's clock runs that far from the simulation's */
  constructor(sink: PageSink, private readonly shiftNs = 0) {
    this.w = new SqliteWriter(sink);
  }

  /** The StringIds id of `s` (interned). */
  str(s: string): number {
    let id = this.strings.get(s);
    if (id === undefined) {
      id = this.strings.size + 1;
      this.strings.set(s, id);
    }
    return id;
  }

  private handle(table: string): Handle {
    let h = this.handles.get(table);
    if (!h) {
      const def = NSYS_TABLES[table];
      if (!def) throw new Error(`no nsys schema for table ${table}`);
      const { tree, columns } = this.w.createTable(table, def.sql);
      h = { tree, columns, buf: [] };
      this.handles.set(table, h);
    }
    return h;
  }

  /** Appends a row; keys must be column names of the table (unknown keys are an error on the first row). */
  insert(table: string, row: Row): number {
    const h = this.handle(table);
    if (h.tree.rows === 0) {
      for (const k of Object.keys(row)) if (!h.columns.includes(k)) throw new Error(`${table} has no column ${k}`);
    }
    const buf = h.buf;
    const cols = h.columns;
    buf.length = cols.length;
    for (let i = 0; i < cols.length; i++) buf[i] = row[cols[i]!] ?? null;
    if (this.shiftNs) {
      for (const k of ['start', 'end']) {
        const i = cols.indexOf(k);
        if (i >= 0 && typeof buf[i] === 'number') buf[i] = (buf[i] as number) + this.shiftNs;
      }
    }
    this.rowCount++;
    return h.tree.insert(buf);
  }

  get rows(): number {
    return this.rowCount;
  }

  /** Writes StringIds and the ENUM tables, then the schema and the header; closes the sink. */
  finish(): void {
    for (const [name, rows] of Object.entries(NSYS_ENUMS)) {
      for (const [id, sym, label] of rows) this.insert(name, { id, name: sym, label });
    }
    for (const [value, id] of this.strings) this.insert('StringIds', { id, value });
    this.w.finish();
  }
}
