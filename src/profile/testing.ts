// Test helpers: a profile model as plain values, for deep equality between readers, the cache and streamed reads;
// the answers kept in a cache folder's entries.
import { readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { ProfileModel } from '../core/profile.js';

/**
 * Every table column (lazy columns forced, typed arrays as plain arrays), the strings, the callchains as entries,
 * and the meta as `meta` maps it (by default without the path it was read from).
 */
export function plainModel(m: ProfileModel, meta: (meta: ProfileModel['meta']) => unknown = (x) => ({ ...x, source: '' })): unknown {
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(m)) {
    if (k === 'callchains') out[k] = [...(v as Map<number, unknown>)];
    else if (k === 'meta') out[k] = meta(v as ProfileModel['meta']);
    else if (typeof v === 'object' && v && 'length' in v && !Array.isArray(v)) {
      out[k] = Object.fromEntries(Object.entries(v).map(([c, a]) => [c, ArrayBuffer.isView(a) ? Array.from(a as Float64Array) : a]));
    } else out[k] = v;
  }
  return out;
}

/** The paths of the answers named `name` kept in the entries of the cache folder `cacheDir` (result-<name>-*). */
export function keptAnswerFiles(cacheDir: string, name: string): string[] {
  return readdirSync(cacheDir).filter((d) => !d.startsWith('.'))
    .flatMap((d) => readdirSync(join(cacheDir, d)).filter((f) => f.startsWith(`result-${name}-`)).map((f) => join(cacheDir, d, f)));
}
