// Every profile query, usable on its own: the analyzer, the CLI (`sysight tool`), the worker and the
// LLM tool registry all go through this list. One entry per query module.
import type { ProfileModel } from '../../core/profile.js';
import { callchainQuery } from './callchain.js';
import { gapsQuery } from './gaps.js';
import { graphsQuery } from '../graphs/query.js';
import { iterationsQuery } from './iterations.js';
import { launchQuery } from './launch.js';
import { memcpyQuery } from './memcpy.js';
import { mfuQuery } from './mfu.js';
import { ncclQuery } from './nccl.js';
import { nvtxQuery } from './nvtx.js';
import { sliceDetailsQuery } from './slice-details.js';
import { stepsQuery } from './steps.js';
import { summaryQuery } from './summary.js';
import { syncQuery } from './sync.js';
import { timelineTilesQuery } from './timeline.js';
import { timelineSearchQuery } from './timeline-search.js';
import { topKernelsQuery } from './top-kernels.js';
import { utilizationQuery } from './utilization.js';

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

export const QUERIES: QueryDef[] = [
  summaryQuery, topKernelsQuery, gapsQuery, utilizationQuery, launchQuery, syncQuery, memcpyQuery, ncclQuery,
  nvtxQuery, iterationsQuery, callchainQuery, stepsQuery, mfuQuery, timelineTilesQuery,
  sliceDetailsQuery, timelineSearchQuery, graphsQuery,
] as QueryDef[];

export function findQuery(name: string): QueryDef | undefined {
  return QUERIES.find((q) => q.name === name);
}
