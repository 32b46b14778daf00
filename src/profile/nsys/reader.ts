// The Nsight Systems SQLite reader: probes the schema, loads every present table in one pass each into the
// columnar ProfileModel, and turns every SQLite complaint into one clear line for the user.
import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { NotAProfileError, UserError } from '../../core/errors.js';
import { SyncKind } from '../../core/profile.js';
import type { ProfileModel, StackFrame } from '../../core/profile.js';
import { API_COLUMNS, CPU_COLUMNS, emptyTable, KERNEL_COLUMNS, MEMCPY_COLUMNS, MEMSET_COLUMNS, OSCALL_COLUMNS, StringInterner } from '../../core/tables.js';
import type { ApiTable, CpuEventTable, KernelTable, MemcpyTable, MemsetTable, OsCallTable, SyncTable } from '../../core/profile.js';
import type { ProfileReader, ReadOptions } from '../reader-types.js';
import { framesInto, loadCallchains } from './callchains.js';
import { buildEnumMaps, checkAbort, StringResolver } from './context.js';
import type { LoadContext } from './context.js';
import { loadKernels, loadMemcpy, loadMemset, loadSync } from './load-gpu.js';
import { loadGraphTrace } from './load-graphs.js';
import { callchainRef, countOsrt, loadNvtx, loadOsrt, loadRuntime, OSRT_CALLCHAIN_BASE } from './load-cpu.js';
import type { RawCallchainRange } from './load-cpu.js';
import { capabilitiesOf, notesFor, readGpus, readProcessesAndThreads } from './meta.js';
import type { LoadedTables } from './meta.js';
import { captureEnvOf, commandLineOf, hostnameOf, probeSchema, T } from './schema.js';
import type { NsysSchema } from './schema.js';
import { openSqlite, SqliteError } from './sqlite.js';
import type { SqliteSource } from './sqlite.js';

const SQLITE_MAGIC = 'SQLite format 3\0';

export function isSqliteHeader(head: Uint8Array): boolean {
  if (head.length < SQLITE_MAGIC.length) return false;
  for (let i = 0; i < SQLITE_MAGIC.length; i++) if (head[i] !== SQLITE_MAGIC.charCodeAt(i)) return false;
  return true;
}

function userErrorFor(path: string, e: SqliteError): UserError {
  const msg = e.message.split('\n')[0]!.trim();
  if (/not a database/i.test(msg)) return new UserError(`${path} is not a valid SQLite database (${msg})`);
  if (/malformed|corrupt|short read|disk I\/O|out of bounds|unreachable|engine failed/i.test(msg)) {
    return new UserError(`${path} is damaged or truncated: SQLite cannot read it (${msg})`);
  }
  return new UserError(`${path}: cannot read the SQLite export (${msg})`);
}

/**
 * A truncated SQLite file can still answer some queries (pages past the end read as zeros), so check the
 * header's own size first: page size × page count (valid when the version-valid-for number matches the change
 * counter), and a size that is a whole number of pages.
 */
