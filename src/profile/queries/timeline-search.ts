// timeline-search: kernels (short or full name), NVTX ranges, CPU ops and Python functions whose name contains a substring (case-insensitive),
// in time order from a start time, capped; each with its lane, table and row so the timeline can jump to it and
// ask for its details. The total number of matches is counted over the whole profile.
import { UserError } from '../../core/errors.js';
import type { ProfileModel } from '../../core/profile.js';
import { table as fmtTable } from './format.js';
import type { QueryDef } from './query-def.js';
import { OP_CPU, OP_NVTX, TABLE_NAMES, buildLanes, eventName, laneOfRow } from './timeline-lanes.js';
import type { LaunchedOp } from './slice-details.js';
import { LIMIT_PARAM, OP_KERNEL, intArg, nameFlags, numArg, round, startOrder, strArg } from './util.js';

/** a match: the same reference to one slice that slice-details returns for launched work */
export type SearchHit = LaunchedOp;

export interface SearchResult {
  query: string;
  /** matches in the whole profile, per table */
  total: number;
  kernels: number;
  nvtx: number;
  /** CPU ops and Python functions (Kineto) */
  cpu: number;
  /** the first `limit` matches starting at or after fromNs, ascending by start */
  hits: SearchHit[];
  /** true when more matches start after the last hit */
  truncated: boolean;
}

export interface SearchOptions {
  query: string;
  limit?: number;
  /** hits start at or after this time (default: the profile start); totals still cover the whole profile */
  fromNs?: number;
}

/** Matching rows of one table in time order from fromNs: the first `limit` of them and the count of all. */
function scan(
  start: Float64Array, ids: Int32Array[], length: number, match: (id: number) => boolean, fromNs: number, limit: number,
): { total: number; rows: number[]; more: boolean } {
  const order = startOrder(start);
  const [a, b] = [ids[0]!, ids[1]];
  let total = 0;
  const rows: number[] = [];
  let more = false;
  for (let i = 0; i < length; i++) {
    const r = order[i]!;
    if (!match(a[r]!) && !(b && match(b[r]!))) continue;
    total++;
    if (start[r]! < fromNs) continue;
    if (rows.length < limit) rows.push(r);
    else more = true;
  }
  return { total, rows, more };
}

export function timelineSearch(model: ProfileModel, opts: SearchOptions): SearchResult {
  const q = opts.query.trim().toLowerCase();
  if (!q) throw new UserError('the search text is empty');
  const limit = opts.limit ?? 100;
  const fromNs = opts.fromNs ?? -Infinity;
  const match = nameFlags(model, (name) => name.toLowerCase().includes(q));
  const k = model.kernels;
  const kh = scan(k.start, k.fullNameId === k.nameId ? [k.nameId] : [k.nameId, k.fullNameId], k.length, match, fromNs, limit);
  const nh = scan(model.nvtx.start, [model.nvtx.textId], model.nvtx.length, match, fromNs, limit);
  const ch = scan(model.cpu.start, [model.cpu.nameId], model.cpu.length, match, fromNs, limit);
  const lanes = buildLanes(model);
  const hit = (t: number, r: number, tb: { start: Float64Array; end: Float64Array }): SearchHit => ({
    table: TABLE_NAMES[t]!, row: r, lane: laneOfRow(model, t, r, lanes), name: eventName(model, t, r), startNs: tb.start[r]!, endNs: tb.end[r]!,
  });
  const all = [...kh.rows.map((r) => hit(OP_KERNEL, r, k)), ...nh.rows.map((r) => hit(OP_NVTX, r, model.nvtx)), ...ch.rows.map((r) => hit(OP_CPU, r, model.cpu))]
    .sort((a, b) => a.startNs - b.startNs || a.row - b.row);
  return {
    query: opts.query, total: kh.total + nh.total + ch.total, kernels: kh.total, nvtx: nh.total, cpu: ch.total,
    hits: all.slice(0, limit), truncated: kh.more || nh.more || ch.more || all.length > limit,
  };
}

export const timelineSearchQuery: QueryDef<SearchResult> = {
  name: 'timeline-search',
  description: 'Kernels, NVTX ranges, CPU ops and Python functions whose name contains a text (case-insensitive): count, and the first matches in time order with their lanes',
  params: [
    { ...LIMIT_PARAM, default: 100, description: 'matches returned' },
    { name: 'query', type: 'string', description: 'text to find in kernel, NVTX, CPU-op or Python-function names' },
    { name: 'fromNs', type: 'number', description: 'return matches starting at or after this time (ns)' },
  ],
  run: (model, args) => {
    const query = strArg(args, 'query');
    if (query === undefined) throw new UserError('timeline-search needs --query <text>');
    return timelineSearch(model, {
      query, limit: intArg(args, 'limit', 100, 1), ...(args.fromNs !== undefined ? { fromNs: numArg(args, 'fromNs', 0) } : {}),
    });
  },
  format: (r) => `${r.total} matches for "${r.query}" (${r.kernels} kernels, ${r.nvtx} NVTX ranges, ${r.cpu} CPU ops / Python functions)` +
    (r.truncated ? `; first ${r.hits.length} shown` : '') + '\n\n' +
    fmtTable(['start ms', 'µs', 'lane', 'name'], r.hits.map((h) => [round(h.startNs / 1e6, 3), round((h.endNs - h.startNs) / 1e3, 2), h.lane, h.name])),
};
