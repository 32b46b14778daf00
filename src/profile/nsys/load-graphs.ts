// CUDA graph replays traced at graph level (nsys 2025.5+ CUPTI_ACTIVITY_KIND_GRAPH_TRACE): one row per
// cudaGraphLaunch with its device, stream, graphId, graphExecId and the launch's correlation id. Kernels inside
// the graph are then not traced one by one; when they are, they carry the launch's correlation id instead.
import type { GraphTraceTable } from '../../core/profile.js';
import { emptyTable, GRAPH_TRACE_COLUMNS } from '../../core/tables.js';
import { pidExpr, type LoadContext } from './context.js';
import { colOf, loadTable } from './load-table.js';
import { T } from './schema.js';

export function loadGraphTrace(ctx: LoadContext): GraphTraceTable {
  const t = T.graphTrace;
  if (!ctx.schema.has(t)) return emptyTable(GRAPH_TRACE_COLUMNS) as GraphTraceTable;
  return loadTable(ctx, t, GRAPH_TRACE_COLUMNS, {
    start: '"start"',
    end: 'COALESCE("end", "start")',
    deviceId: colOf(ctx, t, 'deviceId'),
    streamId: colOf(ctx, t, 'streamId'),
    pid: `COALESCE(${pidExpr(ctx.schema, t)}, -1)`,
    correlationId: colOf(ctx, t, 'correlationId', '-1'),
    graphId: colOf(ctx, t, 'graphId', '-1'),
    graphExecId: colOf(ctx, t, 'graphExecId', '-1'),
  }, { orderBy: '"start"' }) as GraphTraceTable;
}
