// Rank summaries generated directly (no profile in between), for measuring the reduce at world sizes whose raw
// profiles would take hours to generate and summarize here (`bench/ranks-reduce.ts`: 16, 128, 1024 ranks).
// They have the shape of the map step's output for a data-parallel nsys run with one export per rank: each
// rank on its own clock (its file's session clock, `clockSkewMs` apart), per step the split of
// `RankStep`, `collectivesPerStep` all-reduces that end together on every rank (the last rank to arrive sets
// the end), and the backtrace hotspots the map step finds (collective, sync, data loading). A compute
// straggler and a slow data loader can be set, as in `writeRankProfiles`.
import { mulberry32 } from '../../core/random.js';
import { RANK_SUMMARY_VERSION, type RankCollective, type RankStep, type RankSummary } from '../../core/ranks.js';

export interface RankSummaryRunOptions {
  ranks: number;
  /** steps per rank (default 100) */
  steps?: number;
  /** all-reduces per step (gradient buckets, default 4) */
  collectivesPerStep?: number;
  /** rank whose compute takes 1.6× longer */
  straggler?: number;
  /** rank whose host data loading takes 10× longer */
  slowData?: number;
  /** rank r's clock runs r × this many ms ahead (default 1000) */
  clockSkewMs?: number;
  seed?: number;
  runKey?: string;
}

const MS = 1e6;

/** Summaries of ranks 0..ranks-1, in rank order. */
export function generateRankSummaries(o: RankSummaryRunOptions): RankSummary[] {
  const n = o.ranks;
  const steps = o.steps ?? 100;
  const per = o.collectivesPerStep ?? 4;
  const skew = (o.clockSkewMs ?? 1000) * MS;
  const rand = mulberry32(o.seed ?? 1);
  const jitter = (scale: number) => Math.round((rand() - 0.5) * scale);
  const out = Array.from({ length: n }, (_, r): RankSummary => ({
    version: RANK_SUMMARY_VERSION, source: `rank${r}.sqlite`, format: 'nsys-sqlite',
    identity: { rank: r, worldSize: n, source: 'env', deviceIds: [r % 8], pid: 1000 + r, host: `node${Math.floor(r / 8)}`, runKey: o.runKey ?? 'run-1' },
    clock: { domain: `nsys:/runs/rank${r}.sqlite`, offsetNs: 0 },
    startNs: 500 * MS + r * skew, endNs: 0, steps: [], collectives: [],
    totals: { computeNs: 0, commNs: 0, exposedCommNs: 0, idleNs: 0, memcpyNs: 0, syncNs: 0, dataLoadNs: 0 },
    hotspots: [], notes: ['generated rank summary (no profile behind it)'],
  }));
  // the run clock: every step starts when the previous step's last collective ended on all ranks
  let t = 500 * MS;
  for (let j = 0; j < steps; j++) {
    const load = out.map((_, r) => 1.5 * MS * (r === o.slowData ? 10 : 1) + jitter(0.2 * MS));
    const compute = out.map((_, r) => 9 * MS * (r === o.straggler ? 1.6 : 1) + jitter(0.4 * MS));
    // bucket b of the gradients is ready after (b+1)/per of the backward pass; the all-reduce ends when the last rank arrives
    const arrive = (r: number, b: number) => t + load[r]! + (compute[r]! * (b + 1)) / per;
    const ends: number[] = [];
    for (let b = 0; b < per; b++) ends.push(Math.max(...out.map((_, r) => arrive(r, b))) + 0.3 * MS + jitter(0.02 * MS));
    const stepEnd = ends[per - 1]! + 0.2 * MS;
    out.forEach((s, r) => {
      const off = r * skew;
      const colls: RankCollective[] = [];
      let comm = 0;
      for (let b = 0; b < per; b++) {
        const start = Math.round(arrive(r, b));
        const end = Math.round(ends[b]!);
        comm += end - start;
        colls.push({ seq: j * per + b, op: 'AllReduce', kernel: 'ncclDevKernel_AllReduce_Sum_bf16_RING_LL', startNs: start + off, endNs: end + off, step: j });
      }
      const step: RankStep = {
        index: j, startNs: Math.round(t) + off, endNs: Math.round(stepEnd) + off, computeNs: Math.round(compute[r]!), commNs: comm,
        exposedCommNs: Math.round(comm - (compute[r]! * (per - 1)) / per > 0 ? comm - (compute[r]! * (per - 1)) / per : 0),
        idleNs: Math.round(load[r]!), memcpyNs: 176_000 + jitter(2000), syncNs: Math.round(stepEnd - ends[per - 1]!), dataLoadNs: Math.round(load[r]!),
      };
      s.steps.push(step);
      s.collectives.push(...colls);
      for (const k of Object.keys(s.totals) as (keyof RankSummary['totals'])[]) s.totals[k] += step[k];
    });
    t = stepEnd;
  }
  for (const s of out) {
    s.endNs = s.steps.at(-1)?.endNs ?? s.startNs;
    s.hotspots = [
      { kind: 'collective', file: 'train.py', function: 'train_step', line: 80, totalNs: s.totals.commNs, count: s.collectives.length },
      { kind: 'sync', file: 'train.py', function: 'train_step', line: 88, totalNs: s.totals.syncNs, count: steps },
      { kind: 'data-load', file: 'data.py', function: '__getitem__', line: 31, totalNs: s.totals.dataLoadNs, count: steps * 4 },
    ];
  }
  return out;
}
