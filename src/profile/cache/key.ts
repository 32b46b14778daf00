// The identity of a profile on disk: resolved path, size, mtime and a content hash of its header and a few
// sampled pages. Two files that agree on all four are taken to be the same profile; a file replaced in place
// (new size, new mtime or new sampled bytes) gets a new key, so a stale entry is never answered.
import { createHash } from 'node:crypto';
import { closeSync, openSync, readdirSync, readSync, realpathSync, statSync } from 'node:fs';
import { join } from 'node:path';

/** Bytes read from the start of the file and from each sampled page. */
const SAMPLE_BYTES = 64 * 1024;
/** Pages sampled between the header and the tail (evenly spaced). */
const SAMPLES = 8;

export interface ProfileIdentity {
  /** resolved absolute path */
  path: string;
  /** bytes (a folder: the sum over its files) */
  size: number;
  /** modification time in ms (a folder: the newest of its files) */
  mtimeMs: number;
  /** sha-256 (hex) of the header and sampled pages (a folder: of its file list and each file's samples) */
  contentHash: string;
}

function sampleFile(path: string, size: number, hash: ReturnType<typeof createHash>): void {
  const fd = openSync(path, 'r');
  try {
    const buf = Buffer.alloc(SAMPLE_BYTES);
    const offsets = new Set<number>([0, Math.max(0, size - SAMPLE_BYTES)]);
    for (let i = 1; i <= SAMPLES; i++) offsets.add(Math.floor((size * i) / (SAMPLES + 1)));
    for (const offset of [...offsets].sort((a, b) => a - b)) {
      const n = readSync(fd, buf, 0, Math.min(SAMPLE_BYTES, Math.max(0, size - offset)), offset);
      hash.update(`${offset}:`).update(buf.subarray(0, n));
    }
  } finally {
    closeSync(fd);
  }
}

/** Identity of a profile file or export folder (nsys parquetdir/arrowdir). Throws the fs error when unreadable. */
export function profileIdentity(path: string): ProfileIdentity {
  const real = realpathSync(path);
  const st = statSync(real);
  const hash = createHash('sha256');
  if (!st.isDirectory()) {
    sampleFile(real, st.size, hash);
    return { path: real, size: st.size, mtimeMs: Math.trunc(st.mtimeMs), contentHash: hash.digest('hex') };
  }
  let size = 0;
  let mtimeMs = Math.trunc(st.mtimeMs);
  for (const name of readdirSync(real).sort()) {
    const f = join(real, name);
    const fst = statSync(f);
    if (!fst.isFile()) continue;
    size += fst.size;
    mtimeMs = Math.max(mtimeMs, Math.trunc(fst.mtimeMs));
    hash.update(`${name}\0${fst.size}\0`);
    sampleFile(f, fst.size, hash);
  }
  return { path: real, size, mtimeMs, contentHash: hash.digest('hex') };
}

/** The cache entry name for a profile identity and the stamp of the readers that built the model. */
export function entryKey(id: ProfileIdentity, stamp: string): string {
  return createHash('sha256')
    .update(JSON.stringify([id.path, id.size, id.mtimeMs, id.contentHash, stamp]))
    .digest('hex')
    .slice(0, 32);
}
