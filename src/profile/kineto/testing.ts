// Test helpers: temp files for trace tests, removed by cleanup().
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';

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
