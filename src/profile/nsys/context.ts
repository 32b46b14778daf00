// Shared state of one nsys load: the database, its schema, string-id remapping, enum mappings, progress,
// cancellation, and the growable typed columns the table loaders fill.
import { CancelledError } from '../../core/errors.js';
import { CopyKind, MemKind, SyncKind } from '../../core/profile.js';
import type { StringInterner } from '../../core/tables.js';
import type { TableSink } from '../reader-types.js';
import { readEnum, T } from './schema.js';
import type { NsysSchema } from './schema.js';
import type { SqliteSource } from './sqlite.js';

/** How often (in rows) loops look at the abort signal. */
export const CHECK_EVERY = 0x10000;

export interface LoadContext {
  db: SqliteSource;
  schema: NsysSchema;
  strings: StringResolver;
  interner: StringInterner;
  enums: EnumMaps;
  signal?: AbortSignal;
  /** rows loaded so far (drives progress) */
  progressRows(rows: number): void;
  /** widen the profile's time span */
  span: { min: number; max: number };
  notes: string[];
  /** the profile cache entry being built, when the big tables are streamed there (see ./stream.ts) */
  sink?: TableSink | undefined;
  /** rows of each model table streamed to the sink */
  streamed: Map<string, number>;
}

export function checkAbort(signal: AbortSignal | undefined): void {
  if (signal?.aborted) throw new CancelledError();
}

/** SQL for a column if the table has it, else the fallback literal. */
export function colOr(schema: NsysSchema, table: string, column: string, fallback: string): string {
  return schema.col(table, column) ? `"${column}"` : fallback;
}

/** pid / tid decoded in SQL (64-bit integer arithmetic there; the ids exceed 2^53 when hw/vm bits are set). */
export function pidExpr(schema: NsysSchema, table: string): string {
  if (schema.col(table, 'globalPid')) return '(("globalPid" >> 24) & 16777215)';
  if (schema.col(table, 'globalTid')) return '(("globalTid" >> 24) & 16777215)';
  return '-1';
}
export function tidExpr(schema: NsysSchema, table: string): string {
  return schema.col(table, 'globalTid') ? '("globalTid" & 16777215)' : '0';
}

/** StringIds ids → ids in the model's StringInterner. */
export class StringResolver {
  private dense: Int32Array | undefined;
  private sparse: Map<number, number> | undefined;
  /** raw StringIds text by remapped id is interner.strings */

  constructor(private readonly interner: StringInterner) {}

  load(db: SqliteSource, schema: NsysSchema, signal?: AbortSignal): number {
    if (!schema.col(T.strings, 'id') || !schema.col(T.strings, 'value')) return 0;
    const bounds = db.all(`SELECT min(id), max(id), count(*) FROM ${T.strings}`)[0] ?? [];
    const [minId, maxId, count] = bounds.map((v) => (typeof v === 'number' ? v : 0)) as [number, number, number];
    const useDense = minId >= 0 && maxId < 4 * count + (1 << 20);
    if (useDense) this.dense = new Int32Array(maxId + 1);
    else this.sparse = new Map();
    const cur = db.query(`SELECT id, value FROM ${T.strings}`);
    let n = 0;
    try {
      while (cur.step()) {
        if ((++n & (CHECK_EVERY - 1)) === 0) checkAbort(signal);
        const id = cur.num(0);
        const mapped = this.interner.intern(cur.text(1) ?? '');
        if (this.dense) this.dense[id] = mapped;
        else this.sparse!.set(id, mapped);
      }
    } finally {
      cur.free();
    }
    return n;
  }

  /** remapped id; unknown or missing ids map to 0 (the empty string) */
  id(raw: number): number {
    if (this.dense) return raw >= 0 && raw < this.dense.length ? this.dense[raw]! : 0;
    return this.sparse?.get(raw) ?? 0;
  }

  text(raw: number): string {
    return this.interner.strings[this.id(raw)] ?? '';
  }
}

/** Lookups from nsys enum ids to the model's normalized enums (256 entries; other ids → Unknown). */
export interface EnumMaps {
  copyKind: Uint8Array;
  memKind: Uint8Array;
  syncKind: Uint8Array;
  nvtx: { pushPop: number; startEnd: number; mark: number; domainCreate: number };
}

