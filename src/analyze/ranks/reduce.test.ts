import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RankSummary } from '../../core/ranks.js';
import { writeRankProfiles } from '../../profile/generator/index.js';
import { summarizeProfile } from '../../profile/ranks/index.js';
import { alignClocks, reduceRanks } from './index.js';

let dir: string;
let base: RankSummary[];
const SKEW_MS = 1500;

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sysight-ranks-reduce-'));
  // every rank on its own clock, 1.5 s apart: only the collectives can line them up
  const { files } = writeRankProfiles(join(dir, 'run'), { ranks: 4, iterations: 8, straggler: 1, slowData: 3, seed: 3, clockSkewMs: SKEW_MS });
  base = (await Promise.all(files.map((f) => summarizeProfile(f)))).flat();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const clone = (s: RankSummary, patch: Omit<Partial<RankSummary>, 'identity'> & { identity?: Partial<RankSummary['identity']> } = {}): RankSummary =>
  ({ ...structuredClone(s), ...patch, identity: { ...s.identity, ...(patch.identity ?? {}) } }) as RankSummary;

describe('alignClocks', () => {
  it('recovers each rank file\'s clock offset from the collective end times', () => {
    const { clocks, unaligned } = alignClocks(base);
    expect(unaligned.size).toBe(0);
    const byRank = new Map(base.map((s, i) => [s.identity.rank, clocks[i]!]));
    const ref = byRank.get(0)!;
    expect(ref.alignedBy).toBe('shared-clock');
    for (const r of [1, 2, 3]) {
      const c = byRank.get(r)!;
      expect(c.alignedBy).toBe('collective-end');
      expect(Math.abs(c.offsetNs - ref.offsetNs + r * SKEW_MS * 1e6)).toBeLessThan(1000);
    }
  });

  it('matches collectives even when one capture starts a collective later', () => {
    const late = clone(base[2]!);
    late.collectives = late.collectives.slice(1).map((c) => ({ ...c, seq: c.seq - 1 }));
    const { clocks } = alignClocks([base[0]!, late]);
    expect(Math.abs(clocks[1]!.offsetNs + 2 * SKEW_MS * 1e6)).toBeLessThan(1000);
  });
});

