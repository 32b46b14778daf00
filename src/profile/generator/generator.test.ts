import initSqlJs, { type Database } from 'sql.js';
import { describe, expect, it } from 'vitest';
import { buildNsysDatabase, globalTid, presetScenario, PRESET_NAMES, shortKernelName, type Scenario } from './index.js';
import { NSYS_TABLES } from './nsys-schema.js';
import { parseCreateTable } from './sqlite-writer.js';

async function open(bytes: Uint8Array): Promise<Database> {
  const SQL = await initSqlJs();
  return new SQL.Database(bytes);
}
const all = (db: Database, sql: string) => db.exec(sql)[0]?.values ?? [];
const one = (db: Database, sql: string) => all(db, sql)[0]?.[0];

const scenario: Scenario = {
  name: 'unit', seed: 7, iterations: { count: 4 },
  processes: [{ name: 'python', pid: 1234 }],
  step: [
    { type: 'memcpy', kind: 'H2D', bytes: 1 << 20, memory: 'pageable', async: false, at: 'train.py:70 train_step' },
    { type: 'nvtx', text: 'forward', events: [{ type: 'kernel', name: 'void gemm<128>(float*)', durationUs: 50, count: 3, grid: [8, 4, 1], block: [128, 1, 1], registers: 64 }] },
    { type: 'memset', bytes: 4096 },
    { type: 'cpu', durationUs: 2000, label: 'data', osrt: [{ name: 'read', durationUs: 100, count: 2, at: 'data.py:31 get_batch' }] },
    { type: 'sync', api: 'device', at: 'train.py:91 train_step' },
    { type: 'sync', api: 'event' },
  ],
};

