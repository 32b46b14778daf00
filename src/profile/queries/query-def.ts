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
  /**
   * Set when the result is plain JSON that depends only on the profile and the arguments and prints without the
   * model: the CLI then keeps it in the profile's cache entry (../cache/results.ts) and answers the next run of
   * the same query on the unchanged file from there, without reading the model.
   */
  formatCached?(result: R): string;
}
