// A streaming writer of SQLite 3 database files: rows are appended to table b-trees in rowid order, leaf pages go
// to the sink as soon as they are full, interior pages are built bottom-up at the end. Memory stays O(pages of
// index), not O(file), so a 1 GB database is written without holding it. Supports rowid tables (with an
// INTEGER PRIMARY KEY alias column), overflow pages, and the automatic index of a composite PRIMARY KEY (whose
// entries must arrive in key order). No freelist, no auto-vacuum: the layout `nsys export` produces.
import { type PageSink, RecordEncoder, type SqlValue, putVarint, varintLength } from './sqlite-format.js';
import {
  INDEX_MAX_LOCAL, INTERIOR_INDEX, INTERIOR_TABLE, LEAF_INDEX, LEAF_TABLE, MIN_LOCAL, PageBuilder, Pager,
  TABLE_MAX_LOCAL, U, partition,
} from './sqlite-pages.js';

/** A rowid table: insert rows in rowid order. */
export class TableTree {
  private leaf = new PageBuilder();
  private leaves: number[] = [];
  private maxKeys: number[] = [];
  private lastRowid = 0;
  private cell = new Uint8Array(U);
  rows = 0;
  rootPage = 0;
  index?: IndexTree;

  constructor(
    private readonly w: SqliteWriter,
    readonly name: string,
    readonly sql: string,
    private readonly aliasColumn: number,
    private readonly pageOne = false,
  ) {
    if (pageOne) this.leaf = new PageBuilder(100);
  }

  /** Appends one row; `rowid` defaults to the next one (or the alias column's value). Returns the rowid. */
  insert(values: SqlValue[]): number {
    let rowid = this.lastRowid + 1;
    if (this.aliasColumn >= 0) {
      const v = values[this.aliasColumn];
      if (typeof v === 'number') rowid = v;
      values[this.aliasColumn] = null;
    }
    if (rowid <= this.lastRowid && this.rows > 0) throw new Error(`${this.name}: rowid ${rowid} not increasing`);
    const enc = this.w.enc;
    const P = enc.encode(values);
    if (this.index) this.index.insertFromRow(values, rowid);
    let local = P;
    if (P > TABLE_MAX_LOCAL) {
      const k = MIN_LOCAL + ((P - MIN_LOCAL) % (U - 4));
      local = k <= TABLE_MAX_LOCAL ? k : MIN_LOCAL;
    }
    const need = varintLength(P) + varintLength(rowid) + local + (local < P ? 4 : 0);
    if (need > this.cell.length) this.cell = new Uint8Array(need);
    let off = putVarint(this.cell, 0, P);
    off = putVarint(this.cell, off, rowid);
    this.cell.set(enc.buf.subarray(0, local), off);
    off += local;
    if (local < P) {
      const first = this.w.writeOverflow(enc.buf.subarray(local, P));
      new DataView(this.cell.buffer).setUint32(off, first);
      off += 4;
    }
    if (!this.leaf.fits(off)) this.flushLeaf();
    this.leaf.add(this.cell, off);
    this.lastRowid = rowid;
    this.rows++;
    return rowid;
  }

  private flushLeaf(): void {
    if (this.pageOne && this.leaves.length === 0) {
      // sqlite_master outgrew page 1: its leaves become ordinary pages and page 1 an interior root
      const rebuilt = new PageBuilder();
      const src = this.leaf.page;
      for (let i = 0; i < this.leaf.n; i++) {
        const ptr = (src[108 + 2 * i]! << 8) | src[109 + 2 * i]!;
        const end = i === 0 ? U : (src[108 + 2 * (i - 1)]! << 8) | src[109 + 2 * (i - 1)]!;
        rebuilt.add(src.subarray(ptr, end), end - ptr);
      }
      this.leaf = rebuilt;
    }
    const p = this.w.pager.alloc();
    this.w.pager.write(p, this.leaf.finish(LEAF_TABLE));
    this.leaves.push(p);
    this.maxKeys.push(this.lastRowid);
    this.leaf.reset();
  }

