// GPU-side activity tables: kernels, memcpy, memset, synchronization, each declared as one column map (the
// SQL each model column is read from, and its decode) and loaded by loadTable in one pass.
import type { KernelTable, MemcpyTable, MemsetTable, SyncTable } from '../../core/profile.js';
import { emptyTable, KERNEL_COLUMNS, MEMCPY_COLUMNS, MEMSET_COLUMNS, SYNC_COLUMNS } from '../../core/tables.js';
import { enumOf, pidExpr, tidExpr } from './context.js';
import type { LoadContext } from './context.js';
import { colOf, loadTable } from './load-table.js';
import { T } from './schema.js';

/** start, end (a missing end is the start), device, stream and pid: the columns every GPU activity has. */
function placed(ctx: LoadContext, t: string) {
  return {
    start: '"start"', end: 'COALESCE("end", "start")', deviceId: colOf(ctx, t, 'deviceId'), streamId: colOf(ctx, t, 'streamId'),
    pid: `COALESCE(${pidExpr(ctx.schema, t)}, -1)`,
  };
}

/** Kernels; streamed to the cache entry with `stream` (see ./stream.ts). */
export function loadKernels(ctx: LoadContext, stream = false): KernelTable {
  const { schema } = ctx;
  const t = T.kernel;
  if (!schema.has(t)) return emptyTable(KERNEL_COLUMNS) as KernelTable;
  const c = (name: string, fb?: string) => colOf(ctx, t, name, fb);
  const str = (raw: number) => ctx.strings.id(raw);
  const shortName = schema.col(t, 'shortName') ? 'shortName' : schema.col(t, 'demangledName') ? 'demangledName' : undefined;
  const short = shortName ? c(shortName, '-1') : '-1';
  // the full (demangled) name, else the short one
  const full = schema.col(t, 'demangledName') ? `CASE WHEN ${c('demangledName', '-1')} >= 0 THEN ${c('demangledName', '-1')} ELSE ${short} END` : short;
  const shared = schema.col(t, 'staticSharedMemory') || schema.col(t, 'dynamicSharedMemory')
    ? `${c('staticSharedMemory')} + ${c('dynamicSharedMemory')}`
    : c('sharedMemoryExecuted');
  return loadTable(ctx, t, KERNEL_COLUMNS, {
    ...placed(ctx, t),
    nameId: { sql: short, decode: str }, fullNameId: { sql: full, decode: str }, correlationId: c('correlationId', '-1'),
    gridX: c('gridX'), gridY: c('gridY'), gridZ: c('gridZ'), blockX: c('blockX'), blockY: c('blockY'), blockZ: c('blockZ'),
    registersPerThread: c('registersPerThread'), sharedMemoryBytes: shared,
  }, stream ? { streamAs: 'kernels' } : {}) as KernelTable;
}

export function loadMemcpy(ctx: LoadContext): MemcpyTable {
  const t = T.memcpy;
  if (!ctx.schema.has(t)) return emptyTable(MEMCPY_COLUMNS) as MemcpyTable;
  const c = (name: string, fb?: string) => colOf(ctx, t, name, fb);
  const { copyKind, memKind } = ctx.enums;
  const mem = (raw: number) => enumOf(memKind, raw);
  return loadTable(ctx, t, MEMCPY_COLUMNS, {
    ...placed(ctx, t),
    copyKind: { sql: c('copyKind'), decode: (raw) => enumOf(copyKind, raw) },
    srcKind: { sql: c('srcKind', '-1'), decode: mem }, dstKind: { sql: c('dstKind', '-1'), decode: mem },
    bytes: c('bytes'), correlationId: c('correlationId', '-1'),
  }, { streamAs: 'memcpy' }) as MemcpyTable;
}

export function loadMemset(ctx: LoadContext): MemsetTable {
  const t = T.memset;
  if (!ctx.schema.has(t)) return emptyTable(MEMSET_COLUMNS) as MemsetTable;
  return loadTable(ctx, t, MEMSET_COLUMNS, {
    ...placed(ctx, t), bytes: colOf(ctx, t, 'bytes'), correlationId: colOf(ctx, t, 'correlationId', '-1'),
  }, { streamAs: 'memset' }) as MemsetTable;
}

/** Synchronization rows; `tid` is filled later from the runtime call with the same correlation id. */
export function loadSync(ctx: LoadContext): SyncTable {
  const t = T.sync;
  if (!ctx.schema.has(t)) return emptyTable(SYNC_COLUMNS) as SyncTable;
  const { syncKind } = ctx.enums;
  return loadTable(ctx, t, SYNC_COLUMNS, {
    ...placed(ctx, t), tid: tidExpr(ctx.schema, t),
    syncKind: { sql: colOf(ctx, t, 'syncType'), decode: (raw) => enumOf(syncKind, raw) }, correlationId: colOf(ctx, t, 'correlationId', '-1'),
  }) as SyncTable;
}
