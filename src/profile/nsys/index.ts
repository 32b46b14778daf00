// Nsight Systems SQLite export reader (see reader.ts).
export { nsysReader, readNsysSqlite, isSqliteHeader } from './reader.js';
export { probeSchema, commandLineOf, PROBED_TABLES, T as NSYS_TABLES } from './schema.js';
export type { NsysSchema, TableInfo } from './schema.js';
export { OSRT_CALLCHAIN_BASE } from './load-cpu.js';
export { openSqlite, SqliteError } from './sqlite.js';
export type { SqliteSource, RowCursor } from './sqlite.js';
