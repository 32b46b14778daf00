// Query arguments as they come from the CLI (strings) or from code (numbers).
import { UserError } from '../../../core/errors.js';

export function numArg(args: Record<string, unknown>, name: string, dflt: number): number {
  const v = args[name];
  if (v === undefined || v === null || v === '') return dflt;
  const n = typeof v === 'number' ? v : Number(v);
  if (!Number.isFinite(n)) throw new UserError(`--${kebab(name)} must be a number, got "${String(v)}"`);
  return n;
}

export function intArg(args: Record<string, unknown>, name: string, dflt: number, min = 0): number {
  const n = numArg(args, name, dflt);
  if (!Number.isInteger(n) || n < min) throw new UserError(`--${kebab(name)} must be an integer >= ${min}, got "${String(args[name])}"`);
  return n;
}

export function strArg(args: Record<string, unknown>, name: string): string | undefined {
  const v = args[name];
  return v === undefined || v === null || v === '' ? undefined : String(v);
}

export function kebab(name: string): string {
  return name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`);
}

/** The `limit` parameter every query takes. */
export const LIMIT_PARAM = { name: 'limit', type: 'number', description: 'maximum rows returned', default: 20 } as const;
