// Every profile query, usable on its own: the analyzer, the CLI (`sysight tool`), the worker and the
// LLM tool registry all go through this list. One entry per query module.
import type { ProfileModel } from '../../core/profile.js';

export interface QueryParam {
  name: string;
  type: 'number' | 'string' | 'boolean';
  description: string;
  default?: number | string | boolean;
}

export interface QueryDef<R = unknown> {
  /** CLI name, e.g. "top-kernels" */
  name: string;
  description: string;
  params: QueryParam[];
  run(model: ProfileModel, args: Record<string, unknown>): R;
  /** a readable table / text for the terminal */
  format(result: R, model: ProfileModel): string;
}

export const QUERIES: QueryDef[] = [];

export function findQuery(name: string): QueryDef | undefined {
  return QUERIES.find((q) => q.name === name);
}
