// JSON Lines files (one JSON value a line, append-only): the trial ledgers and the LLM transcripts. A line torn by an
// interrupted write is skipped on read rather than failing the whole file.
import { appendFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname } from 'node:path';

/**
 * The entries of a JSON Lines file in file order: the lines holding a JSON object that `isEntry` accepts (it checks
 * the fields the caller relies on). Blank, unparsable (torn) and other lines are skipped; [] when there is no file.
 */
export function readJsonLines<T>(path: string, isEntry: (v: Record<string, unknown>) => boolean): T[] {
  if (!existsSync(path)) return [];
  const out: T[] = [];
  for (const line of readFileSync(path, 'utf8').split('\n')) {
    if (!line.trim()) continue;
    let v: unknown;
    try {
      v = JSON.parse(line);
    } catch {
      continue; // a torn line from an interrupted write
    }
    if (typeof v === 'object' && v !== null && !Array.isArray(v) && isEntry(v as Record<string, unknown>)) out.push(v as T);
  }
  return out;
}

/** Appends one value as a line, creating the file's folder when needed. */
export function appendJsonLine(path: string, value: unknown): void {
  mkdirSync(dirname(path), { recursive: true });
  appendFileSync(path, `${JSON.stringify(value)}\n`);
}
