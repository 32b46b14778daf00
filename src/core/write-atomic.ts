// Atomic file writes (node:fs only): the run directory, the knowledge base and the cache write
// through it.
import { renameSync, writeFileSync } from 'node:fs';

/** Writes a file atomically (tmp + rename) so a crash never leaves half a file. */
export function writeAtomic(path: string, data: string): void {
  const tmp = `${path}.tmp-${process.pid}`;
  writeFileSync(tmp, data);
  renameSync(tmp, path);
}
