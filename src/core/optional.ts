/**
 * `{ [key]: value }` when value is defined, `{}` otherwise: spread it into an object literal whose type declares
 * `key?: V` (with exactOptionalPropertyTypes an optional property may be absent but never `undefined`).
 */
export function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}

/**
 * The properties of `o` that are defined, the others left out: one spread instead of a conditional spread per
 * optional property (`...(x !== undefined ? { x } : {})`) where an options object is passed on.
 */
export function definedProps<T extends object>(o: T): { [K in keyof T]?: Exclude<T[K], undefined> } {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as { [K in keyof T]?: Exclude<T[K], undefined> };
}
