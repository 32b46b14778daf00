// CPU-side tables: CUDA runtime (and driver) API calls, OS runtime calls, NVTX ranges and marks.
import type { ApiTable, OsCallTable, RangeTable } from '../../core/profile.js';
import { API_COLUMNS, emptyTable, OSCALL_COLUMNS, RANGE_COLUMNS } from '../../core/tables.js';
import { Columns } from './columns.js';
import { colOr, pidExpr, tidExpr } from './context.js';
import type { LoadContext } from './context.js';
import { scan, widenSpan } from './scan.js';
import { TableOut } from './stream.js';
import { T } from './schema.js';

/**
 * How a table's callchainId refers to its callchain table. Seen in real exports: nsys 2022.2 numbers RUNTIME
 * callchainIds from 0 while CUDA_CALLCHAINS ids start at 1 (shift 1); nsys 2024.5 OSRT_API uses 0 for "no
 * callchain" and the ids match. `base` is added to every id so CUDA and OSRT chains share one Map.
 */
export interface CallchainRef {
  shift: number;
  zeroIsNone: boolean;
  base: number;
}

/** OSRT callchain ids live above this in model.callchains (CUDA ones below), so both fit one Map. */
export const OSRT_CALLCHAIN_BASE = 2 ** 32;

/** What a loader scan saw of a table's raw callchainId column: the range of its non-NULL values. */
export interface RawCallchainRange {
  min: number;
  max: number;
}

/** Read for NULL callchainIds: below any id nsys writes, so the scan can tell NULL apart without isNull(). */
const NULL_CALLCHAIN = -(2 ** 52);

function callchainSql(ctx: LoadContext, table: string): string {
  return ctx.schema.col(table, 'callchainId') ? `COALESCE(callchainId, ${NULL_CALLCHAIN})` : String(NULL_CALLCHAIN);
}

/**
 * How `refTable`'s callchainIds refer to `chainTable`, from the raw id range the loader's own scan saw (no extra
 * pass over the big table; the chain table's min/max id is one small query).
 */
export function callchainRef(ctx: LoadContext, refTable: string, chainTable: string, base: number,
  raw: RawCallchainRange): CallchainRef | undefined {
  const { schema, db } = ctx;
  if (!schema.col(refTable, 'callchainId') || !schema.hasRows(chainTable) || !schema.col(chainTable, 'id')) return undefined;
  const chain = db.all(`SELECT min(id), max(id) FROM ${chainTable}`)[0] ?? [];
  const [cMin, cMax] = chain as [number | null, number | null];
  if (raw.min > raw.max || cMin === null || cMax === null) return { shift: 0, zeroIsNone: true, base };
  const zeroIsNone = cMin >= 1;
  const shift = raw.min === 0 && cMin === 1 && raw.max === cMax - 1 ? 1 : 0;
  if (shift) ctx.notes.push(`${refTable}.callchainId counts from 0 and ${chainTable}.id from 1 (older nsys): ids shifted by one`);
  return { shift, zeroIsNone: shift === 0 && zeroIsNone, base };
}

function mapCallchain(raw: number, ref: CallchainRef | undefined): number {
  if (!ref || raw < 0) return -1;
  if (raw === 0 && ref.zeroIsNone) return -1;
  return ref.base + raw + ref.shift;
}

/** Range of the non-NULL raw ids in ids[from, to). */
function rawRange(ids: Float64Array, from: number, to: number): RawCallchainRange {
  let min = Number.POSITIVE_INFINITY;
  let max = Number.NEGATIVE_INFINITY;
  for (let i = from; i < to; i++) {
    const v = ids[i]!;
    if (v === NULL_CALLCHAIN) continue;
    if (v < min) min = v;
    if (v > max) max = v;
  }
  return { min, max };
}

/** Maps raw ids in ids[from, to) in place through `ref` (-1 where there is none). */
function mapCallchains(ids: Float64Array, from: number, to: number, ref: CallchainRef | undefined): void {
  for (let i = from; i < to; i++) ids[i] = mapCallchain(ids[i]!, ref);
}

/** Resolves a table's callchain reference once its rows are loaded (raw ids in place), then maps the ids. */
export type CallchainResolver = (raw: RawCallchainRange) => CallchainRef | undefined;

/** Extends `into` by the range of the non-NULL raw ids in ids[from, to). */
function widenRange(into: RawCallchainRange, ids: Float64Array, from: number, to: number): void {
  const r = rawRange(ids, from, to);
  if (r.min < into.min) into.min = r.min;
  if (r.max > into.max) into.max = r.max;
}

/**
 * RUNTIME then DRIVER rows, both CUDA API calls on CPU threads. Streamed to the cache entry when the context
 * has a sink: `onBatch` then sees every batch before it is written (linking by correlation id), and the
 * runtime rows' callchain ids, which map through a reference known only once all of them are seen, are
 * rewritten in the entry afterwards. Held: the table, its ids mapped.
 */
