// Test helper: a profile model as plain values, for deep equality between readers, the cache and streamed reads.
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
