// Schema probe of an Nsight Systems SQLite export: which tables exist, with which columns and about how many
// rows. Never assumes a version: columns appear and disappear between nsys releases, tables with no rows are
// often left out, and hand-built exports drop whole groups of columns.
import type { SqliteSource } from './sqlite.js';

export const T = {
  kernel: 'CUPTI_ACTIVITY_KIND_KERNEL',
  runtime: 'CUPTI_ACTIVITY_KIND_RUNTIME',
  driver: 'CUPTI_ACTIVITY_KIND_DRIVER',
  memcpy: 'CUPTI_ACTIVITY_KIND_MEMCPY',
  memset: 'CUPTI_ACTIVITY_KIND_MEMSET',
  sync: 'CUPTI_ACTIVITY_KIND_SYNCHRONIZATION',
  graphTrace: 'CUPTI_ACTIVITY_KIND_GRAPH_TRACE',
  nvtx: 'NVTX_EVENTS',
  strings: 'StringIds',
  osrt: 'OSRT_API',
  cudaCallchains: 'CUDA_CALLCHAINS',
  osrtCallchains: 'OSRT_CALLCHAINS',
  composite: 'COMPOSITE_EVENTS',
  samplingCallchains: 'SAMPLING_CALLCHAINS',
  gpu: 'TARGET_INFO_GPU',
  cudaDevice: 'TARGET_INFO_CUDA_DEVICE',
  threadNames: 'ThreadNames',
  processes: 'PROCESSES',
  exportMetaOld: 'EXPORT_META_DATA',
  exportMeta: 'META_DATA_EXPORT',
  captureMeta: 'META_DATA_CAPTURE',
} as const;

/** Tables the probe reports (with row counts) when present. ENUM_* tables are added as found. */
export const PROBED_TABLES: readonly string[] = Object.values(T);

export interface TableInfo {
  name: string;
  columns: Set<string>;
  /** row count (max(rowid) for speed: nsys never deletes rows; loaded tables are recounted exactly) */
  rows: number;
}

export interface NsysSchema {
  tables: Map<string, TableInfo>;
  /** all table names in the file, including the ones we do not read */
  allTables: string[];
  has(table: string): boolean;
  hasRows(table: string): boolean;
  col(table: string, column: string): boolean;
  rows(table: string): number;
  /** META_DATA_EXPORT / EXPORT_META_DATA name → value (first value per name) */
  exportMeta: Map<string, string>;
  /** META_DATA_CAPTURE name → values (names such as PROCESS_0:ARGUMENT_0 repeat) */
  captureMeta: Map<string, string[]>;
  /** true when the file has the tables that make it an Nsight Systems export */
  isNsys: boolean;
}