describe('buildNsysDatabase', () => {
  it('writes a valid SQLite file whose columns are exactly the nsys DDL the generator assumes', async () => {
    const db = await open(buildNsysDatabase(scenario));
    expect(all(db, 'PRAGMA integrity_check')).toEqual([['ok']]);
    const tables = all(db, "SELECT name FROM sqlite_master WHERE type = 'table'").map((r) => r[0] as string);
    for (const t of ['StringIds', 'CUPTI_ACTIVITY_KIND_KERNEL', 'CUPTI_ACTIVITY_KIND_RUNTIME', 'CUPTI_ACTIVITY_KIND_MEMCPY',
      'CUPTI_ACTIVITY_KIND_MEMSET', 'CUPTI_ACTIVITY_KIND_SYNCHRONIZATION', 'NVTX_EVENTS', 'OSRT_API', 'OSRT_CALLCHAINS',
      'CUDA_CALLCHAINS', 'META_DATA_EXPORT', 'TARGET_INFO_GPU', 'ThreadNames', 'ENUM_CUPTI_SYNC_TYPE', 'ENUM_NSYS_EVENT_TYPE']) {
      expect(tables).toContain(t);
    }
    for (const t of tables) {
      const cols = all(db, `PRAGMA table_info("${t}")`).map((r) => r[1]);
      expect(cols).toEqual(parseCreateTable(NSYS_TABLES[t]!.sql).columns);
    }
    db.close();
  });

  it('has the counts the scenario asks for', async () => {
    const db = await open(buildNsysDatabase(scenario));
    expect(one(db, 'SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL')).toBe(12);
    expect(one(db, 'SELECT count(*) FROM CUPTI_ACTIVITY_KIND_MEMCPY WHERE copyKind = 1 AND srcKind = 0 AND bytes = 1048576')).toBe(4);
    expect(one(db, 'SELECT count(*) FROM CUPTI_ACTIVITY_KIND_MEMSET')).toBe(4);
    expect(all(db, 'SELECT syncType, count(*) FROM CUPTI_ACTIVITY_KIND_SYNCHRONIZATION GROUP BY 1')).toEqual([[1, 4], [4, 4]]);
    expect(one(db, 'SELECT count(*) FROM OSRT_API')).toBe(8);
    expect(all(db, "SELECT text, count(*) FROM NVTX_EVENTS WHERE eventType = 59 GROUP BY 1 ORDER BY 1")).toEqual([
      ['data', 4], ['forward', 4], ['step 0', 1], ['step 1', 1], ['step 2', 1], ['step 3', 1],
    ]);
    expect(all(db, `SELECT s.value, count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME r JOIN StringIds s ON s.id = r.nameId GROUP BY 1 ORDER BY 1`)).toEqual([
      ['cudaDeviceSynchronize_v3020', 4], ['cudaEventRecord_v3020', 4], ['cudaEventSynchronize_v3020', 4],
      ['cudaLaunchKernel_v7000', 12], ['cudaMemcpy_v3020', 4], ['cudaMemsetAsync_v3020', 4],
    ]);
    expect(all(db, `SELECT s.value, d.value, gridX, gridY, blockX, registersPerThread FROM CUPTI_ACTIVITY_KIND_KERNEL k
      JOIN StringIds s ON s.id = k.shortName JOIN StringIds d ON d.id = k.demangledName LIMIT 1`)).toEqual([['gemm', 'void gemm<128>(float*)', 8, 4, 128, 64]]);
    db.close();
  });

  it('links every GPU activity to exactly one runtime call by correlationId, and times are causal', async () => {
    const db = await open(buildNsysDatabase(scenario));
    for (const t of ['KERNEL', 'MEMCPY', 'MEMSET', 'SYNCHRONIZATION']) {
      const table = `CUPTI_ACTIVITY_KIND_${t}`;
      const n = one(db, `SELECT count(*) FROM ${table}`);
      expect(one(db, `SELECT count(*) FROM ${table} g JOIN CUPTI_ACTIVITY_KIND_RUNTIME r ON r.correlationId = g.correlationId`)).toBe(n);
    }
    expect(one(db, `SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN CUPTI_ACTIVITY_KIND_RUNTIME r
      ON r.correlationId = k.correlationId WHERE k.start < r.start OR k.end <= k.start`)).toBe(0);
    // kernels on one stream never overlap
    expect(one(db, `SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL a JOIN CUPTI_ACTIVITY_KIND_KERNEL b
      ON a.streamId = b.streamId AND a.rowid < b.rowid AND b.start < a.end`)).toBe(0);
    // a device synchronize returns after all prior GPU work
    expect(one(db, `SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME r JOIN StringIds s ON s.id = r.nameId
      WHERE s.value = 'cudaDeviceSynchronize_v3020'
      AND r.end < (SELECT max(k.end) FROM CUPTI_ACTIVITY_KIND_KERNEL k WHERE k.start < r.start)`)).toBe(0);
    db.close();
  });

  it('encodes globalTid / globalPid as hw<<56 | vm<<48 | pid<<24 | tid', async () => {
    const db = await open(buildNsysDatabase(scenario));
    expect(all(db, 'SELECT DISTINCT (globalTid >> 24) & 16777215, globalTid & 16777215 FROM CUPTI_ACTIVITY_KIND_RUNTIME')).toEqual([[1234, 1234]]);
    expect(all(db, 'SELECT DISTINCT (globalPid >> 24) & 16777215, globalPid & 16777215 FROM CUPTI_ACTIVITY_KIND_KERNEL')).toEqual([[1234, 0]]);
    expect(one(db, 'SELECT pid FROM PROCESSES WHERE name = \'python\'')).toBe(1234);
    expect(globalTid(1234, 1235)).toBe(2 ** 48 + 1234 * 2 ** 24 + 1235);
    db.close();
  });

  it('attaches backtraces ending in the Python call site', async () => {
    const db = await open(buildNsysDatabase(scenario));
    const frames = all(db, `SELECT s.value, m.value FROM CUPTI_ACTIVITY_KIND_RUNTIME r JOIN StringIds n ON n.id = r.nameId
      JOIN CUDA_CALLCHAINS c ON c.id = r.callchainId JOIN StringIds s ON s.id = c.symbol JOIN StringIds m ON m.id = c.module
      WHERE n.value = 'cudaDeviceSynchronize_v3020' AND r.rowid = (SELECT min(rowid) FROM CUPTI_ACTIVITY_KIND_RUNTIME WHERE nameId = n.id)
      ORDER BY c.stackDepth`);
    expect(frames[2]).toEqual(['cudaDeviceSynchronize', expect.stringContaining('libcudart')]);
    expect(frames.find((f) => String(f[1]).endsWith('.py'))).toEqual(['train_step (train.py:91)', 'train.py']);
    const os = all(db, `SELECT s.value FROM OSRT_API o JOIN OSRT_CALLCHAINS c ON c.id = o.callchainId
      JOIN StringIds s ON s.id = c.symbol WHERE o.rowid = 1 ORDER BY c.stackDepth`).map((r) => r[0]);
    expect(os[0]).toBe('read');
    expect(os).toContain('get_batch (data.py:31)');
    db.close();
  });

  it('is deterministic for a seed and varies with it', () => {
    const a = buildNsysDatabase(scenario);
    const b = buildNsysDatabase(scenario);
    const c = buildNsysDatabase({ ...scenario, seed: 8 });
    expect(Buffer.from(a).equals(Buffer.from(b))).toBe(true);
    expect(Buffer.from(a).equals(Buffer.from(c))).toBe(false);
  });

  it('ends an NCCL collective on every rank at the same time, after the last rank arrives', async () => {
    const db = await open(buildNsysDatabase(presetScenario('nccl-exposed', 3)));
    const rows = all(db, `SELECT k.globalPid, k.start, k.end FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s ON s.id = k.shortName
      WHERE s.value LIKE 'ncclDevKernel_AllReduce%' ORDER BY k.end, k.globalPid`) as number[][];
    expect(rows).toHaveLength(6);
    for (let i = 0; i < 6; i += 2) {
      expect(rows[i]![2]).toBe(rows[i + 1]![2]);
      expect(rows[i]![0]).not.toBe(rows[i + 1]![0]);
    }
    expect(one(db, 'SELECT count(DISTINCT deviceId) FROM CUPTI_ACTIVITY_KIND_KERNEL')).toBe(2);
    db.close();
  });

  it('builds every preset', async () => {
    for (const name of PRESET_NAMES) {
      const db = await open(buildNsysDatabase(presetScenario(name, 2)));
      expect(all(db, 'PRAGMA integrity_check')).toEqual([['ok']]);
      expect(Number(one(db, 'SELECT count(*) FROM CUPTI_ACTIVITY_KIND_RUNTIME'))).toBeGreaterThan(0);
      db.close();
    }
  });

  it('derives nsys short kernel names', () => {
    expect(shortKernelName('void at::native::(anonymous namespace)::vectorized_layer_norm_kernel<float>(int)')).toBe('vectorized_layer_norm_kernel');
    expect(shortKernelName('ncclDevKernel_AllReduce_Sum_bf16_RING_LL(ncclDevKernelArgsStorage<4096ul>)')).toBe('ncclDevKernel_AllReduce_Sum_bf16_RING_LL');
    expect(shortKernelName('sgemm_128x64')).toBe('sgemm_128x64');
  });

  it('rejects a bad scenario with the path of the problem', () => {
    expect(() => buildNsysDatabase({ iterations: { count: 1 }, step: [{ type: 'kernal' } as never] })).toThrow(/step\[0\]\.type/);
    expect(() => buildNsysDatabase({ iterations: { count: 0 }, step: [] })).toThrow(/iterations.count/);
    expect(() => buildNsysDatabase({ iterations: { count: 1 }, step: [{ type: 'kernel', name: 'k', durationUs: 1, at: 'nowhere' }] })).toThrow(/bad frame/);
    expect(() => buildNsysDatabase({ iterations: { count: 1 }, step: [{ type: 'graph', kernels: [] }] })).toThrow(/step\[0\]\.kernels must be a non-empty list/);
    expect(() => buildNsysDatabase({ iterations: { count: 1 }, step: [{ type: 'graph', kernels: [{ type: 'kernel', name: 'k', durationUs: 1 }], trace: 'nodes' as never }] })).toThrow(/step\[0\]\.trace must be node or graph/);
    expect(() => buildNsysDatabase({ iterations: { count: 1 }, step: [{ type: 'compiled', graph: 'a b', events: [] }] })).toThrow(/step\[0\]\.graph must be a word/);
  });
});

