// Names: string ids to text, API suffixes and NVTX arguments stripped, memoized flags per string id.
import type { ProfileModel } from '../../../core/profile.js';

/** `cudaLaunchKernel_v7000` → `cudaLaunchKernel`; also drops `_ptsz`/`_ptds` per-thread-stream suffixes. */
export function stripApiSuffix(name: string): string {
  return name.replace(/_v\d+$/, '').replace(/_pt(sz|ds)$/, '');
}

export function nameOf(model: ProfileModel, id: number): string {
  return id >= 0 && id < model.strings.length ? model.strings[id]! : '';
}

/** `clean` of the interned name with an id, computed once per string table and id. */
function memoizedName(clean: (name: string) => string): (model: ProfileModel, id: number) => string {
  const cache = new WeakMap<ProfileModel['strings'], Map<number, string>>();
  return (model, id) => {
    let m = cache.get(model.strings);
    if (!m) cache.set(model.strings, (m = new Map()));
    let s = m.get(id);
    if (s === undefined) m.set(id, (s = clean(nameOf(model, id))));
    return s;
  };
}

/** Interned name with the API version suffix stripped (memoized per string id). */
export const apiName = memoizedName(stripApiSuffix);

/** PyTorch's emit_nvtx appends ", seq = N, op_id = N, sizes = [...]" to op names: the op name alone. */
export function stripRangeArgs(text: string): string {
  const m = /^(.+?), (?:seq|op_id|sizes|input_op_ids|stream|stack)\s*=/.exec(text);
  return m ? m[1]! : text;
}

/** NVTX range text by string id without per-call arguments (memoized per string id), for aggregation by name. */
export const rangeLabel = memoizedName(stripRangeArgs);

/**
 * A per-string-id flag (1/0) for the names matching `test`, computed lazily: only the ids actually
 * looked up are tested, so a large string table costs nothing up front.
 */
export function nameFlags(model: ProfileModel, test: (name: string) => boolean): (id: number) => boolean {
  const flags = new Int8Array(model.strings.length); // 0 unknown, 1 yes, 2 no
  return (id: number) => {
    if (id < 0 || id >= flags.length) return false;
    let f = flags[id]!;
    if (f === 0) flags[id] = f = test(model.strings[id]!) ? 1 : 2;
    return f === 1;
  };
}
