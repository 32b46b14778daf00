// Every profile query, usable on its own: the analyzer, the CLI (`sysight tool`), the worker and the
// LLM tool registry all go through these lists. One entry per query module.
import { callchainQuery } from './callchain.js';
import { gapsQuery } from './gaps.js';
import { gpuTimeQuery } from './gpu-time.js';
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
import type { QueryDef } from './query-def.js';

export type { QueryDef, QueryParam } from './query-def.js';

/** The queries offered as LLM tools (src/agent/tools.ts): a new one changes the tool list and with it every recorded analyze transcript. */
export const QUERIES: QueryDef[] = [
  summaryQuery, topKernelsQuery, gapsQuery, utilizationQuery, launchQuery, syncQuery, memcpyQuery, ncclQuery,
  nvtxQuery, iterationsQuery, callchainQuery, stepsQuery, mfuQuery, timelineTilesQuery,
  sliceDetailsQuery, timelineSearchQuery, graphsQuery,
] as QueryDef[];

/** Every query: the LLM tools and those only the CLI (`sysight tool`) and the profile worker answer. */
export const ALL_QUERIES: QueryDef[] = [...QUERIES, gpuTimeQuery as QueryDef];

export function findQuery(name: string): QueryDef | undefined {
  return ALL_QUERIES.find((q) => q.name === name);
}
