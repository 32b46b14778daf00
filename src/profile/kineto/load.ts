// Reads a trace file (plain or gzip JSON) into the value JSON.parse gives, with one-line errors for bad
// input. Also the head sniffing shared by the Kineto and legacy readers.
import { readFile, stat } from 'node:fs/promises';
import { basename } from 'node:path';
import { constants, gunzip, gunzipSync } from 'node:zlib';
import { promisify } from 'node:util';
import { CancelledError, UserError, throwIfAborted } from '../../core/errors.js';

const gunzipAsync = promisify(gunzip);

export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b;
}

/** The first decompressed bytes of a gzip head (possibly partial), or undefined when it does not inflate. */
export function inflateHead(head: Uint8Array): Uint8Array | undefined {
  try {
    return gunzipSync(head, { finishFlush: constants.Z_SYNC_FLUSH });
  } catch {
    return undefined;
  }
}

/** First non-whitespace character of a text head (a UTF-8 BOM skipped), or '' when none. */
export function firstChar(bytes: Uint8Array): string {
  let i = 0;
  if (bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf) i = 3;
  for (; i < bytes.length; i++) {
    const b = bytes[i]!;
    if (b !== 0x20 && b !== 0x0a && b !== 0x0d && b !== 0x09) return String.fromCharCode(b);
  }
  return '';
}

export function hasJsonName(path: string): boolean {
  return /\.(json|json\.gz|gz)$/i.test(basename(path));
}

export interface SniffedHead {
  gzip: boolean;
  /** decompressed head text (up to what the head inflated to); '' when a gzip head did not inflate */
  text: string;
  first: string;
}

export function sniffHead(head: Uint8Array): SniffedHead {
  if (isGzip(head)) {
    const inflated = inflateHead(head);
    const bytes = inflated ?? new Uint8Array();
    return { gzip: true, text: new TextDecoder().decode(bytes), first: firstChar(bytes) };
  }
  return { gzip: false, text: new TextDecoder().decode(head), first: firstChar(head) };
}

/** V8's longest string is about 2^29 characters; JSON text beyond it cannot be parsed in one piece. */
const MAX_JSON_CHARS = 0x1fffffe8;

/** Reads and parses a JSON trace, gunzipping when it starts with the gzip magic. */
export async function loadJson(path: string, signal?: AbortSignal): Promise<unknown> {
  return parseJsonText(await loadText(path, signal), path);
}

/** Reads a trace file as text, gunzipping when it starts with the gzip magic. */
export async function loadText(path: string, signal?: AbortSignal, maxChars = MAX_JSON_CHARS): Promise<string> {
  let buf: Buffer;
  try {
    // Past the string limit a trace cannot be parsed (a gzip that big inflates further): say so unread.
    const st = await stat(path);
    if (st.isFile() && st.size > maxChars) throw tooLarge(path, st.size);
    buf = await readFile(path, { signal });
  } catch (e) {
    if (e instanceof UserError) throw e;
    if (isAbort(e)) throw new CancelledError();
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new UserError(`no such file: ${path}`);
    if (code === 'EISDIR') throw new UserError(`${path} is a directory, not a profile`);
    throw new UserError(`cannot read ${path}: ${(e as Error).message}`);
  }
  throwIfAborted(signal);
  if (buf.length === 0) throw new UserError(`${path} is empty (0 bytes): not a profile`);
  if (isGzip(buf)) {
    try {
      buf = await gunzipAsync(buf, { maxOutputLength: maxChars });
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === 'ERR_BUFFER_TOO_LARGE') throw tooLarge(path, maxChars + 1);
      throw new UserError(`${path} is not valid gzip (${(e as Error).message}): the file is truncated or corrupt`);
    }
    throwIfAborted(signal);
  }
  if (buf.length > maxChars) throw tooLarge(path, buf.length);
  // Not fatal: profilers write names as they get them, and one bad byte in a kernel name should not
  // cost the whole trace (it becomes U+FFFD); binary junk still fails in JSON.parse.
  return new TextDecoder('utf-8').decode(buf);
}

function tooLarge(path: string, bytes: number): UserError {
  return new UserError(`${path} holds ${bytes} bytes or more of JSON, more than one trace Sysight can parse (512 MiB): profile fewer steps (torch.profiler schedule active=…)`);
}

/** JSON.parse with a one-line UserError naming what went wrong. */
export function parseJsonText(text: string, path: string): unknown {
  try {
    return JSON.parse(text);
  } catch (e) {
    const msg = (e as Error).message;
    if (e instanceof RangeError) throw new UserError(`${path} is too large to parse: ${msg}`);
    const truncated = /end of (JSON )?input|Unterminated/i.test(msg);
    throw new UserError(
      truncated
        ? `${path} is truncated JSON (${oneLineMsg(msg)}): the trace was cut off while being written or copied`
        : `${path} is not valid JSON (${oneLineMsg(msg)})`,
    );
  }
}

function oneLineMsg(msg: string): string {
  const m = msg.split('\n')[0]!;
  return m.length > 160 ? `${m.slice(0, 157)}...` : m;
}

function isAbort(e: unknown): boolean {
  return e instanceof Error && e.name === 'AbortError';
}
