// B-tree pages of the SQLite file format: the pager that hands out page numbers (skipping the lock-byte page), a
// page being filled with cells, and the grouping of child pages into interior pages.
import { LOCK_PAGE, PAGE_SIZE, type PageSink } from './sqlite-format.js';

export const U = PAGE_SIZE;
export const TABLE_MAX_LOCAL = U - 35;
export const MIN_LOCAL = Math.floor(((U - 12) * 32) / 255) - 23;
export const INDEX_MAX_LOCAL = Math.floor(((U - 12) * 64) / 255) - 23;

export const LEAF_TABLE = 0x0d;
export const INTERIOR_TABLE = 0x05;
export const LEAF_INDEX = 0x0a;
export const INTERIOR_INDEX = 0x02;

export class Pager {
  private next = 2;
  private written = 1;
  private zero = new Uint8Array(U);
  constructor(readonly sink: PageSink) {}

  alloc(): number {
    let p = this.next++;
    if (p === LOCK_PAGE) p = this.next++;
    return p;
  }

  write(pageNo: number, page: Uint8Array): void {
    if (this.written + 1 === LOCK_PAGE && pageNo > LOCK_PAGE) {
      this.sink.append(this.zero);
      this.written++;
    }
    if (pageNo !== this.written + 1) throw new Error(`pages out of order: ${pageNo} after ${this.written}`);
    this.sink.append(page);
    this.written = pageNo;
  }

  get pageCount(): number {
    return this.written;
  }
}

/** One b-tree page being filled: cell pointers grow up from the header, cell contents down from the end. */
export class PageBuilder {
  page = new Uint8Array(U);
  n = 0;
  private content = U;
  constructor(private hdrOff = 0, private hdrSize = 8) {}

  fits(cellLen: number): boolean {
    return cellLen + 2 <= this.content - (this.hdrOff + this.hdrSize + 2 * this.n);
  }

  add(cell: Uint8Array, len: number): void {
    this.content -= len;
    this.page.set(cell.subarray(0, len), this.content);
    const p = this.hdrOff + this.hdrSize + 2 * this.n;
    this.page[p] = this.content >> 8;
    this.page[p + 1] = this.content & 0xff;
    this.n++;
  }

  finish(type: number, rightChild = 0): Uint8Array {
    const h = this.hdrOff;
    const pg = this.page;
    pg[h] = type;
    pg[h + 1] = 0;
    pg[h + 2] = 0;
    pg[h + 3] = this.n >> 8;
    pg[h + 4] = this.n & 0xff;
    pg[h + 5] = (this.content >> 8) & 0xff;
    pg[h + 6] = this.content & 0xff;
    pg[h + 7] = 0;
    if (this.hdrSize === 12) new DataView(pg.buffer).setUint32(h + 8, rightChild);
    return pg;
  }

  reset(): void {
    this.page = new Uint8Array(U);
    this.n = 0;
    this.content = U;
  }
}

/** Splits children [0, n) into consecutive groups whose cells (all but the last child) fit one interior page;
 * every group gets at least two children. */
export function partition(n: number, cellSize: (i: number) => number, hdr: number, extra: number): [number, number][] {
  const cap = U - hdr - extra;
  const groups: [number, number][] = [];
  let start = 0;
  let used = 0;
  for (let i = 0; i < n; i++) {
    const c = cellSize(i) + 2;
    if (i > start && used + c > cap) {
      groups.push([start, i + 1]);
      start = i + 1;
      used = 0;
      continue;
    }
    used += c;
  }
  if (start < n) groups.push([start, n]);
  const last = groups[groups.length - 1]!;
  if (groups.length > 1 && last[1] - last[0] < 2) {
    const prev = groups[groups.length - 2]!;
    prev[1]--;
    last[0]--;
  }
  return groups;
}

