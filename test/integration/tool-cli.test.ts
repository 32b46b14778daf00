// The `sysight tool` and `sysight profile summary` commands as a subprocess (node bin/sysight.js …).
// Error paths and help always; every query on real nsys exports once an nsys reader is registered.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { READERS } from '../../src/profile/readers.js';
import { ALL_QUERIES } from '../../src/profile/queries/registry.js';
import { loadSqlJs } from '../../src/profile/sqljs.js';
import { ensureBuilt, repoRoot, sysightSync } from '../support/cli.js';

/** one CLI subprocess per query and output form: the time budget grows with the registry (a busy machine takes seconds each) */
const PER_QUERY_MS = 8_000;

const sysight = (...args: string[]) => sysightSync(args);

/** the arguments a query cannot do without: which slice, what to find */
const NEEDS: Record<string, string[]> = { 'slice-details': ['--table', '0', '--row', '0'], 'timeline-search': ['--query', 'gemm'] };
const needs = (q: string) => NEEDS[q] ?? [];
/** `--limit 3` for the queries that take one */
const limit3 = (q: string) => (ALL_QUERIES.find((x) => x.name === q)!.params.some((p) => p.name === 'limit') ? ['--limit', '3'] : []);

let tmp = '';
beforeAll(() => {
  ensureBuilt();
  tmp = mkdtempSync(join(tmpdir(), 'sysight-tool-'));
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('sysight tool', () => {
  it('lists every registered query in --help and in list --json', () => {
    const help = sysight('tool', '--help');
    expect(help.code).toBe(0);
    for (const q of ALL_QUERIES) expect(help.stdout).toContain(q.name);
    const list = sysight('tool', 'list', '--json');
    expect(list.code).toBe(0);
    const parsed = JSON.parse(list.stdout) as Array<{ name: string; params: unknown[] }>;
    expect(parsed.map((q) => q.name)).toEqual(ALL_QUERIES.map((q) => q.name));
    const text = sysight('tool', 'list');
    expect(text.stdout).toContain('--min-gap-us <number>');
  });

  it('shows each query\'s parameters as options', () => {
    const r = sysight('tool', 'gaps', '--help');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/--min-gap-us <n>/);
    expect(r.stdout).toMatch(/--limit <n>/);
    expect(r.stdout).toMatch(/--json/);
  });

  it('rejects an unknown query with exit 2 and the list of valid ones', () => {
    const r = sysight('tool', 'top-kernel', 'x.sqlite');
    expect(r.code).toBe(2);
    expect(r.stderr.trim().split('\n')).toHaveLength(1);
    expect(r.stderr).toContain('unknown query "top-kernel"');
    for (const q of ALL_QUERIES) expect(r.stderr).toContain(q.name);
  });

  it('reports a missing, empty or foreign file in one line with exit 2', () => {
    const missing = sysight('tool', 'top-kernels', join(tmp, 'nope.sqlite'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^sysight: error: no such file: .*nope\.sqlite\n$/);
    const empty = join(tmp, 'empty.sqlite');
    writeFileSync(empty, '');
    const e = sysight('profile', 'summary', empty);
    expect(e.code).toBe(2);
    expect(e.stderr).toMatch(/is empty \(0 bytes\)/);
    const text = join(tmp, 'notes.txt');
    writeFileSync(text, 'hello, not a profile\n');
    const t = sysight('tool', 'sync', text, '--json');
    expect(t.code).toBe(2);
    expect(t.stderr.trim().split('\n')).toHaveLength(1);
    expect(t.stderr).not.toMatch(/\bat .*\.js:\d+/);
  });

  it('profile summary without a profile is a usage error', () => {
    const r = sysight('profile', 'summary');
    expect(r.code).toBe(2);
    expect(r.stderr).toContain("missing required argument 'profile'");
  });
});

// ../shared next to the repository (CI); ../../shared when the checkout is a worktree under wt/
const profiles = [resolve(repoRoot, '../shared/profiles'), resolve(repoRoot, '../../shared/profiles')].find((d) => existsSync(d)) ?? '';
const hasNsysReader = READERS.some((r) => /nsys/i.test(r.name));

/**
 * A tiny nsys-schema export (pid 100, tid 101), two NVTX steps of 1 ms. Per step at offset o:
 * launch [o+1, o+6) µs → gemm [o+10, o+210) µs; launch → relu [o+210, o+215); cudaStreamSynchronize
 * [o+9, o+215.5); launch [o+600, o+605) → gemm [o+610, o+810). With `gpu: false` only the NVTX ranges.
 */
async function writeNsys(path: string, gpu: boolean): Promise<void> {
  const SQL = await loadSqlJs();
  const db = new SQL.Database();
  const gtid = (100 << 24) + 101;
  const gpid = 100 * 2 ** 24;
  db.exec(`
    CREATE TABLE StringIds (id INTEGER NOT NULL PRIMARY KEY, value TEXT NOT NULL);
    INSERT INTO StringIds VALUES (1, 'cudaLaunchKernel_v7000'), (2, 'cudaStreamSynchronize_v3020'), (3, 'gemm'), (4, 'relu'), (5, 'python3');
    CREATE TABLE META_DATA_EXPORT (name TEXT, value TEXT);
    INSERT INTO META_DATA_EXPORT VALUES ('EXPORT_PRODUCT_NAME', 'NVIDIA Nsight Systems'), ('EXPORT_PRODUCT_VERSION', '2024.6.2.25');
    CREATE TABLE NVTX_EVENTS (start INTEGER NOT NULL, end INTEGER, eventType INTEGER NOT NULL, rangeId INTEGER,
      text TEXT, globalTid INTEGER, textId INTEGER, domainId INTEGER);
  `);
  const T0 = 1_000_000;
  for (let s = 0; s < 2; s++) {
    db.run('INSERT INTO NVTX_EVENTS VALUES (?, ?, 59, NULL, ?, ?, NULL, 0)', [T0 + s * 1e6, T0 + (s + 1) * 1e6, `step ${s}`, gtid]);
  }
  if (gpu) {
    db.exec(`
      CREATE TABLE CUPTI_ACTIVITY_KIND_KERNEL (start INTEGER NOT NULL, end INTEGER NOT NULL, deviceId INTEGER,
        streamId INTEGER, correlationId INTEGER, globalPid INTEGER, demangledName INTEGER, shortName INTEGER,
        registersPerThread INTEGER, gridX INTEGER, gridY INTEGER, gridZ INTEGER, blockX INTEGER, blockY INTEGER,
        blockZ INTEGER, staticSharedMemory INTEGER, dynamicSharedMemory INTEGER);
      CREATE TABLE CUPTI_ACTIVITY_KIND_RUNTIME (start INTEGER NOT NULL, end INTEGER NOT NULL, eventClass INTEGER,
        globalTid INTEGER, correlationId INTEGER, nameId INTEGER, returnValue INTEGER, callchainId INTEGER);
    `);
    const api = (a: number, b: number, corr: number, name: number) =>
      db.run('INSERT INTO CUPTI_ACTIVITY_KIND_RUNTIME VALUES (?, ?, 0, ?, ?, ?, 0, NULL)', [a, b, gtid, corr, name]);
    const kernel = (a: number, b: number, corr: number, name: number) =>
      db.run('INSERT INTO CUPTI_ACTIVITY_KIND_KERNEL VALUES (?, ?, 0, 7, ?, ?, ?, ?, 32, 1, 1, 1, 128, 1, 1, 0, 0)', [a, b, corr, gpid, name, name]);
    for (let s = 0; s < 2; s++) {
      const o = T0 + s * 1e6;
      api(o + 1000, o + 6000, 10 * s + 1, 1);
      kernel(o + 10_000, o + 210_000, 10 * s + 1, 3);
      api(o + 7000, o + 9000, 10 * s + 2, 1);
      kernel(o + 210_000, o + 215_000, 10 * s + 2, 4);
      api(o + 9000, o + 215_500, 10 * s + 3, 2);
      api(o + 600_000, o + 605_000, 10 * s + 4, 1);
      kernel(o + 610_000, o + 810_000, 10 * s + 4, 3);
    }
  }
  writeFileSync(path, db.export());
  db.close();
}

describe.skipIf(!hasNsysReader)('sysight tool on a hand-built nsys export', () => {
  let gpuFile = '';
  let cpuFile = '';
  beforeAll(async () => {
    gpuFile = join(tmp, 'tiny.sqlite');
    cpuFile = join(tmp, 'nvtx-only.sqlite');
    await writeNsys(gpuFile, true);
    await writeNsys(cpuFile, false);
  });
  const json = (...args: string[]) => {
    const r = sysight(...args, '--json');
    expect(r.code, r.stderr).toBe(0);
    return JSON.parse(r.stdout);
  };

  it('answers every query as JSON and as a table', () => {
    for (const q of ALL_QUERIES) {
      const t = sysight('tool', q.name, gpuFile, ...limit3(q.name), ...needs(q.name));
      expect(t.code, `${q.name}: ${t.stderr}`).toBe(0);
      expect(t.stdout.length).toBeGreaterThan(0);
      expect(() => JSON.parse(sysight('tool', q.name, gpuFile, '--json', ...needs(q.name)).stdout), q.name).not.toThrow();
    }
  }, PER_QUERY_MS * ALL_QUERIES.length * 2);

  it('gives the hand-computed numbers', () => {
    const top = json('tool', 'top-kernels', gpuFile);
    expect(top.kernels.map((k: { name: string; count: number; totalNs: number }) => [k.name, k.count, k.totalNs]))
      .toEqual([['gemm', 4, 800_000], ['relu', 2, 10_000]]);
    const gaps = json('tool', 'gaps', gpuFile, '--min-gap-us', '150', '--scope', 'device');
    expect(gaps.gaps.map((g: { durationNs: number }) => g.durationNs)).toEqual([395_000, 395_000, 200_000]);
    expect(gaps.gaps[0].before).toBe('relu');
    expect(gaps.gaps[0].cpu.find((a: { kind: string }) => a.kind === 'runtime')).toMatchObject({ name: 'cudaLaunchKernel', overlapNs: 5000 });
    const sync = json('tool', 'sync', gpuFile);
    expect(sync).toMatchObject({ calls: 2, idleAfterNs: 789_000, iterationMethod: 'nvtx', iterationCount: 2 });
    const it = json('tool', 'iterations', gpuFile);
    expect(it).toMatchObject({ method: 'nvtx', count: 2, meanMs: 1 });
    const summary = json('profile', 'summary', gpuFile);
    expect(summary).toMatchObject({ counts: { kernels: 6, runtime: 8, nvtx: 2 }, hasGpuActivity: true, iterations: { count: 2 } });
    const text = sysight('profile', 'summary', gpuFile);
    expect(text.stdout).toMatch(/Top kernels[\s\S]*gemm/);
    // GPU time by kind: 6 kernels (4 × 200 µs + 2 × 5 µs) over a 1.8 ms device span, the two syncs as waiting
    const g = json('tool', 'gpu-time', gpuFile);
    expect(g).toMatchObject({ kernels: { count: 6, ns: 810_000 }, syncWaitNs: 413_000 });
    expect(g.devices).toMatchObject([{ deviceId: 0, spanNs: 1_800_000, kernelNs: 810_000, idleNs: 990_000, copyNs: 0 }]);
    expect(g.api.map((a: { name: string; count: number; ns: number; waiting: boolean }) => [a.name, a.count, a.ns, a.waiting]))
      .toEqual([['cudaStreamSynchronize', 2, 413_000, true], ['cudaLaunchKernel', 6, 24_000, false]]);
    const gt = sysight('tool', 'gpu-time', gpuFile);
    expect(gt.stdout).toMatch(/^kernels\s+6, 0\.81 ms$/m);
    expect(gt.stdout).toMatch(/^cudaStreamSynchronize\s+2\s+0\.413\s+waiting$/m);
  });

  it('gives the timeline queries: tiles with NVTX rows, a slice with its launch, search hits', () => {
    const tiles = json('tool', 'timeline-tiles', gpuFile, '--pixels', '100000');
    expect(tiles.lanes.map((l: { id: string; events: number }) => [l.id, l.events])).toEqual([['gpu0/stream7', 6], ['nvtx100/101/d0', 2], ['cpu100/101', 8]]);
    const d = json('tool', 'slice-details', gpuFile, '--lane', 'gpu0/stream7', '--time-ns', String(1_000_000 + 100_000));
    expect(d).toMatchObject({ table: 'kernel', name: 'gemm', durationNs: 200_000, grid: [1, 1, 1], block: [128, 1, 1], runtime: { name: 'cudaLaunchKernel', durationNs: 5000 } });
    const hits = json('tool', 'timeline-search', gpuFile, '--query', 'GEMM', '--limit', '3');
    expect(hits).toMatchObject({ total: 4, kernels: 4, truncated: true });
    expect(hits.hits.map((h: { startNs: number }) => h.startNs)).toEqual([1_010_000, 1_610_000, 2_010_000]);
    const none = sysight('tool', 'slice-details', gpuFile);
    expect(none.code).toBe(2);
    expect(none.stderr).toBe('sysight: error: choose a slice by table and row, or by lane and timeNs\n');
  });

  it('rejects a bad parameter value in one line', () => {
    const r = sysight('tool', 'gaps', gpuFile, '--scope', 'everywhere');
    expect(r.code).toBe(2);
    expect(r.stderr).toBe('sysight: error: --scope must be device, stream or all, got "everywhere"\n');
    const n = sysight('tool', 'top-kernels', gpuFile, '--limit', 'many');
    expect(n.code).toBe(2);
    expect(n.stderr).toContain('--limit must be a number');
  });

  it('summarizes a profile without GPU activity, while GPU-only queries exit 2 in one line', () => {
    const s = sysight('profile', 'summary', cpuFile);
    expect(s.code, s.stderr).toBe(0);
    expect(s.stdout).toContain('no GPU activity');
    for (const q of ['top-kernels', 'gaps', 'utilization', 'launch', 'nccl']) {
      const r = sysight('tool', q, cpuFile);
      expect(r.code, q).toBe(2);
      expect(r.stderr).toMatch(/^sysight: error: .*has no GPU activity \(no kernels or copies\): .*\n$/);
    }
    expect(sysight('tool', 'nvtx', cpuFile).code).toBe(0);
  });
});

const mock = join(profiles, 'GindaChen+nsys-ai__mock.sqlite');
const nvtxOnly = join(profiles, 'YoonKyonghwan+EfficientCenterFormer__baseline.sqlite');

describe.skipIf(!hasNsysReader || !existsSync(mock))('sysight tool on real nsys exports (../shared/profiles)', () => {
  it('answers every query on a real 45-table export', () => {
    for (const q of ALL_QUERIES) {
      const j = sysight('tool', q.name, mock, '--json', ...limit3(q.name), ...needs(q.name));
      expect(j.code, `${q.name}: ${j.stderr}`).toBe(0);
      expect(() => JSON.parse(j.stdout)).not.toThrow();
    }
    const s = JSON.parse(sysight('profile', 'summary', mock, '--json').stdout);
    expect(s.counts.kernels).toBe(2);
  }, PER_QUERY_MS * ALL_QUERIES.length + 60_000);

  it.skipIf(!existsSync(nvtxOnly))('summarizes an NVTX-only export; GPU-only queries exit 2', () => {
    const s = sysight('profile', 'summary', nvtxOnly);
    expect(s.code).toBe(0);
    expect(s.stdout).toContain('no GPU activity');
    const r = sysight('tool', 'top-kernels', nvtxOnly);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/has no GPU activity \(no kernels or copies\)/);
  });
});
