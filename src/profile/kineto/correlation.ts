// Correlation id → runtime row, for joining GPU rows to the call that launched them. Correlation ids are a
// counter, so a flat Int32Array over their range is the usual index (4 bytes per id instead of a Map
// entry's ~50); ids too sparse for that go in a Map.

export class CorrelationIndex {
  private dense: Int32Array | undefined;
  private base = 0;
  private sparse: Map<number, number> | undefined;

  /** `ids[row]` is the correlation id of runtime row `row` (push order), -1 for none; the last row of an id wins. */
  constructor(ids: ArrayLike<number>) {
    let min = Infinity;
    let max = -Infinity;
    let n = 0;
    for (let i = 0; i < ids.length; i++) {
      const c = ids[i]!;
      if (!(c >= 0)) continue;
      if (c < min) min = c;
      if (c > max) max = c;
      n++;
    }
    if (n === 0) return;
    if (Number.isSafeInteger(max - min) && max - min < Math.max(1 << 16, 4 * n)) {
      this.base = min;
      this.dense = new Int32Array(max - min + 1).fill(-1);
      for (let i = 0; i < ids.length; i++) {
        const c = ids[i]!;
        if (c >= 0) this.dense[c - min] = i;
      }
    } else {
      this.sparse = new Map();
      for (let i = 0; i < ids.length; i++) {
        const c = ids[i]!;
        if (c >= 0) this.sparse.set(c, i);
      }
    }
  }

  /** The runtime row with correlation id `id`, or undefined. */
  get(id: number): number | undefined {
    if (!(id >= 0)) return undefined;
    if (this.dense) {
      const k = id - this.base;
      if (k < 0 || k >= this.dense.length || !Number.isInteger(k)) return undefined;
      const row = this.dense[k]!;
      return row < 0 ? undefined : row;
    }
    return this.sparse?.get(id);
  }
}
