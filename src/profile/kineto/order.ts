// Row ordering for tables read from traces (chrome traces are not sorted): sort by start, longer first on
// ties, so enclosing ranges precede what they enclose; and nesting depth of ranges per thread.

type Column = Float64Array | Int32Array | Uint8Array;
type AnyTable = { length: number; start: Float64Array; end: Float64Array };

/** Sorts every column of `table` in place of its arrays (new arrays, same object) by (start asc, end desc). */
export function sortByStart<T extends AnyTable>(table: T): T {
  const n = table.length;
  const { start, end } = table;
  let sorted = true;
  for (let i = 1; i < n; i++) {
    if (start[i]! < start[i - 1]! || (start[i] === start[i - 1] && end[i]! > end[i - 1]!)) {
      sorted = false;
      break;
    }
  }
  if (sorted) return table;
  const idx = new Uint32Array(n);
  for (let i = 0; i < n; i++) idx[i] = i;
  idx.sort((a, b) => start[a]! - start[b]! || end[b]! - end[a]! || a - b);
  const t = table as unknown as Record<string, unknown>;
  for (const key of Object.keys(t)) {
    const col = t[key];
    if (!ArrayBuffer.isView(col)) continue;
    const src = col as Column;
    const dst = new (src.constructor as new (n: number) => Column)(n);
    for (let i = 0; i < n; i++) dst[i] = src[idx[i]!]!;
    t[key] = dst;
  }
  return table;
}

/**
 * Nesting depth of each row among the rows of its own (pid, tid), for a table sorted by start:
 * 0 for a top-level range, 1 inside one, and so on. Partially overlapping ranges count as nested.
 */
export function nestingDepth(start: Float64Array, end: Float64Array, pid: Int32Array, tid: Int32Array): Int32Array {
  const n = start.length;
  const depth = new Int32Array(n);
  const stacks = new Map<string, number[]>();
  for (let i = 0; i < n; i++) {
    const key = `${pid[i]}:${tid[i]}`;
    let stack = stacks.get(key);
    if (!stack) stacks.set(key, (stack = []));
    while (stack.length > 0 && stack[stack.length - 1]! <= start[i]!) stack.pop();
    depth[i] = stack.length;
    stack.push(end[i]!);
  }
  return depth;
}