describe('example-scenario.yaml', () => {
  it('loads and generates two ranks on two devices', async () => {
    const { loadScenarioFile } = await import('./scenario.js');
    const sc = loadScenarioFile(new URL('./example-scenario.yaml', import.meta.url).pathname);
    const db = await open(buildNsysDatabase(sc));
    expect(all(db, 'SELECT pid FROM PROCESSES WHERE name = \'python\' ORDER BY pid')).toEqual([[5000], [5100]]);
    expect(one(db, 'SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL')).toBe(2 * 10 * (12 + 12 + 12 + 1 + 2 * 2));
    db.close();
  });
});

describe('a process driving a second GPU', () => {
  const twoGpus: Scenario = {
    seed: 3, iterations: { count: 2 }, devices: [{}, {}], processes: [{ pid: 77, device: 0 }],
    step: [
      { type: 'kernel', name: 'void stage0<1>(float*)', durationUs: 20 },
      { type: 'memcpy', kind: 'D2D', bytes: 1 << 20, stream: 27, device: 1 },
      { type: 'kernel', name: 'void stage1<1>(float*)', durationUs: 20, stream: 27, device: 1 },
    ],
  };
  it('puts events with `device` on that GPU, the rest on the process\' device', async () => {
    const db = await open(buildNsysDatabase(twoGpus));
    expect(all(db, 'SELECT deviceId, COUNT(*) FROM CUPTI_ACTIVITY_KIND_KERNEL GROUP BY deviceId ORDER BY deviceId')).toEqual([[0, 2], [1, 2]]);
    expect(all(db, 'SELECT DISTINCT deviceId FROM CUPTI_ACTIVITY_KIND_MEMCPY')).toEqual([[1]]);
  });
  it('rejects a device that is not in devices', () => {
    expect(() => buildNsysDatabase({ ...twoGpus, step: [{ type: 'kernel', name: 'k', durationUs: 1, device: 2 }] })).toThrow(/device must be an index into devices/);
  });
});
