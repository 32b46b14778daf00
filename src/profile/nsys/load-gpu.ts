// GPU-side activity tables: kernels, memcpy, memset, synchronization. One pass each, only the needed columns,
// ids and 64-bit decodes done in SQL, rows written straight into typed columns.
import type { KernelTable, MemcpyTable, MemsetTable, SyncTable } from '../../core/profile.js';
import { emptyTable, KERNEL_COLUMNS, MEMCPY_COLUMNS, MEMSET_COLUMNS, SYNC_COLUMNS } from '../../core/tables.js';
import { Columns } from './columns.js';
import { colOr, enumOf, pidExpr, tidExpr } from './context.js';
import type { LoadContext } from './context.js';
import { T } from './schema.js';
import { scan, widenSpan } from './scan.js';

export function loadKernels(ctx: LoadContext): KernelTable {
  const { schema } = ctx;
  const t = T.kernel;
  if (!schema.has(t)) return emptyTable(KERNEL_COLUMNS) as KernelTable;
  const c = (name: string, fb = '0') => `COALESCE(${colOr(schema, t, name, fb)}, ${fb})`;
  const shortName = schema.col(t, 'shortName') ? 'shortName' : schema.col(t, 'demangledName') ? 'demangledName' : undefined;
  const fullName = schema.col(t, 'demangledName') ? 'demangledName' : shortName;
  const shared = schema.col(t, 'staticSharedMemory') || schema.col(t, 'dynamicSharedMemory')
    ? `${c('staticSharedMemory')} + ${c('dynamicSharedMemory')}`
    : c('sharedMemoryExecuted');
  const sql = `SELECT "start", COALESCE("end", "start"), ${c('deviceId')}, ${c('streamId')}, COALESCE(${pidExpr(schema, t)}, -1),
    ${shortName ? c(shortName, '-1') : '-1'}, ${fullName ? c(fullName, '-1') : '-1'}, ${c('correlationId', '-1')},
    ${c('gridX')}, ${c('gridY')}, ${c('gridZ')}, ${c('blockX')}, ${c('blockY')}, ${c('blockZ')},
    ${c('registersPerThread')}, ${shared}
    FROM ${t}`;
  const cols = new Columns(KERNEL_COLUMNS, schema.rows(t));
  const s = ctx.strings;
  scan(ctx, sql, (r) => {
    const i = cols.next();
    const k = cols.c;
    k.start[i] = r.num(0);
    k.end[i] = r.num(1);
    k.deviceId[i] = r.num(2);
    k.streamId[i] = r.num(3);
    k.pid[i] = r.num(4);
    const nameId = s.id(r.num(5));
    k.nameId[i] = nameId;
    const full = r.num(6);
    k.fullNameId[i] = full >= 0 ? s.id(full) : nameId;
    k.correlationId[i] = r.num(7);
    k.gridX[i] = r.num(8);
    k.gridY[i] = r.num(9);
    k.gridZ[i] = r.num(10);
    k.blockX[i] = r.num(11);
    k.blockY[i] = r.num(12);
    k.blockZ[i] = r.num(13);
    k.registersPerThread[i] = r.num(14);
    k.sharedMemoryBytes[i] = r.num(15);
  });
  const out = cols.build() as KernelTable;
  widenSpan(ctx, out.start, out.end, out.length);
  return out;
}

export function loadMemcpy(ctx: LoadContext): MemcpyTable {
  const { schema } = ctx;
  const t = T.memcpy;
  if (!schema.has(t)) return emptyTable(MEMCPY_COLUMNS) as MemcpyTable;
  const c = (name: string, fb = '0') => `COALESCE(${colOr(schema, t, name, fb)}, ${fb})`;
  const sql = `SELECT "start", COALESCE("end", "start"), ${c('deviceId')}, ${c('streamId')}, COALESCE(${pidExpr(schema, t)}, -1),
    ${c('copyKind')}, ${c('srcKind', '-1')}, ${c('dstKind', '-1')}, ${c('bytes')}, ${c('correlationId', '-1')}
    FROM ${t}`;
  const cols = new Columns(MEMCPY_COLUMNS, schema.rows(t));
  const { copyKind, memKind } = ctx.enums;
  scan(ctx, sql, (r) => {
    const i = cols.next();
    const m = cols.c;
    m.start[i] = r.num(0);
    m.end[i] = r.num(1);
    m.deviceId[i] = r.num(2);
    m.streamId[i] = r.num(3);
    m.pid[i] = r.num(4);
    m.copyKind[i] = enumOf(copyKind, r.num(5));
    m.srcKind[i] = enumOf(memKind, r.num(6));
    m.dstKind[i] = enumOf(memKind, r.num(7));
    m.bytes[i] = r.num(8);
    m.correlationId[i] = r.num(9);
  });
  const out = cols.build() as MemcpyTable;
  widenSpan(ctx, out.start, out.end, out.length);
  return out;
}

export function loadMemset(ctx: LoadContext): MemsetTable {
  const { schema } = ctx;
  const t = T.memset;
  if (!schema.has(t)) return emptyTable(MEMSET_COLUMNS) as MemsetTable;
  const c = (name: string, fb = '0') => `COALESCE(${colOr(schema, t, name, fb)}, ${fb})`;
  const sql = `SELECT "start", COALESCE("end", "start"), ${c('deviceId')}, ${c('streamId')}, COALESCE(${pidExpr(schema, t)}, -1),
    ${c('bytes')}, ${c('correlationId', '-1')} FROM ${t}`;
  const cols = new Columns(MEMSET_COLUMNS, schema.rows(t));
  scan(ctx, sql, (r) => {
    const i = cols.next();
    const m = cols.c;
    m.start[i] = r.num(0);
    m.end[i] = r.num(1);
    m.deviceId[i] = r.num(2);
    m.streamId[i] = r.num(3);
    m.pid[i] = r.num(4);
    m.bytes[i] = r.num(5);
    m.correlationId[i] = r.num(6);
  });
  const out = cols.build() as MemsetTable;
  widenSpan(ctx, out.start, out.end, out.length);
  return out;
}

/** Synchronization rows; `tid` is filled later from the runtime call with the same correlation id. */
export function loadSync(ctx: LoadContext): SyncTable {
  const { schema } = ctx;
  const t = T.sync;
  if (!schema.has(t)) return emptyTable(SYNC_COLUMNS) as SyncTable;
  const c = (name: string, fb = '0') => `COALESCE(${colOr(schema, t, name, fb)}, ${fb})`;
  const sql = `SELECT "start", COALESCE("end", "start"), COALESCE(${pidExpr(schema, t)}, -1), ${tidExpr(schema, t)},
    ${c('deviceId')}, ${c('streamId')}, ${c('syncType')}, ${c('correlationId', '-1')} FROM ${t}`;
  const cols = new Columns(SYNC_COLUMNS, schema.rows(t));
  const { syncKind } = ctx.enums;
  scan(ctx, sql, (r) => {
    const i = cols.next();
    const m = cols.c;
    m.start[i] = r.num(0);
    m.end[i] = r.num(1);
    m.pid[i] = r.num(2);
    m.tid[i] = r.num(3);
    m.deviceId[i] = r.num(4);
    m.streamId[i] = r.num(5);
    m.syncKind[i] = enumOf(syncKind, r.num(6));
    m.correlationId[i] = r.num(7);
  });
  const out = cols.build() as SyncTable;
  widenSpan(ctx, out.start, out.end, out.length);
  return out;
}
