// CUDA graph replays traced at graph level (nsys 2025.5+ CUPTI_ACTIVITY_KIND_GRAPH_TRACE): one row per
// cudaGraphLaunch with its device, stream, graphId, graphExecId and the launch's correlation id. Kernels inside
// the graph are then not traced one by one; when they are, they carry the launch's correlation id instead.
import type { GraphTraceTable } from '../../core/profile.js';
import { emptyTable, GRAPH_TRACE_COLUMNS } from '../../core/tables.js';
import { Columns } from './columns.js';
import { colOr, pidExpr } from './context.js';
import type { LoadContext } from './context.js';
import { T } from './schema.js';
import { scan, widenSpan } from './scan.js';

export function loadGraphTrace(ctx: LoadContext): GraphTraceTable {
  const { schema } = ctx;
  const t = T.graphTrace;
  if (!schema.has(t)) return emptyTable(GRAPH_TRACE_COLUMNS) as GraphTraceTable;
  const c = (name: string, fb = '0') => `COALESCE(${colOr(schema, t, name, fb)}, ${fb})`;
  const sql = `SELECT "start", COALESCE("end", "start"), ${c('deviceId')}, ${c('streamId')}, COALESCE(${pidExpr(schema, t)}, -1),
    ${c('correlationId', '-1')}, ${c('graphId', '-1')}, ${c('graphExecId', '-1')} FROM ${t} ORDER BY "start"`;
  const cols = new Columns(GRAPH_TRACE_COLUMNS, schema.rows(t));
  scan(ctx, sql, (r) => {
    const i = cols.next();
    const g = cols.c;
    g.start[i] = r.num(0);
    g.end[i] = r.num(1);
    g.deviceId[i] = r.num(2);
    g.streamId[i] = r.num(3);
    g.pid[i] = r.num(4);
    g.correlationId[i] = r.num(5);
    g.graphId[i] = r.num(6);
    g.graphExecId[i] = r.num(7);
  });
  const out = cols.build() as GraphTraceTable;
  widenSpan(ctx, out.start, out.end, out.length);
  return out;
}
