// Test helpers: temp files for trace tests, removed by cleanup().
import { createHash } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import type { ProfileModel } from '../../core/profile.js';

export class TempFiles {
  private dir: string | undefined;

  path(name: string): string {
    this.dir ??= mkdtempSync(join(tmpdir(), 'sysight-kineto-'));
    return join(this.dir, name);
  }

  /** Writes `content` (an object is JSON-encoded; `gzip` compresses) and returns the path. */
  write(name: string, content: unknown, gzip = false): string {
    const text = typeof content === 'string' || content instanceof Uint8Array ? content : JSON.stringify(content);
    const bytes = typeof text === 'string' ? Buffer.from(text) : text;
    const p = this.path(name);
    writeFileSync(p, gzip ? gzipSync(bytes) : bytes);
    return p;
  }

  cleanup(): void {
    if (this.dir) rmSync(this.dir, { recursive: true, force: true });
    this.dir = undefined;
  }
}

/**
 * One sha256 per part of a profile model (each column of each table, the strings, the callchains, the
 * meta), so two readers' models can be compared part by part with a readable difference.
 */
export function modelDigest(m: ProfileModel): Record<string, string> {
  const out: Record<string, string> = {};
  const hash = (data: string | ArrayBufferView): string => {
    const h = createHash('sha256');
    h.update(typeof data === 'string' ? data : new Uint8Array(data.buffer, data.byteOffset, data.byteLength));
    return h.digest('hex').slice(0, 16);
  };
  const record = m as unknown as Record<string, unknown>;
  for (const key of Object.keys(record).sort()) {
    const v = record[key];
    if (key === 'strings') out.strings = hash(JSON.stringify(v));
    else if (key === 'meta') out.meta = hash(stableJson(v));
    else if (v instanceof Map) out[key] = hash(stableJson([...v.entries()]));
    else if (typeof v === 'object' && v !== null && 'length' in v) {
      for (const [col, data] of Object.entries(v)) {
        out[`${key}.${col}`] = ArrayBuffer.isView(data) ? hash(data) : hash(stableJson(data));
      }
    } else out[key] = hash(stableJson(v));
  }
  return out;
}

function stableJson(v: unknown): string {
  return JSON.stringify(v, (_k, x: unknown) => {
    if (x instanceof Map) return [...x.entries()];
    if (x instanceof Set) return [...x.values()];
    if (typeof x === 'object' && x !== null && !Array.isArray(x) && !ArrayBuffer.isView(x)) {
      const o = x as Record<string, unknown>;
      return Object.fromEntries(Object.keys(o).sort().map((k) => [k, o[k]]));
    }
    return x;
  }) ?? 'undefined';
}
