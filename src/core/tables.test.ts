import { describe, expect, it } from 'vitest';
import { TableBuilder } from './tables.js';

describe('TableBuilder', () => {
  const spec = { start: Float64Array, correlationId: Float64Array, n: Int32Array };

  it('column() is a live view of the rows pushed so far', () => {
    const b = new TableBuilder(spec, 16);
    for (let i = 0; i < 40; i++) b.push({ start: i, n: i * 2 });
    const start = b.column('start');
    expect(start.length).toBe(40);
    start[3] = 99;
    expect(Array.from(b.build().start.subarray(0, 5))).toEqual([0, 1, 2, 99, 4]);
    expect(b.column('correlationId')[0]).toBe(-1);
  });

  it('take() gives the table and leaves the builder empty', () => {
    const b = new TableBuilder(spec, 16);
    for (let i = 0; i < 40; i++) b.push({ start: i, n: i });
    const t = b.take();
    expect(t.length).toBe(40);
    expect(t.n[39]).toBe(39);
    expect(b.length).toBe(0);
    b.push({ start: 7 });
    expect(Array.from(b.build().start)).toEqual([7]);
    expect(t.start[0]).toBe(0);
  });
});