export function loadRuntime(ctx: LoadContext, cudaRef: CallchainResolver, onBatch?: (batch: ApiTable) => void): ApiTable {
  const { schema } = ctx;
  const tables = [T.runtime, T.driver].filter((t) => schema.has(t));
  if (tables.length === 0) return emptyTable(API_COLUMNS) as ApiTable;
  const raw: RawCallchainRange = { min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
  let source: string = T.runtime;
  const out = new TableOut(ctx, API_COLUMNS, tables.reduce((n, t) => n + schema.rows(t), 0), 'runtime', (batch) => {
    // runtime rows map through CUDA_CALLCHAINS (later); driver rows have no callchain table
    if (source === T.runtime) widenRange(raw, batch.callchainId, 0, batch.length);
    else mapCallchains(batch.callchainId, 0, batch.length, undefined);
    onBatch?.(batch as ApiTable);
  });
  const cols = out.cols;
  const s = ctx.strings;
  let runtimeRows: [number, number] = [0, 0];
  let runtimeStreamed = 0;
  for (const t of tables) {
    const c = (name: string, fb = '0') => `COALESCE(${colOr(schema, t, name, fb)}, ${fb})`;
    const byId = schema.col(t, 'nameId');
    const nameCol = byId ? c('nameId', '-1') : colOr(schema, t, 'name', 'NULL');
    const sql = `SELECT "start", COALESCE("end", "start"), COALESCE(${pidExpr(schema, t)}, -1), ${tidExpr(schema, t)},
      ${nameCol}, ${c('correlationId', '-1')}, ${callchainSql(ctx, t)}, ${c('returnValue')} FROM ${t}`;
    source = t;
    const first = cols.length;
    scan(ctx, sql, (r) => {
      const i = cols.next();
      const a = cols.c;
      a.start[i] = r.num(0);
      a.end[i] = r.num(1);
      a.pid[i] = r.num(2);
      a.tid[i] = r.num(3);
      a.nameId[i] = byId ? s.id(r.num(4)) : ctx.interner.intern(r.text(4));
      a.correlationId[i] = r.num(5);
      a.callchainId[i] = r.num(6);
      a.returnValue[i] = r.num(7);
    });
    out.flush();
    if (t === T.runtime) {
      runtimeRows = [first, cols.length];
      runtimeStreamed = cols.flushed;
    }
  }
  if (out.streaming) {
    const standIn = out.finish() as ApiTable;
    const ref = cudaRef(raw);
    // the batches hold runtime rows first, then driver rows (already mapped)
    out.rewrite('callchainId', (ids, firstRow) => mapCallchains(ids, 0, Math.max(0, Math.min(ids.length, runtimeStreamed - firstRow)), ref));
    return standIn;
  }
  const table = out.finish() as ApiTable;
  const ref = cudaRef(rawRange(table.callchainId, runtimeRows[0], runtimeRows[1]));
  mapCallchains(table.callchainId, runtimeRows[0], runtimeRows[1], ref);
  mapCallchains(table.callchainId, runtimeRows[1], table.length, undefined);
  widenSpan(ctx, table.start, table.end, table.length);
  onBatch?.(table);
  return table;
}

export function loadOsrt(ctx: LoadContext, osrtRef: CallchainResolver): OsCallTable {
  const { schema } = ctx;
  const t = T.osrt;
  if (!schema.has(t)) return emptyTable(OSCALL_COLUMNS) as OsCallTable;
  const c = (name: string, fb = '0') => `COALESCE(${colOr(schema, t, name, fb)}, ${fb})`;
  const sql = `SELECT "start", COALESCE("end", "start"), COALESCE(${pidExpr(schema, t)}, -1), ${tidExpr(schema, t)},
    ${c('nameId', '-1')}, ${callchainSql(ctx, t)} FROM ${t}`;
  const raw: RawCallchainRange = { min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY };
  const out = new TableOut(ctx, OSCALL_COLUMNS, schema.rows(t), 'osrt', (batch) => widenRange(raw, batch.callchainId, 0, batch.length));
  const cols = out.cols;
  const s = ctx.strings;
  scan(ctx, sql, (r) => {
    const i = cols.next();
    const o = cols.c;
    o.start[i] = r.num(0);
    o.end[i] = r.num(1);
    o.pid[i] = r.num(2);
    o.tid[i] = r.num(3);
    o.nameId[i] = s.id(r.num(4));
    o.callchainId[i] = r.num(5);
  });
  if (out.streaming) {
    const standIn = out.finish() as OsCallTable;
    const ref = osrtRef(raw);
    out.rewrite('callchainId', (ids) => mapCallchains(ids, 0, ids.length, ref));
    return standIn;
  }
  const table = out.finish() as OsCallTable;
  mapCallchains(table.callchainId, 0, table.length, osrtRef(rawRange(table.callchainId, 0, table.length)));
  widenSpan(ctx, table.start, table.end, table.length);
  return table;
}

/**
 * OS runtime calls counted, not loaded: one pass reading four columns, no per-row storage. Gives the row count,
 * the time span, and a stand-in table with one row per (process, thread) so metadata (processes, threads,
 * capabilities) comes out as with the full table.
 */
export function countOsrt(ctx: LoadContext): { rows: number; threads: OsCallTable } {
  const { schema } = ctx;
  const t = T.osrt;
  if (!schema.has(t)) return { rows: 0, threads: emptyTable(OSCALL_COLUMNS) as OsCallTable };
  const sql = `SELECT "start", COALESCE("end", "start"), COALESCE(${pidExpr(schema, t)}, -1), ${tidExpr(schema, t)} FROM ${t}`;
  const seen = new Map<number, [number, number]>();
  let last = Number.NaN;
  let lo = ctx.span.min;
  let hi = ctx.span.max;
  const rows = scan(ctx, sql, (r) => {
    const s = r.num(0);
    const e = r.num(1);
    if (s < lo) lo = s;
    if (e > hi) hi = e;
    const pid = r.num(2);
    const tid = r.num(3);
    const key = threadKey(pid, tid);
    if (key !== last) {
      last = key;
      if (!seen.has(key)) seen.set(key, [pid, tid]);
    }
  });
  ctx.span.min = lo;
  ctx.span.max = hi;
  const cols = new Columns(OSCALL_COLUMNS, Math.max(1, seen.size));
  for (const [pid, tid] of seen.values()) {
    const i = cols.next();
    cols.c.pid[i] = pid;
    cols.c.tid[i] = tid;
    cols.c.nameId[i] = -1;
    cols.c.callchainId[i] = -1;
  }
  return { rows, threads: cols.build() as OsCallTable };
}

/** NVTX push/pop and start/end ranges and marks; text inline or through textId; domains by name. */
export function loadNvtx(ctx: LoadContext): RangeTable {
  const { schema } = ctx;
  const t = T.nvtx;
  if (!schema.has(t) || !schema.col(t, 'eventType')) return emptyTable(RANGE_COLUMNS) as RangeTable;
  const { pushPop, startEnd, mark, domainCreate } = ctx.enums.nvtx;
  const hasText = schema.col(t, 'text');
  const hasTextId = schema.col(t, 'textId');
  const hasDomain = schema.col(t, 'domainId');
  const domains = new Map<number, number>();
  if (hasDomain && hasText) {
    for (const [id, text] of ctx.db.all(`SELECT domainId, text FROM ${t} WHERE eventType = ${domainCreate}`)) {
      if (typeof id === 'number' && text !== null) domains.set(id, ctx.interner.intern(String(text)));
    }
  }
  const sql = `SELECT "start", COALESCE("end", "start"), COALESCE(${pidExpr(schema, t)}, -1), ${tidExpr(schema, t)},
    ${hasTextId ? 'COALESCE(textId, -1)' : '-1'}, ${hasText ? 'text' : 'NULL'}, ${hasDomain ? 'COALESCE(domainId, 0)' : '0'},
    eventType FROM ${t} WHERE eventType IN (${pushPop}, ${startEnd}, ${mark})`;
  const cols = new Columns(RANGE_COLUMNS, schema.rows(t));
  const s = ctx.strings;
  scan(ctx, sql, (r) => {
    const i = cols.next();
    const n = cols.c;
    n.start[i] = r.num(0);
    const type = r.num(7);
    n.end[i] = type === mark ? n.start[i]! : r.num(1);
    n.pid[i] = r.num(2);
    n.tid[i] = r.num(3);
    const textId = r.num(4);
    n.textId[i] = textId >= 0 ? s.id(textId) : ctx.interner.intern(r.text(5) ?? '');
    const d = r.num(6);
    n.domainId[i] = d === 0 ? -1 : (domains.get(d) ?? ctx.interner.intern(`domain ${d}`));
    // depth: -2 marks a push/pop range whose depth computeDepths fills in; -1 stays unknown
    n.depth[i] = type === pushPop ? -2 : -1;
  });
  const out = cols.build() as RangeTable;
  computeDepths(out);
  widenSpan(ctx, out.start, out.end, out.length);
  return out;
}

/** pid and tid are 24-bit after decoding (pid may be -1): one exact number per thread */
export function threadKey(pid: number, tid: number): number {
  return (pid + 1) * 0x1000000 + (tid & 0xffffff);
}

/** Nesting depth of push/pop ranges per thread (0 = outermost), by containment after sorting by start. */
export function computeDepths(r: RangeTable): void {
  const byThread = new Map<number, number[]>();
  for (let i = 0; i < r.length; i++) {
    if (r.depth[i] !== -2) continue;
    const key = threadKey(r.pid[i]!, r.tid[i]!);
    let list = byThread.get(key);
    if (!list) byThread.set(key, (list = []));
    list.push(i);
  }
  const { start, end, depth } = r;
  for (const list of byThread.values()) {
    list.sort((a, b) => start[a]! - start[b]! || end[b]! - end[a]! || a - b);
    const stack: number[] = [];
    for (const i of list) {
      while (stack.length && end[stack[stack.length - 1]!]! <= start[i]!) stack.pop();
      depth[i] = stack.length;
      stack.push(i);
    }
  }
}
