// A table the nsys reader loads either whole (held in the model) or streamed batch by batch into the profile
// cache entry being built (ReadOptions.sink), so that a big export's tables are never all in memory at once.
// A streamed table leaves the reader a stand-in for what the metadata needs (one row per distinct process,
// thread and device it saw) and its row count; the model the caller gets is read back from the entry.
import type { Table } from '../../core/tables.js';
import type { TableSink } from '../reader-types.js';
import { Columns, STREAM_BATCH_ROWS, type Spec } from './columns.js';
import type { LoadContext } from './context.js';
import { widenSpan } from './scan.js';

type Writer = ReturnType<TableSink['table']>;

let batchRows = STREAM_BATCH_ROWS;

/** Rows per streamed batch (tests use a few rows so that every table spans many batches); returns the old value. */
export function setStreamBatchRows(rows: number): number {
  const old = batchRows;
  batchRows = Math.max(1, Math.floor(rows));
  return old;
}

/** Distinct (pid, tid, deviceId) combinations of the rows seen, for the metadata a held table would give. */
class DistinctRows {
  private readonly seen = new Map<string, [number, number, number]>();

  add(batch: Record<string, unknown> & { length: number }): void {
    const pid = batch.pid as ArrayLike<number> | undefined;
    const tid = batch.tid as ArrayLike<number> | undefined;
    const dev = batch.deviceId as ArrayLike<number> | undefined;
    let lp = Number.NaN;
    let lt = Number.NaN;
    let ld = Number.NaN;
    for (let i = 0; i < batch.length; i++) {
      const p = pid ? pid[i]! : 0;
      const t = tid ? tid[i]! : 0;
      const d = dev ? dev[i]! : 0;
      if (p === lp && t === lt && d === ld) continue;
      lp = p;
      lt = t;
      ld = d;
      const key = `${p}/${t}/${d}`;
      if (!this.seen.has(key)) this.seen.set(key, [p, t, d]);
    }
  }

  /** A table of `spec` with one row per combination (other columns zero). */
  table<S extends Spec>(spec: S): Table<S> {
    const cols = new Columns(spec, Math.max(1, this.seen.size));
    const c = cols.c as Record<string, Float64Array | Int32Array | Uint8Array>;
    for (const [p, t, d] of this.seen.values()) {
      const i = cols.next();
      if (c.pid) c.pid[i] = p;
      if (c.tid) c.tid[i] = t;
      if (c.deviceId) c.deviceId[i] = d;
    }
    return cols.build();
  }
}

/**
 * Where a loader puts its rows. Held (no sink, or `name` undefined): `cols` grows to the whole table and
 * `finish` returns it. Streamed: `cols` holds one batch; each full batch goes through `onBatch` (fix-ups that
 * need the rows, e.g. linking by correlation id), widens the profile span and is written to the entry;
 * `finish` returns the stand-in (see DistinctRows) and records the row count in ctx.streamed.
 */
export class TableOut<S extends Spec> {
  readonly cols: Columns<S>;
  private readonly writer: Writer | undefined;
  private readonly distinct = new DistinctRows();

  constructor(private readonly ctx: LoadContext, private readonly spec: S, estimate: number,
    private readonly name: string | undefined, private readonly onBatch?: (batch: Table<S>) => void) {
    this.writer = name !== undefined ? ctx.sink?.table(name) : undefined;
    this.cols = new Columns(spec, estimate, this.writer ? (batch) => this.write(batch) : undefined, batchRows);
  }

  get streaming(): boolean {
    return this.writer !== undefined;
  }

  private write(batch: Table<S>): void {
    this.onBatch?.(batch);
    const span = batch as Partial<Record<'start' | 'end', Float64Array>>;
    if (span.start && span.end) widenSpan(this.ctx, span.start, span.end, batch.length);
    this.distinct.add(batch);
    this.writer!.write(batch);
  }

  /** Streamed: writes the rows collected so far as a batch now (a batch then never mixes two sources). */
  flush(): void {
    this.cols.flush();
  }

  /** Held: the table. Streamed: the last batch written, the file finished, the stand-in. */
  finish(): Table<S> {
    if (!this.writer) return this.cols.build();
    this.cols.flush();
    this.writer.finish();
    this.ctx.streamed.set(this.name!, this.cols.flushed);
    return this.distinct.table(this.spec);
  }

  /** Streamed, after finish: rewrites a Float64 column in the entry, batch by batch. */
  rewrite(column: string, fn: (values: Float64Array, firstRow: number) => void): void {
    this.writer!.rewrite(column, fn);
  }
}
