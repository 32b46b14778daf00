// Typed columns filled in place by the table loaders: presized from the schema's row estimate, grown by
// doubling when an estimate was short, trimmed without a copy when it was right (the usual case), so a
// 10M-row table never exists twice in memory. With `onFull` (a table streamed to the profile cache) the
// columns hold one batch: when they are full the batch is handed over and the same arrays are filled again.
import type { Table } from '../../core/tables.js';

type ArrayCtor = Float64ArrayConstructor | Int32ArrayConstructor | Uint8ArrayConstructor;
export type Spec = Record<string, ArrayCtor>;
type Cols<S extends Spec> = { [K in keyof S]: InstanceType<S[K]> };
type AnyColumn = Float64Array | Int32Array | Uint8Array;

/** Rows per batch of a table streamed to the profile cache (~20 MB for the widest table). */
export const STREAM_BATCH_ROWS = 1 << 18;

export class Columns<S extends Spec> {
  c: Cols<S>;
  /** the columns of `c` in the spec's key order (for loaders that write by position) */
  list: AnyColumn[];
  length = 0;
  private capacity: number;

  /** rows handed to onFull so far */
  flushed = 0;

  constructor(private readonly spec: S, estimate: number, private readonly onFull?: (batch: Table<S>) => void,
    private readonly batchRows = STREAM_BATCH_ROWS) {
    this.capacity = onFull ? Math.max(1, Math.min(estimate, batchRows)) : Math.max(16, estimate);
    this.c = this.alloc(this.capacity);
    this.list = this.listOf(this.c);
  }

  private listOf(c: Cols<S>): AnyColumn[] {
    return Object.keys(this.spec).map((k) => c[k as keyof S] as AnyColumn);
  }

  private alloc(n: number): Cols<S> {
    const out: Record<string, Float64Array | Int32Array | Uint8Array> = {};
    for (const [k, C] of Object.entries(this.spec)) out[k] = new C(n);
    return out as Cols<S>;
  }

  /** index of a new row; columns may have been replaced, so re-read `c` after calling */
  next(): number {
    if (this.length === this.capacity) {
      if (this.onFull && this.capacity >= this.batchRows) this.flush();
      else this.grow(this.onFull ? Math.min(this.batchRows, this.capacity * 2) : this.capacity * 2);
    }
    return this.length++;
  }

  /** Hands the rows so far to onFull (views of the arrays, valid until the next row) and starts again. */
  flush(): void {
    if (!this.onFull || this.length === 0) return;
    const out: Record<string, unknown> = { length: this.length };
    for (const k of Object.keys(this.spec)) out[k] = (this.c[k as keyof S] as Float64Array).subarray(0, this.length);
    this.onFull(out as Table<S>);
    this.flushed += this.length;
    this.length = 0;
  }

  private grow(n: number): void {
    const next = this.alloc(n);
    for (const k of Object.keys(this.spec) as (keyof S)[]) {
      (next[k] as Float64Array).set(this.c[k] as Float64Array);
    }
    this.c = next;
    this.list = this.listOf(next);
    this.capacity = n;
  }

  build(): Table<S> {
    const out: Record<string, unknown> = { length: this.length };
    const exact = this.length === this.capacity;
    const wasteful = this.capacity - this.length > Math.max(1024, this.length >>> 4);
    for (const k of Object.keys(this.spec)) {
      const col = this.c[k as keyof S] as Float64Array;
      out[k] = exact ? col : wasteful ? col.slice(0, this.length) : col.subarray(0, this.length);
    }
    return out as Table<S>;
  }
}