  finish(): number {
    if (this.pageOne && this.leaves.length === 0) {
      this.rootPage = 1;
      this.w.page1 = this.leaf.finish(LEAF_TABLE);
      return 1;
    }
    if (this.leaf.n > 0 || this.leaves.length === 0) this.flushLeaf();
    let children = this.leaves;
    let keys = this.maxKeys;
    const cell = new Uint8Array(16);
    while (children.length > 1) {
      const groups = partition(children.length, (i) => 4 + varintLength(keys[i]!), 12, this.pageOne ? 100 : 0);
      const nextChildren: number[] = [];
      const nextKeys: number[] = [];
      const top = groups.length === 1;
      for (const [a, b] of groups) {
        const pb = new PageBuilder(top && this.pageOne ? 100 : 0, 12);
        for (let i = a; i < b - 1; i++) {
          new DataView(cell.buffer).setUint32(0, children[i]!);
          pb.add(cell, putVarint(cell, 4, keys[i]!));
        }
        const page = pb.finish(INTERIOR_TABLE, children[b - 1]!);
        if (top && this.pageOne) {
          this.w.page1 = page;
          nextChildren.push(1);
        } else {
          const p = this.w.pager.alloc();
          this.w.pager.write(p, page);
          nextChildren.push(p);
        }
        nextKeys.push(keys[b - 1]!);
      }
      children = nextChildren;
      keys = nextKeys;
    }
    this.rootPage = children[0]!;
    return this.rootPage;
  }
}

/** The automatic index of a composite PRIMARY KEY: entries (key columns..., rowid) must arrive sorted. */
export class IndexTree {
  private leaf = new PageBuilder();
  private leaves: number[] = [];
  private seps: Uint8Array[] = [];
  private pendingSep: Uint8Array | null = null;
  private enc = new RecordEncoder();
  private lastKey: number[] | null = null;
  private key: SqlValue[] = [];
  rootPage = 0;

  constructor(private readonly w: SqliteWriter, readonly name: string, private readonly cols: number[]) {}

  insertFromRow(values: readonly SqlValue[], rowid: number): void {
    const key = this.key;
    key.length = 0;
    for (const c of this.cols) key.push(values[c] ?? null);
    const nums = key.map((v) => Number(v));
    if (this.lastKey && compare(nums, this.lastKey) <= 0) throw new Error(`${this.name}: keys not increasing`);
    this.lastKey = nums;
    key.push(rowid);
    const P = this.enc.encode(key);
    if (P > INDEX_MAX_LOCAL) throw new Error(`${this.name}: index key too large`);
    const cell = new Uint8Array(varintLength(P) + P);
    cell.set(this.enc.buf.subarray(0, P), putVarint(cell, 0, P));
    if (this.pendingSep) {
      this.seps.push(this.pendingSep);
      this.pendingSep = null;
    }
    if (!this.leaf.fits(cell.length)) {
      this.flushLeaf();
      this.pendingSep = cell;
      return;
    }
    this.leaf.add(cell, cell.length);
  }

  private flushLeaf(): void {
    const p = this.w.pager.alloc();
    this.w.pager.write(p, this.leaf.finish(LEAF_INDEX));
    this.leaves.push(p);
    this.leaf.reset();
  }

  finish(): number {
    if (this.pendingSep) {
      this.leaf.add(this.pendingSep, this.pendingSep.length);
      this.pendingSep = null;
    }
    if (this.leaf.n > 0 || this.leaves.length === 0) this.flushLeaf();
    let children = this.leaves;
    let seps = this.seps;
    while (children.length > 1) {
      const groups = partition(children.length, (i) => 4 + (seps[i]?.length ?? 0), 12, 0);
      const nextChildren: number[] = [];
      const nextSeps: Uint8Array[] = [];
      for (const [a, b] of groups) {
        const pb = new PageBuilder(0, 12);
        for (let i = a; i < b - 1; i++) {
          const s = seps[i]!;
          const cell = new Uint8Array(4 + s.length);
          new DataView(cell.buffer).setUint32(0, children[i]!);
          cell.set(s, 4);
          pb.add(cell, cell.length);
        }
        const p = this.w.pager.alloc();
        this.w.pager.write(p, pb.finish(INTERIOR_INDEX, children[b - 1]!));
        nextChildren.push(p);
        if (b - 1 < seps.length) nextSeps.push(seps[b - 1]!);
      }
      children = nextChildren;
      seps = nextSeps;
    }
    this.rootPage = children[0]!;
    return this.rootPage;
  }
}

function compare(a: number[], b: number[]): number {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return a[i]! < b[i]! ? -1 : 1;
  return 0;
}