export function checkSqliteSize(path: string): void {
  const head = new Uint8Array(100);
  let size: number;
  try {
    size = statSync(path).size;
    const fd = openSync(path, 'r');
    try {
      readSync(fd, head, 0, 100, 0);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    throw new UserError(`cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  if (size < 100 || !isSqliteHeader(head)) {
    throw new UserError(`${path} is damaged or truncated: the SQLite header is incomplete`);
  }
  const dv = new DataView(head.buffer, head.byteOffset, head.byteLength);
  const raw = dv.getUint16(16);
  const pageSize = raw === 1 ? 65536 : raw;
  if (pageSize < 512 || pageSize > 65536 || (pageSize & (pageSize - 1)) !== 0) {
    throw new UserError(`${path} is damaged: the SQLite header gives an invalid page size (${raw})`);
  }
  const pages = dv.getUint32(28);
  const headerValid = pages > 0 && dv.getUint32(92) === dv.getUint32(24);
  if (headerValid && pages * pageSize > size) {
    throw new UserError(`${path} is truncated: the SQLite header says ${pages * pageSize} bytes, the file has ${size}`);
  }
  if (size % pageSize !== 0) {
    throw new UserError(`${path} is damaged or truncated: ${size} bytes is not a whole number of ${pageSize}-byte pages`);
  }
}

export async function readNsysSqlite(path: string, opts: ReadOptions = {}): Promise<ProfileModel> {
  checkAbort(opts.signal);
  checkSqliteSize(path);
  let db: SqliteSource | undefined;
  try {
    db = await openSqlite(path);
    return loadModel(db, path, opts);
  } catch (e) {
    if (e instanceof SqliteError) throw userErrorFor(path, e);
    if (e instanceof RangeError && /Array buffer allocation|Invalid typed array length/.test(e.message)) {
      throw new UserError(`${path}: not enough memory to load this profile (${e.message})`);
    }
    throw e;
  } finally {
    db?.close();
  }
}

function loadModel(db: SqliteSource, path: string, opts: ReadOptions): ProfileModel {
  const schema = probeSchema(db, Math.ceil(statSync(path).size / 4));
  if (!schema.isNsys) {
    throw new NotAProfileError(`${path} is a SQLite database but not an Nsight Systems export (no StringIds/CUPTI/NVTX tables)`);
  }
  const interner = new StringInterner();
  const ctx = makeContext(db, schema, interner, opts);
  const total = [T.strings, T.kernel, T.runtime, T.driver, T.memcpy, T.memset, T.sync, T.nvtx, T.osrt,
    T.cudaCallchains, T.osrtCallchains].reduce((n, t) => n + schema.rows(t), 0);
  let done = 0;
  const report = (message: string) => opts.onProgress?.(total ? Math.min(1, done / total) : 0, message);
  ctx.progressRows = (rows) => {
    done += rows;
  };
  const step = <R>(message: string, fn: () => R): R => {
    checkAbort(opts.signal);
    report(message);
    return fn();
  };

  step('reading string table', () => ctx.strings.load(db, schema, opts.signal));
  // the callchain-id notes go where they always went (right after the string table), though they are found
  // only once the runtime and OS runtime rows are loaded
  const refNotes: string[] = [];
  const notesAt = ctx.notes.length;
  const resolver = (refTable: string, chainTable: string, base: number) => (raw: RawCallchainRange) => {
    const before = ctx.notes.length;
    const ref = callchainRef(ctx, refTable, chainTable, base, raw);
    refNotes.push(...ctx.notes.splice(before));
    return ref;
  };
  const cudaRef = resolver(T.runtime, T.cudaCallchains, 0);
  const osrtRef = resolver(T.osrt, T.osrtCallchains, OSRT_CALLCHAIN_BASE);
  // Streamed to the cache entry (ctx.sink): the big tables, batch by batch. Synchronizations (linked to their
  // runtime calls as those stream past), NVTX ranges (depths need them all) and graph replays are held; so are
  // kernels when the export lacks their globalPid (each takes its process from its runtime call).
  const kernelNeedsPid = !schema.col(T.kernel, 'globalPid');
  const streamKernels = ctx.sink !== undefined && !kernelNeedsPid;
  // synchronizations first: the runtime calls fill in their threads and kinds as they are read
  const sync = step('reading synchronizations', () => loadSync(ctx));
  const kernels = step('reading kernels', () => loadKernels(ctx, streamKernels));
  const link = correlationLinker({ sync, kernels: kernelNeedsPid ? kernels : undefined }, interner.strings);
  const tables: LoadedTables = {
    kernels,
    runtime: step('reading CUDA API calls', () => loadRuntime(ctx, cudaRef, link)),
    memcpy: step('reading memory copies', () => loadMemcpy(ctx)),
    memset: step('reading memsets', () => loadMemset(ctx)),
    sync,
    nvtx: step('reading NVTX ranges', () => loadNvtx(ctx)),
    osrt: emptyTable(OSCALL_COLUMNS) as OsCallTable,
    callchainCount: { cuda: 0, osrt: 0 },
  };
  // count-only OSRT: `tables.osrt` is a one-row-per-thread stand-in for the metadata, the model's stays empty
  const osrtCounted = opts.countOnly?.includes('osrt') ? step('counting OS runtime calls', () => countOsrt(ctx)) : undefined;
  tables.osrt = osrtCounted?.threads ?? step('reading OS runtime calls', () => loadOsrt(ctx, osrtRef));
  ctx.notes.splice(notesAt, 0, ...refNotes);
  const callchains = new Map<number, StackFrame[]>();
  const chainSink = ctx.sink?.callchains();
  const frames = () => chainSink ? chainSink.frame : framesInto(callchains);
  tables.callchainCount.cuda = step('reading CUDA callchains', () => loadCallchains(ctx, T.cudaCallchains, 0, frames()));
  tables.callchainCount.osrt = step('reading OS runtime callchains',
    () => loadCallchains(ctx, T.osrtCallchains, OSRT_CALLCHAIN_BASE, frames()));
  chainSink?.finish();
  const graphTrace = step('reading CUDA graph replays', () => loadGraphTrace(ctx));
  checkAbort(opts.signal);
  report('reading metadata');
  const gpus = readGpus(ctx, tables.kernels);
  const { processes, threads } = readProcessesAndThreads(ctx, tables);
  const capabilities = capabilitiesOf(ctx, tables);
  const notes = [...notesFor(ctx, capabilities), ...ctx.notes];
  const tableCounts: Record<string, number> = {};
  for (const [name, info] of schema.tables) tableCounts[name] = info.rows;
  const rows = (name: keyof LoadedTables & string) => ctx.streamed.get(name) ?? (tables[name] as { length: number }).length;
  const loaded: [string, number][] = [[T.kernel, rows('kernels')], [T.memcpy, rows('memcpy')],
    [T.memset, rows('memset')], [T.sync, rows('sync')], [T.osrt, osrtCounted?.rows ?? rows('osrt')]];
  for (const [name, n] of loaded) if (schema.has(name)) tableCounts[name] = n;
  opts.onProgress?.(1, 'done');
  const version = schema.exportMeta.get('EXPORT_PRODUCT_VERSION');
  const schemaVersion = schema.exportMeta.get('EXPORT_SCHEMA_VERSION');
  const commandLine = commandLineOf(schema);
  const captureEnv = captureEnvOf(schema);
  const host = hostnameOf(ctx.db, schema);
  return {
    meta: {
      format: 'nsys-sqlite',
      source: path,
      ...(version ? { toolVersion: version } : {}),
      ...(schemaVersion ? { schemaVersion } : {}),
      ...(commandLine ? { commandLine } : {}),
      ...(captureEnv ? { captureEnv } : {}),
      ...(host ? { host } : {}),
      startNs: Number.isFinite(ctx.span.min) ? ctx.span.min : 0,
      endNs: Number.isFinite(ctx.span.max) ? ctx.span.max : 0,
      gpus,
      processes,
      threads,
      capabilities,
      tables: tableCounts,
      notes,
      ...(osrtCounted ? { countOnly: { osrt: osrtCounted.rows } } : {}),
    },
    strings: interner.strings,
    // a streamed table is in the cache entry; the model keeps an empty one (the caller reads the entry)
    kernels: ctx.streamed.has('kernels') ? (emptyTable(KERNEL_COLUMNS) as KernelTable) : tables.kernels,
    runtime: ctx.streamed.has('runtime') ? (emptyTable(API_COLUMNS) as ApiTable) : tables.runtime,
    memcpy: ctx.streamed.has('memcpy') ? (emptyTable(MEMCPY_COLUMNS) as MemcpyTable) : tables.memcpy,
    memset: ctx.streamed.has('memset') ? (emptyTable(MEMSET_COLUMNS) as MemsetTable) : tables.memset,
    sync: tables.sync,
    nvtx: tables.nvtx,
    cpu: emptyTable(CPU_COLUMNS) as CpuEventTable,
    osrt: osrtCounted || ctx.streamed.has('osrt') ? (emptyTable(OSCALL_COLUMNS) as OsCallTable) : tables.osrt,
    callchains,
    ...(graphTrace.length > 0 ? { graphTrace } : {}),
  };
}

function makeContext(db: SqliteSource, schema: NsysSchema, interner: StringInterner, opts: ReadOptions): LoadContext {
  return {
    db,
    schema,
    interner,
    strings: new StringResolver(interner),
    enums: buildEnumMaps(db, schema),
    ...(opts.signal ? { signal: opts.signal } : {}),
    progressRows: () => {},
    sink: opts.sink,
    streamed: new Map(),
    span: { min: Number.POSITIVE_INFINITY, max: Number.NEGATIVE_INFINITY },
    notes: [],
  };
}

/**
 * Fills what the GPU-side tables lack from the runtime call with the same correlation id, as the runtime rows
 * are read (whole, or batch by batch when they are streamed): the thread of each synchronization
 * (SYNCHRONIZATION rows carry only globalPid), its kind from the API name (the numeric syncType disagrees with
 * ENUM_CUPTI_SYNC_TYPE across nsys versions: 2024.6 and 2026.1 write 2 for cudaStreamSynchronize, 2026.2
 * writes 3), and the process of kernels in exports without globalPid (`kernels` given only then).
 */
function correlationLinker(t: { sync: SyncTable; kernels: KernelTable | undefined }, strings: string[]): ((runtime: ApiTable) => void) | undefined {
  const kernels = t.kernels && t.kernels.length > 0 ? t.kernels : undefined;
  if (t.sync.length === 0 && !kernels) return undefined;
  const syncRows = new Map<number, number>();
  for (let i = 0; i < t.sync.length; i++) if (t.sync.correlationId[i]! >= 0) syncRows.set(t.sync.correlationId[i]!, i);
  const kernelRows = new Map<number, number[]>();
  if (kernels) {
    for (let i = 0; i < kernels.length; i++) {
      const c = kernels.correlationId[i]!;
      if (c < 0) continue;
      const list = kernelRows.get(c);
      if (list) list.push(i);
      else kernelRows.set(c, [i]);
    }
  }
  const kindByName = new Map<number, SyncKind | undefined>();
  return (r) => {
    for (let j = 0; j < r.length; j++) {
      const c = r.correlationId[j]!;
      const si = syncRows.get(c);
      if (si !== undefined) {
        t.sync.tid[si] = r.tid[j]!;
        if (t.sync.pid[si] === -1) t.sync.pid[si] = r.pid[j]!;
        const nameId = r.nameId[j]!;
        if (!kindByName.has(nameId)) kindByName.set(nameId, syncKindOfApi(strings[nameId] ?? ''));
        const kind = kindByName.get(nameId);
        if (kind !== undefined) t.sync.syncKind[si] = kind;
      }
      const ks = kernelRows.get(c);
      if (ks) for (const k of ks) kernels!.pid[k] = r.pid[j]!;
    }
  };
}

/** The synchronization kind a CUDA API call performs, from its name (version suffix ignored). */
export function syncKindOfApi(name: string): SyncKind | undefined {
  if (/^cu(da)?StreamSynchronize/.test(name)) return SyncKind.Stream;
  if (/^cuda(Device|Thread)Synchronize/.test(name)) return SyncKind.Device;
  if (/^cu(da)?CtxSynchronize/.test(name)) return SyncKind.Context;
  if (/^cu(da)?Event(Synchronize|Query)/.test(name)) return SyncKind.Event;
  if (/^cu(da)?StreamWaitEvent/.test(name)) return SyncKind.StreamWaitEvent;
  return undefined;
}

export const nsysReader: ProfileReader = {
  name: 'nsys-sqlite',
  sniff: (head) => isSqliteHeader(head),
  read: (path, opts) => readNsysSqlite(path, opts),
};
