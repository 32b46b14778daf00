// The one loop every table loader runs: step a prepared statement, hand each row to a writer, look at the
// abort signal and report progress every CHECK_EVERY rows.
import { CHECK_EVERY, checkAbort } from './context.js';
import type { LoadContext } from './context.js';
import type { RowCursor } from './sqlite.js';

/** Steps a cursor, calling `row` per row, checking the abort signal and reporting progress. */
export function scan(ctx: LoadContext, sql: string, row: (cur: RowCursor) => void): number {
  const cur = ctx.db.query(sql);
  let n = 0;
  try {
    while (cur.step()) {
      row(cur);
      if ((++n & (CHECK_EVERY - 1)) === 0) {
        checkAbort(ctx.signal);
        ctx.progressRows(CHECK_EVERY);
      }
    }
  } finally {
    cur.free();
  }
  ctx.progressRows(n & (CHECK_EVERY - 1));
  return n;
}

export function widenSpan(ctx: LoadContext, start: Float64Array, end: Float64Array, n: number): void {
  let lo = ctx.span.min;
  let hi = ctx.span.max;
  for (let i = 0; i < n; i++) {
    const s = start[i]!;
    const e = end[i]!;
    if (s < lo) lo = s;
    if (e > hi) hi = e;
  }
  ctx.span.min = lo;
  ctx.span.max = hi;
}

