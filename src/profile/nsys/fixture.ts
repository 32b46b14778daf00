// A small nsys-shaped SQLite database built with sql.js, for tests of the reader (bad input, fuzzing, enum
// and id mappings). Table and column names follow the real exports; values are chosen so every mapping the
// reader does can be checked: 64-bit globalTids with hardware/VM bits set, ids through StringIds, text that
// is not valid UTF-8, NVTX text inline and through textId, nested push/pop ranges, 0-based callchain ids.
import { loadSqlJs } from '../sqljs.js';

export const FIXTURE = {
  pid: 4242,
  tid: 4243,
  /** hw=1, vm=2: globalTid exceeds 2^53 */
  globalTid: (1n << 56n) | (2n << 48n) | (4242n << 24n) | 4243n,
  globalPid: (1n << 56n) | (2n << 48n) | (4242n << 24n),
  kernels: 6,
  version: '2099.1.0.1',
};

export interface FixtureOptions {
  /** add ENUM_* tables (real exports from 2023 on) or leave them out (2022.1, hand-built files) */
  enums?: boolean;
  /** extra kernel rows, to make the file a few pages long */
  extraKernels?: number;
}

export async function buildNsysFixture(opts: FixtureOptions = {}): Promise<Uint8Array> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  const g = FIXTURE.globalTid.toString();
  const gp = FIXTURE.globalPid.toString();
  db.exec(`
    CREATE TABLE StringIds (id INTEGER NOT NULL PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO StringIds VALUES (1, 'cudaLaunchKernel_v7000'), (2, 'cudaStreamSynchronize_v3020'),
      (3, 'gemm_kernel'), (4, 'void gemm_kernel<float>(float*)'), (5, 'forward'), (6, 'python3'),
      (7, 'cudaMemcpyAsync_v3020'), (8, 'libcudart.so'), (9, CAST(X'6261645FFFFE41' AS TEXT)), (10, 'main');
    CREATE TABLE META_DATA_EXPORT (name TEXT, value TEXT);
    INSERT INTO META_DATA_EXPORT VALUES ('EXPORT_PRODUCT_NAME', 'NVIDIA Nsight Systems'),
      ('EXPORT_PRODUCT_VERSION', '${FIXTURE.version}'), ('EXPORT_SCHEMA_VERSION', '9.9.9');
    CREATE TABLE TARGET_INFO_GPU (id INTEGER, name TEXT, computeMajor INTEGER, computeMinor INTEGER, smCount INTEGER);
    INSERT INTO TARGET_INFO_GPU VALUES (0, 'Test GPU', 9, 0, 132);
    CREATE TABLE PROCESSES (globalPid INTEGER, pid INTEGER, name TEXT);
    INSERT INTO PROCESSES VALUES (${gp}, ${FIXTURE.pid}, 'python3');
    CREATE TABLE ThreadNames (nameId INTEGER, priority INTEGER, globalTid INTEGER);
    INSERT INTO ThreadNames VALUES (10, 0, ${g});
    CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL (start INTEGER NOT NULL, end INTEGER NOT NULL, deviceId INTEGER,
      streamId INTEGER, correlationId INTEGER, globalPid INTEGER, demangledName INTEGER, shortName INTEGER,
      registersPerThread INTEGER, gridX INTEGER, gridY INTEGER, gridZ INTEGER, blockX INTEGER, blockY INTEGER,
      blockZ INTEGER, staticSharedMemory INTEGER, dynamicSharedMemory INTEGER);
    CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME (start INTEGER NOT NULL, end INTEGER NOT NULL, eventClass INTEGER,
      globalTid INTEGER, correlationId INTEGER, nameId INTEGER, returnValue INTEGER, callchainId INTEGER);
    CREATE TABLE CUPTI_ACTIVITY_KIND_MEMCPY (start INTEGER NOT NULL, end INTEGER NOT NULL, deviceId INTEGER,
      streamId INTEGER, correlationId INTEGER, globalPid INTEGER, bytes INTEGER, copyKind INTEGER,
      srcKind INTEGER, dstKind INTEGER);
    CREATE TABLE CUPTI_ACTIVITY_KIND_SYNCHRONIZATION (start INTEGER NOT NULL, end INTEGER NOT NULL,
      deviceId INTEGER, streamId INTEGER, correlationId INTEGER, globalPid INTEGER, syncType INTEGER, eventId INTEGER);
    CREATE TABLE NVTX_EVENTS (start INTEGER NOT NULL, end INTEGER, eventType INTEGER NOT NULL, rangeId INTEGER,
      text TEXT, globalTid INTEGER, textId INTEGER, domainId INTEGER);
    CREATE TABLE CUDA_CALLCHAINS (id INTEGER NOT NULL, symbol INTEGER NOT NULL, module INTEGER NOT NULL,
      unresolved INTEGER, originalIP INTEGER, stackDepth INTEGER NOT NULL, PRIMARY KEY (id, stackDepth));
  `);
  const kernels = FIXTURE.kernels + (opts.extraKernels ?? 0);
  // one launch per 100 ns; callchainId counts from 0 for the first three launches (like nsys 2022.2) while
  // CUDA_CALLCHAINS counts from 1. globalTid exceeds 2^53: written as SQL integer literals, never JS numbers.
  db.exec(`
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${kernels - 1})
    INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME
      SELECT 1000 + i * 100, 1010 + i * 100, 0, ${g}, i + 1, 1, 0, CASE WHEN i < 3 THEN i END FROM n;
    WITH RECURSIVE n(i) AS (SELECT 0 UNION ALL SELECT i + 1 FROM n WHERE i < ${kernels - 1})
    INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL
      SELECT 1020 + i * 100, 1060 + i * 100, 0, 7, i + 1, ${gp}, 4, 3, 32, 8, 1, 1, 128, 1, 1, 1024, 512 FROM n;
  `);
  const base = 1000 + kernels * 100;
  db.exec(`
    INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME VALUES (${base}, ${base + 500}, 0, ${g}, 900, 2, 0, NULL),
      (${base + 600}, ${base + 700}, 0, ${g}, 901, 7, 0, NULL);
    INSERT INTO CUPTI_ACTIVITY_KIND_SYNCHRONIZATION VALUES (${base + 10}, ${base + 490}, 0, 7, 900, ${gp}, 2, 0);
    INSERT INTO CUPTI_ACTIVITY_KIND_MEMCPY VALUES (${base + 610}, ${base + 690}, 0, 7, 901, ${gp}, 4096, 1, 0, 2),
      (${base + 800}, ${base + 900}, 0, 7, -1, ${gp}, 8192, 8, 2, 2);
    INSERT INTO NVTX_EVENTS VALUES (900, ${base + 1000}, 59, NULL, 'train_step', ${g}, NULL, 0),
      (950, 1400, 59, NULL, NULL, ${g}, 5, 0), (960, 1000, 59, NULL, 'inner', ${g}, NULL, 0),
      (1500, NULL, 34, NULL, 'marker', ${g}, NULL, 0),
      (0, NULL, 75, NULL, 'my_domain', ${g}, NULL, 3),
      (1600, 1700, 60, 1, 'in_domain', ${g}, NULL, 3);
    INSERT INTO CUDA_CALLCHAINS VALUES (1, 1, 8, 0, 0, 0), (1, 10, 6, 0, 0, 1), (2, 1, 8, 0, 0, 0),
      (2, 9, 6, 0, 0, 1), (3, 1, 8, 0, 0, 0), (3, 10, 6, 0, 0, 1);
  `);
  if (opts.enums) {
    db.exec(`
      CREATE TABLE ENUM_CUDA_MEMCPY_OPER (id INTEGER PRIMARY KEY, name TEXT, label TEXT);
      INSERT INTO ENUM_CUDA_MEMCPY_OPER VALUES (1, 'CUDA_MEMCPY_KIND_HTOD', 'Host-to-Device'),
        (8, 'CUDA_MEMCPY_KIND_DTOD', 'Device-to-Device');
      CREATE TABLE ENUM_CUDA_MEM_KIND (id INTEGER PRIMARY KEY, name TEXT, label TEXT);
      INSERT INTO ENUM_CUDA_MEM_KIND VALUES (0, 'CUDA_MEMOPR_MEMORY_KIND_PAGEABLE', 'Pageable'),
        (2, 'CUDA_MEMOPR_MEMORY_KIND_DEVICE', 'Device');
    `);
  }
  const bytes = db.export();
  db.close();
  return bytes;
}
