// What a profile query is (the registry lists them; each query module declares its own).
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