/** Parses a CREATE TABLE statement: column names in order, the INTEGER PRIMARY KEY alias, a composite key. */
export function parseCreateTable(sql: string): { columns: string[]; alias: number; primaryKey: string[] } {
  const body = sql.slice(sql.indexOf('(') + 1, sql.lastIndexOf(')'));
  const columns: string[] = [];
  let alias = -1;
  let primaryKey: string[] = [];
  for (const raw of body.split('\n')) {
    const line = raw.replace(/--.*$/, '').trim();
    if (!line) continue;
    const pk = /^PRIMARY\s+KEY\s*\(([^)]*)\)/i.exec(line);
    if (pk) {
      primaryKey = pk[1]!.split(',').map((s) => s.trim());
      continue;
    }
    const m = /^"?(\w+)"?\s+(\w+)/.exec(line);
    if (!m) continue;
    if (/PRIMARY\s+KEY/i.test(line) && m[2]!.toUpperCase() === 'INTEGER') alias = columns.length;
    columns.push(m[1]!);
  }
  return { columns, alias, primaryKey };
}

export class SqliteWriter {
  readonly pager: Pager;
  readonly enc = new RecordEncoder();
  page1: Uint8Array | null = null;
  private tables: TableTree[] = [];

  constructor(readonly sink: PageSink) {
    this.pager = new Pager(sink);
  }

  /** Creates a table from its CREATE TABLE text; returns the tree and its column names. */
  createTable(name: string, sql: string): { tree: TableTree; columns: string[] } {
    const { columns, alias, primaryKey } = parseCreateTable(sql);
    const tree = new TableTree(this, name, sql, alias, false);
    if (primaryKey.length > 0) {
      tree.index = new IndexTree(this, `sqlite_autoindex_${name}_1`, primaryKey.map((c) => columns.indexOf(c)));
    }
    this.tables.push(tree);
    return { tree, columns };
  }

  /** Writes `data` into a chain of overflow pages; returns the first page number. */
  writeOverflow(data: Uint8Array): number {
    const per = U - 4;
    const count = Math.ceil(data.length / per);
    const pages: number[] = [];
    for (let i = 0; i < count; i++) pages.push(this.pager.alloc());
    for (let i = 0; i < count; i++) {
      const pg = new Uint8Array(U);
      new DataView(pg.buffer).setUint32(0, i + 1 < count ? pages[i + 1]! : 0);
      pg.set(data.subarray(i * per, Math.min(data.length, (i + 1) * per)), 4);
      this.pager.write(pages[i]!, pg);
    }
    return pages[0]!;
  }

  /** Builds interior pages, the schema table (page 1) and the file header; closes the sink. */
  finish(): void {
    for (const t of this.tables) {
      t.finish();
      t.index?.finish();
    }
    const master = new TableTree(this, 'sqlite_master', '', -1, true);
    for (const t of this.tables) {
      master.insert(['table', t.name, t.name, t.rootPage, t.sql]);
      if (t.index) master.insert(['index', t.index.name, t.name, t.index.rootPage, null]);
    }
    master.finish();
    const page1 = this.page1!;
    writeHeader(page1, this.pager.pageCount);
    this.sink.writePage1(page1);
    this.sink.close();
  }
}

function writeHeader(pg: Uint8Array, pageCount: number): void {
  const dv = new DataView(pg.buffer, pg.byteOffset);
  pg.set(new TextEncoder().encode('SQLite format 3\0'), 0);
  dv.setUint16(16, U);
  pg[18] = 1; // legacy (rollback journal) write version
  pg[19] = 1;
  pg[20] = 0; // reserved bytes per page
  pg[21] = 64;
  pg[22] = 32;
  pg[23] = 32;
  dv.setUint32(24, 1); // file change counter
  dv.setUint32(28, pageCount);
  dv.setUint32(32, 0); // freelist trunk
  dv.setUint32(36, 0); // freelist count
  dv.setUint32(40, 1); // schema cookie
  dv.setUint32(44, 4); // schema format
  dv.setUint32(48, 0);
  dv.setUint32(52, 0); // no auto-vacuum
  dv.setUint32(56, 1); // UTF-8
  dv.setUint32(60, 0);
  dv.setUint32(64, 0);
  dv.setUint32(68, 0);
  dv.setUint32(92, 1); // version-valid-for = change counter
  dv.setUint32(96, 3045001); // SQLITE_VERSION_NUMBER of the writer it imitates
}
