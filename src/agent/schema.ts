// A small JSON-schema validator for the subset the agent uses: type (object, array, string, number,
// integer, boolean, null, or a list), properties, required, additionalProperties: false, items, enum,
// minimum/maximum, minLength/maxLength, minItems/maxItems. Returns the first few errors with their paths.
import type { JsonSchema } from './types.js';

/**
 * An object schema that allows no other keys: the shape of every tool's arguments and every stage's answer.
 * `required` lists the keys that must be present (none when omitted).
 */
export function closedObject(properties: Record<string, JsonSchema>, required?: readonly string[]): JsonSchema {
  return { type: 'object', properties, ...(required ? { required } : {}), additionalProperties: false };
}

function typeOf(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'array';
  if (typeof v === 'number') return Number.isInteger(v) ? 'integer' : 'number';
  return typeof v;
}

function matchesType(v: unknown, t: string): boolean {
  const actual = typeOf(v);
  return actual === t || (t === 'number' && actual === 'integer');
}

export function validate(schema: JsonSchema, value: unknown, path = '$', errors: string[] = []): string[] {
  if (errors.length >= 5) return errors;
  const s = schema as Record<string, unknown>;
  if (s.type !== undefined) {
    const types = Array.isArray(s.type) ? (s.type as string[]) : [s.type as string];
    if (!types.some((t) => matchesType(value, t))) {
      errors.push(`${path}: expected ${types.join(' or ')}, got ${typeOf(value)}`);
      return errors;
    }
  }
  if (Array.isArray(s.enum) && !s.enum.some((e) => e === value)) errors.push(`${path}: must be one of ${s.enum.map((e) => JSON.stringify(e)).join(', ')}`);
  if (typeof value === 'number') {
    if (typeof s.minimum === 'number' && value < s.minimum) errors.push(`${path}: must be ≥ ${s.minimum}`);
    if (typeof s.maximum === 'number' && value > s.maximum) errors.push(`${path}: must be ≤ ${s.maximum}`);
  }
  if (typeof value === 'string') {
    if (typeof s.minLength === 'number' && value.length < s.minLength) errors.push(`${path}: shorter than ${s.minLength}`);
    if (typeof s.maxLength === 'number' && value.length > s.maxLength) errors.push(`${path}: longer than ${s.maxLength}`);
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && value.length < s.minItems) errors.push(`${path}: fewer than ${s.minItems} items`);
    if (typeof s.maxItems === 'number' && value.length > s.maxItems) errors.push(`${path}: more than ${s.maxItems} items`);
    if (s.items && typeof s.items === 'object') value.forEach((v, i) => validate(s.items as JsonSchema, v, `${path}[${i}]`, errors));
  }
  if (value && typeof value === 'object' && !Array.isArray(value)) {
    const o = value as Record<string, unknown>;
    const props = (s.properties ?? {}) as Record<string, JsonSchema>;
    for (const r of (s.required ?? []) as string[]) if (o[r] === undefined) errors.push(`${path}.${r}: required`);
    for (const [k, v] of Object.entries(o)) {
      if (props[k]) validate(props[k]!, v, `${path}.${k}`, errors);
      else if (s.additionalProperties === false) errors.push(`${path}.${k}: not allowed`);
    }
  }
  return errors.slice(0, 5);
}

/** The first JSON object or array in a model's answer (bare, or inside a ``` fence). */
export function extractJson(text: string): { value: unknown } | { error: string } {
  const fence = /```(?:json)?\s*\n([\s\S]*?)```/.exec(text);
  const candidates = fence ? [fence[1]!, text] : [text];
  for (const c of candidates) {
    const t = c.trim();
    try {
      return { value: JSON.parse(t) as unknown };
    } catch {
      const start = t.search(/[{[]/);
      if (start < 0) continue;
      const open = t[start]!;
      const end = t.lastIndexOf(open === '{' ? '}' : ']');
      if (end <= start) continue;
      try {
        return { value: JSON.parse(t.slice(start, end + 1)) as unknown };
      } catch {
        /* try the next candidate */
      }
    }
  }
  return { error: 'the answer contains no JSON value' };
}
