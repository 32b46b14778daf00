// The streaming reduce (RankReducer: one summary at a time, compact columns, sorted-once medians) gives the very
// same report, byte for byte as JSON, as the reduce it replaced (frozen in test/support/ranks-reduce-v1.ts), on
// generated rank sets (clean, with stragglers, with every kind of problem, with ragged and shifted collectives,
// in shuffled input order) and on real exports and traces when ../shared is present.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mulberry32 } from '../../core/random.js';
import type { RankSummary } from '../../core/ranks.js';
import { writeRankProfiles } from '../../profile/generator/index.js';
import { generateRankSummaries } from '../../profile/generator/rank-summaries.js';
import { summarizeProfile } from '../../profile/ranks/index.js';
import { reduceRanksV1 } from '../../../test/support/ranks-reduce-v1.js';
import { RankReducer, readSummaryFile, reduceRanks } from './index.js';
import type { ReduceOptions } from './reduce.js';

const same = (sums: RankSummary[], opts: ReduceOptions = {}) => {
  const v1 = JSON.stringify(reduceRanksV1(structuredClone(sums), structuredClone(opts)));
  const now = JSON.stringify(reduceRanks(structuredClone(sums), structuredClone(opts)));
  expect(now).toBe(v1);
  return JSON.parse(now) as ReturnType<typeof reduceRanks>;
};

function shuffle<T>(xs: T[], seed: number): T[] {
  const r = mulberry32(seed);
  const a = [...xs];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(r() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

let dir: string;
let fromProfiles: RankSummary[];
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'sysight-ranks-stream-'));
  const { files } = writeRankProfiles(join(dir, 'run'), { ranks: 5, iterations: 8, straggler: 1, slowData: 3, seed: 5, clockSkewMs: 700 });
  fromProfiles = (await Promise.all(files.map((f) => summarizeProfile(f)))).flat();
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('streaming reduce = the reduce it replaced', () => {
  it('on summaries of generated rank profiles (own clocks, a compute straggler and a slow loader)', () => {
    const r = same(fromProfiles);
    expect(r.stragglers.map((s) => s.rank)).toEqual([3, 1]);
    same(shuffle(fromProfiles, 2));
    same(fromProfiles, { maxWaits: 3, worldSize: 7 });
  });

  it('on generated summary sets of 2 to 64 ranks, in input order and shuffled', () => {
    for (const [ranks, seed] of [[2, 1], [16, 2], [64, 3]] as const) {
      const sums = generateRankSummaries({ ranks, steps: 12, straggler: ranks - 1, slowData: 0, seed });
      const r = same(sums);
      expect(r.stragglers.map((s) => [s.rank, s.reason])).toEqual(ranks > 2 ? [[0, 'data-loading'], [ranks - 1, 'compute']] : [[0, 'data-loading']]);
      same(shuffle(sums, seed));
    }
  });

  it('with ragged, shifted, repeated and missing collectives, shared clocks and every kind of problem', () => {
    const rand = mulberry32(11);
    const sums = generateRankSummaries({ ranks: 12, steps: 10, collectivesPerStep: 3, straggler: 4, seed: 7 }).map((s, r) => {
      const c = s.collectives.filter(() => rand() > 0.15); // some collectives not seen on some ranks
      if (r === 5) c.forEach((x) => (x.seq += 1)); // a capture that started one collective later
      if (r === 6 && c[2]) c.push({ ...c[2], startNs: c[2].startNs + 1000 }); // a key seen twice on one rank
      if (r === 7) c.forEach((x) => delete x.step);
      return { ...s, collectives: c };
    });
    sums[8]!.clock = { ...sums[2]!.clock }; // two ranks of one report share its clock
    sums[9]!.clock = { domain: 'alone', offsetNs: 0 };
    sums[9]!.collectives = []; // unalignable
    sums[10]!.identity = { ...sums[10]!.identity, runKey: 'another-run' };
    const dup = { ...structuredClone(sums[3]!), source: 'copy.sqlite' };
    const input = [...sums.filter((_, r) => r !== 11), dup];
    const r = same(input, { problems: [{ source: 'rank13.sqlite', rank: 13, kind: 'unreadable', message: 'corrupt' }], worldSize: 14 });
    expect(r.problems.map((p) => p.kind).sort()).toEqual(['different-run', 'duplicate', 'missing', 'missing', 'unaligned', 'unreadable']);
    same(shuffle(input, 5));
    // ranks numbered by device order in two node files: renumbered file after file
    const weak = sums.slice(0, 4).map((s, i) => ({ ...s, source: `node${i >> 1}.sqlite`, identity: { ...s.identity, rank: i % 2, source: 'device' as const } }));
    expect(same(weak).notes.join(' ')).toMatch(/file after file/);
    // one rank alone, and nothing at all
    same(sums.slice(0, 1));
    same([]);
  });

  it('reads summary files one at a time into a RankReducer: the same report', () => {
    const sums = generateRankSummaries({ ranks: 8, steps: 6, straggler: 2, seed: 4 });
    const files = sums.map((s, i) => {
      const f = join(dir, `rank-${i}.summary.json`);
      writeFileSync(f, JSON.stringify(s));
      return f;
    });
    const r = new RankReducer();
    for (const f of files) r.add(readSummaryFile(f));
    expect(r.size).toBe(8);
    expect(JSON.stringify(r.finish())).toBe(JSON.stringify(reduceRanksV1(sums)));
  });
});

describe.skipIf(!existsSync(join(__dirname, '../../../../shared')))('streaming reduce = the reduce it replaced, on real captures', () => {
  const shared = join(__dirname, '../../../../shared');
  it('the real two-process nsys export (2 H100s, one session clock)', async () => {
    const f = join(shared, 'profiles', 'GindaChen+nsys-ai__h100_2gpu_1s.sqlite');
    const sums = await summarizeProfile(f);
    expect(sums).toHaveLength(2);
    const r = same(sums);
    expect(r.ranks).toHaveLength(2);
    same([...sums].reverse());
  });

  it('real Kineto traces of two runs (each on its own clock)', async () => {
    const hta = join(shared, 'traces', 'hta');
    const sums = [
      ...(await summarizeProfile(join(hta, 'allreduce_v100_rank1.json.gz'))),
      ...(await summarizeProfile(join(hta, 'nccl_sendrecv_a100_rank0.json.gz'))),
    ];
    same(sums);
    // the same trace twice as two ranks of one run on two clocks: aligned by its collectives
    const a = sums[0]!;
    const b = { ...structuredClone(a), source: 'copy.json', identity: { ...a.identity, rank: 0 }, clock: { domain: 'copy', offsetNs: 0 } };
    expect(same([a, b]).ranks.map((x) => x.clock.alignedBy).sort()).toEqual(['collective-end', 'shared-clock']);
  });
});