// Documented numeric values, used when an export has no ENUM tables (nsys 2022.1 and hand-built files).
const COPY_DEFAULT: Record<number, CopyKind> = {
  1: CopyKind.HtoD, 2: CopyKind.DtoH, 3: CopyKind.HtoD, 4: CopyKind.DtoH, 5: CopyKind.DtoD, 6: CopyKind.DtoD,
  7: CopyKind.DtoD, 8: CopyKind.DtoD, 9: CopyKind.HtoH, 10: CopyKind.PtoP, 11: CopyKind.HtoD, 12: CopyKind.DtoH,
  13: CopyKind.DtoD,
};
const COPY_BY_SUFFIX: Record<string, CopyKind> = {
  HTOD: CopyKind.HtoD, DTOH: CopyKind.DtoH, HTOA: CopyKind.HtoD, ATOH: CopyKind.DtoH, ATOA: CopyKind.DtoD,
  ATOD: CopyKind.DtoD, DTOA: CopyKind.DtoD, DTOD: CopyKind.DtoD, HTOH: CopyKind.HtoH, PTOP: CopyKind.PtoP,
};
const MEM_DEFAULT: Record<number, MemKind> = {
  0: MemKind.Pageable, 1: MemKind.Pinned, 2: MemKind.Device, 3: MemKind.Array, 4: MemKind.Managed,
  5: MemKind.Device, 6: MemKind.Managed, 7: MemKind.Unknown,
};
const MEM_BY_SUFFIX: [string, MemKind][] = [
  ['DEVICE_STATIC', MemKind.Device], ['MANAGED_STATIC', MemKind.Managed], ['PAGEABLE', MemKind.Pageable],
  ['PINNED', MemKind.Pinned], ['DEVICE', MemKind.Device], ['ARRAY', MemKind.Array], ['MANAGED', MemKind.Managed],
];
const SYNC_DEFAULT: Record<number, SyncKind> = {
  1: SyncKind.Event, 2: SyncKind.StreamWaitEvent, 3: SyncKind.Stream, 4: SyncKind.Context,
};
const SYNC_BY_SUFFIX: [string, SyncKind][] = [
  ['EVENT_SYNCHRONIZE', SyncKind.Event], ['STREAM_WAIT_EVENT', SyncKind.StreamWaitEvent],
  ['STREAM_SYNCHRONIZE', SyncKind.Stream], ['CONTEXT_SYNCHRONIZE', SyncKind.Context],
];

function table(defaults: Record<number, number>, fromFile: Map<string, number> | undefined,
  classify: (name: string) => number | undefined): Uint8Array {
  const out = new Uint8Array(256);
  if (!fromFile) {
    for (const [k, v] of Object.entries(defaults)) out[Number(k)] = v;
    return out;
  }
  for (const [name, id] of fromFile) {
    const v = classify(name);
    if (v !== undefined && id >= 0 && id < 256) out[id] = v;
  }
  return out;
}

export function buildEnumMaps(db: SqliteSource, schema: NsysSchema): EnumMaps {
  const copy = readEnum(db, schema, 'ENUM_CUDA_MEMCPY_OPER');
  const mem = readEnum(db, schema, 'ENUM_CUDA_MEM_KIND');
  const sync = readEnum(db, schema, 'ENUM_CUPTI_SYNC_TYPE');
  const ev = readEnum(db, schema, 'ENUM_NSYS_EVENT_TYPE');
  return {
    copyKind: table(COPY_DEFAULT, copy, (n) => COPY_BY_SUFFIX[n.split('_').pop() ?? '']),
    memKind: table(MEM_DEFAULT, mem, (n) => MEM_BY_SUFFIX.find(([s]) => n.endsWith(s))?.[1]),
    syncKind: table(SYNC_DEFAULT, sync, (n) => SYNC_BY_SUFFIX.find(([s]) => n.endsWith(s))?.[1]),
    nvtx: {
      pushPop: ev?.get('NvtxPushPopRange') ?? 59,
      startEnd: ev?.get('NvtxStartEndRange') ?? 60,
      mark: ev?.get('NvtxMark') ?? 34,
      domainCreate: ev?.get('NvtxDomainCreate') ?? 75,
    },
  };
}

export function enumOf(map: Uint8Array, raw: number): number {
  return raw >= 0 && raw < 256 ? map[raw]! : 0;
}
