// Terminal formatting shared by the queries' format() functions: aligned text tables and units.

export type Cell = string | number | undefined | null;

/** An aligned plain-text table: numbers right-aligned, text left-aligned, long text cut. */
export function table(headers: string[], rows: Cell[][], maxWidth = 60): string {
  const text = rows.map((r) => r.map((c) => cell(c, maxWidth)));
  const widths = headers.map((h, i) => Math.max(h.length, ...text.map((r) => (r[i] ?? '').length)));
  const numeric = headers.map((_, i) => rows.length > 0 && rows.every((r) => typeof r[i] === 'number' || r[i] == null));
  const line = (cells: string[]) =>
    cells.map((c, i) => (numeric[i] ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd();
  const out = [line(headers), line(widths.map((w) => '-'.repeat(w))), ...text.map(line)];
  if (rows.length === 0) out.push('(none)');
  return out.join('\n');
}

function cell(c: Cell, maxWidth: number): string {
  if (c === undefined || c === null) return '';
  if (typeof c === 'number') return formatNumber(c);
  return c.length > maxWidth ? `${c.slice(0, maxWidth - 1)}…` : c;
}

export function formatNumber(x: number): string {
  if (!Number.isFinite(x)) return '-';
  if (Number.isInteger(x)) return String(x);
  const a = Math.abs(x);
  return a >= 100 ? x.toFixed(1) : a >= 1 ? x.toFixed(2) : x.toFixed(3);
}

/** "12.345 ms" from nanoseconds. */
export function ms(ns: number): string {
  return `${formatNumber(Math.round(ns / 1e3) / 1e3)} ms`;
}

export function us(ns: number): string {
  return `${formatNumber(Math.round(ns) / 1e3)} µs`;
}

export function pct(x: number): string {
  return `${formatNumber(Math.round(x * 10) / 10)}%`;
}

export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return u === 0 ? `${n} B` : `${v.toFixed(1)} ${units[u]}`;
}

/** "title" underlined, then the body; sections joined by blank lines. */
export function section(title: string, body: string): string {
  return `${title}\n${'='.repeat(title.length)}\n${body}`;
}

export function keyValues(pairs: Array<[string, Cell]>): string {
  const w = Math.max(0, ...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(w)}  ${v === undefined || v === null ? '-' : typeof v === 'number' ? formatNumber(v) : v}`).join('\n');
}
