import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RankSummary } from '../../core/ranks.js';
import { presetScenario, writeNsysProfile, writeRankProfiles } from '../generator/index.js';
import { fileNameRank, processNameRank, summarizeProfile } from './index.js';

let dir: string;
let byRank: RankSummary[];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sysight-ranks-map-'));
  const { files } = writeRankProfiles(join(dir, 'run'), { ranks: 4, iterations: 8, straggler: 1, slowData: 3, seed: 5 });
  byRank = (await Promise.all(files.map((f) => summarizeProfile(f)))).flat().sort((a, b) => a.identity.rank - b.identity.rank);
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const med = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;

describe('summarizeProfile on generated rank exports', () => {
  it('finds each rank from the capture environment, with its GPU, world size and one run key', () => {
    expect(byRank.map((s) => [s.identity.rank, s.identity.source, s.identity.worldSize, s.identity.deviceIds])).toEqual([
      [0, 'env', 4, [0]], [1, 'env', 4, [1]], [2, 'env', 4, [2]], [3, 'env', 4, [3]],
    ]);
    expect(new Set(byRank.map((s) => s.identity.runKey)).size).toBe(1);
    expect(byRank[0]!.identity.runKey).toMatch(/^[0-9a-f]{16}$/);
  });

  it('gives every rank its steps and one all-reduce per step, numbered, ending together across ranks', () => {
    for (const s of byRank) {
      expect(s.steps).toHaveLength(8);
      expect(s.collectives.map((c) => [c.op, c.seq])).toEqual(Array.from({ length: 8 }, (_, i) => ['AllReduce', i]));
      expect(s.collectives.every((c) => c.step !== undefined)).toBe(true);
    }
    for (let i = 0; i < 8; i++) expect(new Set(byRank.map((s) => s.collectives[i]!.endNs)).size).toBe(1);
  });

  it('shows the compute straggler in its compute time and the slow loader in its data-loading time', () => {
    const compute = byRank.map((s) => med(s.steps.map((x) => x.computeNs)));
    const data = byRank.map((s) => med(s.steps.map((x) => x.dataLoadNs)));
    expect(compute[1]! / compute[0]!).toBeGreaterThan(1.4);
    expect(compute[3]! / compute[0]!).toBeLessThan(1.1);
    expect(data[3]! / data[0]!).toBeGreaterThan(5);
    expect(data[1]! / data[0]!).toBeLessThan(1.2);
    // the ranks that arrive on time wait in the all-reduce: their NCCL time is longer than the late rank's
    expect(byRank[0]!.totals.commNs).toBeGreaterThan(2 * byRank[3]!.totals.commNs);
  });

  it('localizes collectives, syncs and data loading to Python lines', () => {
    const spots = byRank[0]!.hotspots.map((h) => `${h.kind} ${h.file}:${h.line}`);
    expect(spots).toEqual(expect.arrayContaining(['collective train.py:80', 'sync train.py:88', 'data-load data.py:31']));
  });
});

describe('one export holding several rank processes', () => {
  it('yields one summary per process on one clock domain, ranked by device order', async () => {
    const path = join(dir, 'node.sqlite');
    writeNsysProfile(presetScenario('nccl-exposed', 6), path);
    const s = await summarizeProfile(path);
    expect(s.map((x) => [x.identity.rank, x.identity.source, x.identity.deviceIds])).toEqual([[0, 'device', [0]], [1, 'device', [1]]]);
    expect(s[0]!.clock.domain).toBe(s[1]!.clock.domain);
    expect(s[0]!.identity.pid).not.toBe(s[1]!.identity.pid);
    expect(s.every((x) => x.collectives.length === 6)).toBe(true);
  });
});

describe('rank from names', () => {
  it('reads rank numbers from file and process names', () => {
    expect(fileNameRank('/x/trace_rank3.json')).toBe(3);
    expect(fileNameRank('/x/report.7.sqlite')).toBe(7);
    expect(fileNameRank('/x/worker-12.pt.trace.json')).toBe(12);
    expect(fileNameRank('/x/report.sqlite')).toBeUndefined();
    expect(processNameRank('python rank_5')).toBe(5);
    expect(processNameRank('python3')).toBeUndefined();
  });
});
