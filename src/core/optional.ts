/**
 * `{ [key]: value }` when value is defined, `{}` otherwise: spread it into an object literal whose type declares
 * `key?: V` (with exactOptionalPropertyTypes an optional property may be absent but never `undefined`).
 */
export function optional<K extends string, V>(key: K, value: V | undefined): Partial<Record<K, V>> {
  return value === undefined ? {} : ({ [key]: value } as Record<K, V>);
}
