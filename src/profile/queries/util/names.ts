// Names: string ids to text, API suffixes and NVTX arguments stripped, memoized flags per string id.
import type { ProfileModel } from '../../../core/profile.js';

/** `cudaLaunchKernel_v7000` → `cudaLaunchKernel`; also drops `_ptsz`/`_ptds` per-thread-stream suffixes. */
export function stripApiSuffix(name: string): string {
  return name.replace(/_v\d+$/, '').replace(/_pt(sz|ds)$/, '');
}

export function nameOf(model: ProfileModel, id: number): string {
  return id >= 0 && id < model.strings.length ? model.strings[id]! : '';
}

const strippedCache = new WeakMap<ProfileModel['strings'], Map<number, string>>();
/** Interned name with the API version suffix stripped (memoized per string id). */
export function apiName(model: ProfileModel, id: number): string {
  let m = strippedCache.get(model.strings);
  if (!m) strippedCache.set(model.strings, (m = new Map()));
  let s = m.get(id);
  if (s === undefined) m.set(id, (s = stripApiSuffix(nameOf(model, id))));
  return s;
}

/** PyTorch's emit_nvtx appends ", seq = N, op_id = N, sizes = [...]" to op names: the op name alone. */
export function stripRangeArgs(text: string): string {
  const m = /^(.+?), (?:seq|op_id|sizes|input_op_ids|stream|stack)\s*=/.exec(text);
  return m ? m[1]! : text;
}

const labelCache = new WeakMap<ProfileModel['strings'], Map<number, string>>();
/** NVTX range text by string id without per-call arguments (memoized per string id), for aggregation by name. */
export function rangeLabel(model: ProfileModel, id: number): string {
  let m = labelCache.get(model.strings);
  if (!m) labelCache.set(model.strings, (m = new Map()));
  let s = m.get(id);
  if (s === undefined) m.set(id, (s = stripRangeArgs(nameOf(model, id))));
  return s;
}

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
