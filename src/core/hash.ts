import { createHash } from 'node:crypto';

/** sha256 of a text (utf8) or bytes, hex. */
export function sha256Hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}
