// One table loader from a column map: each model column names the SQL expression it is read from (ids and
// 64-bit decodes done in SQL) and, where the raw value is not stored as it is, how it is decoded (string ids,
// enums). One pass, only the mapped columns, rows written straight into typed columns.
import type { Table } from '../../core/tables.js';
import type { Spec } from './columns.js';
import { colOr, type LoadContext } from './context.js';
import { scan, widenSpan } from './scan.js';
import { TableOut } from './stream.js';

export interface ColumnRead {
  sql: string;
  /** raw value → stored value (default: stored as it is) */
  decode?: (raw: number) => number;
}

/** Every column of the table's spec, read by an SQL expression (a string) or an expression with a decode. */
export type ColumnMap<S extends Spec> = { [K in keyof S]: string | ColumnRead };

/** `COALESCE("column", fallback)`, or the fallback when the export lacks the column. */
export function colOf(ctx: LoadContext, table: string, column: string, fallback = '0'): string {
  return `COALESCE(${colOr(ctx.schema, table, column, fallback)}, ${fallback})`;
}

/**
 * Loads `table` into the columns of `spec` as `map` says, in `orderBy` order when given (else the export's row
 * order); a table with `start`/`end` widens the profile span. With `streamAs` and a sink in the context, the
 * rows are streamed to the cache entry as model table `streamAs` and the stand-in is returned (./stream.ts).
 */
export function loadTable<S extends Spec>(ctx: LoadContext, table: string, spec: S, map: ColumnMap<S>,
  opts: { orderBy?: string; streamAs?: string } = {}): Table<S> {
  const keys = Object.keys(spec) as Array<keyof S & string>;
  const reads = keys.map((k): ColumnRead => { const r = map[k]; return typeof r === 'string' ? { sql: r } : r; });
  const decode = reads.map((r) => r.decode);
  const out = new TableOut(ctx, spec, ctx.schema.rows(table), opts.streamAs);
  const cols = out.cols;
  const n = keys.length;
  scan(ctx, `SELECT ${reads.map((r) => r.sql).join(', ')} FROM ${table}${opts.orderBy ? ` ORDER BY ${opts.orderBy}` : ''}`, (row) => {
    const i = cols.next();
    const list = cols.list;
    for (let j = 0; j < n; j++) {
      const raw = row.num(j);
      const d = decode[j];
      list[j]![i] = d ? d(raw) : raw;
    }
  });
  if (out.streaming) return out.finish();
  const t = out.finish();
  const span = t as Partial<Record<'start' | 'end', Float64Array>>;
  if (span.start && span.end) widenSpan(ctx, span.start, span.end, t.length);
  return t;
}