describe('reduceRanks', () => {
  it('names the compute straggler and the slow data loader, with their evidence and findings', () => {
    const r = reduceRanks(base);
    expect(r.worldSize).toBe(4);
    expect(r.problems).toEqual([]);
    expect(r.stragglers.map((s) => [s.rank, s.reason])).toEqual([[3, 'data-loading'], [1, 'compute']]);
    const [slow, compute] = r.stragglers;
    expect(slow!.lastArrivalShare).toBe(1);
    expect(slow!.causedWaitNs).toBeGreaterThan(0);
    expect(slow!.evidence.join(' ')).toMatch(/host data loading .* ms\/step on rank 3/);
    expect(compute!.evidence.join(' ')).toMatch(/GPU compute .* ms\/step on rank 1/);
    expect(r.collectiveWaits.every((w) => w.lastRank === 3)).toBe(true);
    expect(r.collectiveWaits[0]!.waitNs[3]).toBe(0);
    const f = r.findings.map((x) => `${x.category} ${x.pattern} ${x.file}:${x.line}`);
    expect(f).toContain('C1 C1.rank-data-loading data.py:31');
    expect(f).toContain('C6 C6.rank-skew train.py:80');
    // the waiting ranks' exposed NCCL time is mostly waiting, the late rank's is transfer only
    const comm = new Map(r.comm!.map((c) => [c.rank, c]));
    expect(comm.get(0)!.waitMsPerStep).toBeGreaterThan(0.5 * comm.get(0)!.exposedMsPerStep);
    expect(comm.get(3)!.waitMsPerStep).toBe(0);
    expect(r.stepMs).toHaveLength(4);
    expect(r.skewMs).toHaveLength(8);
    // the slow loader arrives ~10 ms late at every step's all-reduce (1.5 ms × 10 of data loading vs 1.5 ms)
    expect(r.arrivalSkewMs!.filter((x) => x !== null && x > 8)).toHaveLength(8);
  });

  it('tells a host-bound rank (slow Python launches, same data loading) from the others', async () => {
    const { files } = writeRankProfiles(join(dir, 'host'), { ranks: 4, iterations: 6, slowHost: 2, seed: 4 });
    const sums = (await Promise.all(files.map((f) => summarizeProfile(f)))).flat();
    const r = reduceRanks(sums);
    expect(r.stragglers.map((s) => [s.rank, s.reason])).toEqual([[2, 'host']]);
    expect(r.stragglers[0]!.evidence.join(' ')).toMatch(/GPU idle .* ms\/step on rank 2/);
    // the GPU waited for rank 2's launches; on the others the GPU is never idle long enough to blame the host
    const hostNs = (rank: number) => sums.find((s) => s.identity.rank === rank)!.hotspots.filter((h) => h.kind === 'host').reduce((a, h) => a + h.totalNs, 0);
    for (const rank of [0, 1, 3]) expect(hostNs(2)).toBeGreaterThan(10 * hostNs(rank));
    const top = sums.find((s) => s.identity.rank === 2)!.hotspots.find((h) => h.kind === 'host')!;
    const f = r.findings.find((x) => x.pattern === 'C7.rank-host-bound')!;
    expect([f.category, f.file, f.line]).toEqual(['C7', top.file, top.line]);
    expect(f.title).toMatch(/rank 2's Python host work keeps its GPU waiting/);
    // one finding for the straggler, not a second one at the collective
    expect(r.findings.some((x) => x.pattern === 'C6.rank-skew')).toBe(false);
  });

  it('finds no straggler when every rank behaves the same', async () => {
    const { files } = writeRankProfiles(join(dir, 'even'), { ranks: 3, iterations: 6, seed: 9 });
    const even = (await Promise.all(files.map((f) => summarizeProfile(f)))).flat();
    const r = reduceRanks(even);
    expect(r.stragglers).toEqual([]);
    expect(r.findings.filter((x) => x.pattern !== 'C6.comm-exposed')).toEqual([]);
  });

  it('reports ranks from another run, missing ranks, duplicates and unalignable clocks, and analyzes the rest', () => {
    const other = clone(base.find((s) => s.identity.rank === 2)!, { identity: { runKey: 'ffffffffffffffff' } });
    const dup = clone(base.find((s) => s.identity.rank === 0)!, { source: 'copy.sqlite' });
    const lonely = clone(base.find((s) => s.identity.rank === 1)!, { collectives: [], clock: { domain: 'elsewhere', offsetNs: 0 } });
    const keep = base.filter((s) => s.identity.rank === 0 || s.identity.rank === 3);
    const r = reduceRanks([...keep, other, dup, lonely], { worldSize: 6, problems: [{ source: 'rank5.sqlite', rank: 5, kind: 'unreadable', message: 'corrupt' }] });
    const kinds = r.problems.map((p) => `${p.kind}:${p.rank}`).sort();
    expect(kinds).toEqual(['different-run:2', 'duplicate:0', 'missing:4', 'unaligned:1', 'unreadable:5']);
    expect(r.ranks.map((x) => x.identity.rank)).toEqual([0, 1, 3]);
    expect(r.ranks.find((x) => x.identity.rank === 1)!.clock.alignedBy).toBe('none');
    // the late rank still stands out among those that could be aligned
    expect(r.stragglers.map((s) => s.rank)).toEqual([3]);
  });

  it('numbers device-ordered ranks of several node files one after the other', () => {
    const a = base.slice(0, 2).map((s, i) => clone(s, { source: 'node0.sqlite', identity: { rank: i, source: 'device', runKey: 'k' }, clock: { domain: 'n0', offsetNs: 0 } }));
    const b = base.slice(2, 4).map((s, i) => clone(s, { source: 'node1.sqlite', identity: { rank: i, source: 'device', runKey: 'k' }, clock: { domain: 'n1', offsetNs: 0 } }));
    const r = reduceRanks([...a, ...b]);
    expect(r.ranks.map((x) => x.identity.rank)).toEqual([0, 1, 2, 3]);
    expect(r.problems).toEqual([]);
    expect(r.notes.join(' ')).toMatch(/file after file/);
  });
});