function quote(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * @param maxRows upper bound for row estimates (e.g. file size / 4: no row is smaller than that), so a corrupt
 *   rowid cannot make a loader allocate more than the file could hold
 */
export function probeSchema(db: SqliteSource, maxRows = Number.MAX_SAFE_INTEGER): NsysSchema {
  const allTables = db
    .all("SELECT name FROM sqlite_master WHERE type = 'table'")
    .map((r) => String(r[0]));
  const present = new Set(allTables);
  const tables = new Map<string, TableInfo>();
  const wanted = [...PROBED_TABLES, ...allTables.filter((t) => t.startsWith('ENUM_'))];
  for (const name of wanted) {
    if (!present.has(name)) continue;
    const columns = new Set(db.all(`PRAGMA table_info(${quote(name)})`).map((r) => String(r[1])));
    tables.set(name, { name, columns, rows: Math.min(maxRows, estimateRows(db, name)) });
  }
  const exportTable = tables.has(T.exportMeta) ? T.exportMeta : tables.has(T.exportMetaOld) ? T.exportMetaOld : undefined;
  const exportMeta = new Map<string, string>();
  if (exportTable && tables.get(exportTable)!.columns.has('name') && tables.get(exportTable)!.columns.has('value')) {
    for (const [k, v] of db.all(`SELECT name, value FROM ${exportTable}`)) {
      if (k !== null && !exportMeta.has(String(k))) exportMeta.set(String(k), v === null ? '' : String(v));
    }
  }
  const captureMeta = new Map<string, string[]>();
  const cap = tables.get(T.captureMeta);
  if (cap && cap.columns.has('name') && cap.columns.has('value')) {
    for (const [k, v] of db.all(`SELECT name, value FROM ${T.captureMeta} WHERE name LIKE 'PROCESS_%'`)) {
      if (k === null) continue;
      const list = captureMeta.get(String(k)) ?? [];
      list.push(v === null ? '' : String(v));
      captureMeta.set(String(k), list);
    }
  }
  const isNsys =
    tables.has(T.strings) ||
    tables.has(T.nvtx) ||
    allTables.some((t) => t.startsWith('CUPTI_ACTIVITY_KIND_')) ||
    (exportMeta.get('EXPORT_PRODUCT_NAME') ?? '').includes('Nsight Systems');
  return {
    tables,
    allTables,
    has: (t) => tables.has(t),
    hasRows: (t) => (tables.get(t)?.rows ?? 0) > 0,
    col: (t, c) => tables.get(t)?.columns.has(c) ?? false,
    rows: (t) => tables.get(t)?.rows ?? 0,
    exportMeta,
    captureMeta,
    isNsys,
  };
}

function estimateRows(db: SqliteSource, table: string): number {
  try {
    const v = db.all(`SELECT max(rowid) FROM ${quote(table)}`)[0]?.[0];
    return typeof v === 'number' && v > 0 ? v : 0;
  } catch {
    const v = db.all(`SELECT count(*) FROM ${quote(table)}`)[0]?.[0];
    return typeof v === 'number' ? v : 0;
  }
}

/** The recorded command line (nsys 2023.4+ META_DATA_CAPTURE: PROCESS_0:COMMAND + ARGUMENT_i). */
export function commandLineOf(schema: NsysSchema): string | undefined {
  const cmd = schema.captureMeta.get('PROCESS_0:COMMAND')?.[0];
  if (!cmd) return undefined;
  const args: string[] = [];
  for (let i = 0; ; i++) {
    const a = schema.captureMeta.get(`PROCESS_0:ARGUMENT_${i}`)?.[0];
    if (a === undefined) break;
    args.push(/[\s'"]/.test(a) ? `'${a.replace(/'/g, `'\\''`)}'` : a);
  }
  return [cmd, ...args].join(' ');
}

/** The capture's recorded environment (PROCESS_n:ENVIRONMENT_VARIABLE = "KEY=VALUE"); undefined when none is readable. */
export function captureEnvOf(schema: NsysSchema): Record<string, string> | undefined {
  const env: Record<string, string> = {};
  let n = 0;
  for (const [k, values] of schema.captureMeta) {
    if (!/^PROCESS_\d+:ENVIRONMENT_VARIABLE$/.test(k)) continue;
    for (const v of values) {
      const eq = v.indexOf('=');
      if (eq <= 0) continue; // "REDACTED" and the like
      const key = v.slice(0, eq);
      if (!(key in env)) {
        env[key] = v.slice(eq + 1);
        n++;
      }
    }
  }
  return n ? env : undefined;
}

/** The capture host's name (TARGET_INFO_SYSTEM_ENV, nsys 2022+), when the export has it. */
export function hostnameOf(db: SqliteSource, schema: NsysSchema): string | undefined {
  const t = 'TARGET_INFO_SYSTEM_ENV';
  if (!schema.allTables.includes(t)) return undefined;
  const cols = new Set(db.all(`PRAGMA table_info(${quote(t)})`).map((r) => String(r[1])));
  if (!cols.has('name') || !cols.has('value')) return undefined;
  const v = db.all(`SELECT value FROM ${quote(t)} WHERE name = 'Hostname' LIMIT 1`)[0]?.[0];
  return typeof v === 'string' && v ? v : undefined;
}

/** ENUM_* table as name → id (nsys spells the names like CUDA_MEMCPY_KIND_HTOD). */
export function readEnum(db: SqliteSource, schema: NsysSchema, table: string): Map<string, number> | undefined {
  if (!schema.col(table, 'id') || !schema.col(table, 'name')) return undefined;
  const out = new Map<string, number>();
  for (const [id, name] of db.all(`SELECT id, name FROM ${quote(table)}`)) {
    if (typeof id === 'number' && name !== null) out.set(String(name), id);
  }
  return out.size ? out : undefined;
}
