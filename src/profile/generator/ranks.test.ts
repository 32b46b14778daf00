import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import initSqlJs from 'sql.js';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { rankScenario, writeRankProfiles } from './index.js';

const dir = mkdtempSync(join(tmpdir(), 'sysight-gen-ranks-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('writeRankProfiles', () => {
  it('writes one export per rank with its own process, GPU and recorded environment', async () => {
    const { files, iterations } = writeRankProfiles(join(dir, 'a'), { ranks: 3, iterations: 4, runId: 'job-42' });
    expect(iterations).toBe(4);
    expect(files.map((f) => f.slice(dir.length + 3))).toEqual(['rank0.sqlite', 'rank1.sqlite', 'rank2.sqlite']);
    const SQL = await initSqlJs();
    const db = new SQL.Database(readFileSync(files[1]!));
    const one = (sql: string) => db.exec(sql)[0]?.values ?? [];
    expect(one("SELECT value FROM META_DATA_CAPTURE WHERE name = 'PROCESS_0:ENVIRONMENT_VARIABLE' ORDER BY value")).toEqual(
      [['LOCAL_RANK=1'], ['LOCAL_WORLD_SIZE=3'], ['MASTER_ADDR=node0'], ['MASTER_PORT=29500'], ['RANK=1'], ['TORCHELASTIC_RUN_ID=job-42'], ['WORLD_SIZE=3']]);
    expect(one('SELECT DISTINCT deviceId FROM CUPTI_ACTIVITY_KIND_KERNEL')).toEqual([[1]]);
    expect(one("SELECT count(*) FROM CUPTI_ACTIVITY_KIND_KERNEL k JOIN StringIds s ON s.id = k.shortName WHERE s.value LIKE 'ncclDevKernel_AllReduce%'")).toEqual([[4]]);
    expect(one("SELECT count(*) FROM NVTX_EVENTS WHERE text = 'DataLoader'")).toEqual([[4]]);
    db.close();
  });

  it('sizes each export by --size-mb', () => {
    const { files } = writeRankProfiles(join(dir, 'b'), { ranks: 2, sizeMb: 2 });
    for (const f of files) {
      const mib = statSync(f).size / 2 ** 20;
      expect(mib).toBeGreaterThan(1.7);
      expect(mib).toBeLessThan(2.3);
    }
  });

  it('plants the straggler and the slow loader on the ranks asked for, and rejects ranks outside the run', () => {
    const sc = rankScenario({ ranks: 4, straggler: 1, slowData: 2 });
    expect(sc.processes!.map((p) => [p.gpuScale ?? 1, p.labelScale?.DataLoader ?? 1])).toEqual([[1, 1], [1.6, 1], [1, 10], [1, 1]]);
    expect(() => rankScenario({ ranks: 4, straggler: 4 })).toThrow(UserError);
    expect(() => rankScenario({ ranks: 0 })).toThrow(UserError);
  });
});
