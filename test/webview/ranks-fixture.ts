// A data-parallel run simulated step by step: each rank loads its batch, computes, then joins an AllReduce that
// ends on every rank when the last one has arrived. Rank `straggler` computes slower, rank `slowLoader` loads
// its data slower. Gives the RankSummary of every rank (what the map step writes); tests reduce them.
import { RANK_SUMMARY_VERSION, type RankCollective, type RankStep, type RankSummary } from '../../src/core/ranks.js';

export interface SimOptions {
  ranks?: number;
  steps?: number;
  straggler?: number;
  slowLoader?: number;
  /** all ranks in one file (one nsys export with several processes) or one file per rank */
  oneFile?: string;
}

const MS = 1e6;

export function simulateRun(o: SimOptions = {}): RankSummary[] {
  const R = o.ranks ?? 4;
  const S = o.steps ?? 12;
  let seed = 12345;
  const noise = () => { seed = (seed * 1103515245 + 12345) % 2 ** 31; return (seed / 2 ** 31 - 0.5) * 2; }; // −1..1
  const steps: RankStep[][] = Array.from({ length: R }, () => []);
  const colls: RankCollective[][] = Array.from({ length: R }, () => []);
  let t = 1_000 * MS;
  for (let s = 0; s < S; s++) {
    const arrive: number[] = [];
    const split = [] as Array<{ load: number; compute: number }>;
    for (let r = 0; r < R; r++) {
      const load = (2 + noise() * 0.3 + (r === o.slowLoader ? 14 : 0)) * MS;
      const compute = (60 * (r === o.straggler ? 1.3 : 1) + noise() * 1.5) * MS;
      split.push({ load, compute });
      arrive.push(t + load + compute);
    }
    const commNs = 6 * MS;
    const end = Math.max(...arrive) + commNs;
    for (let r = 0; r < R; r++) {
      const wait = end - commNs - arrive[r]!;
      steps[r]!.push({
        index: s, startNs: t, endNs: end, computeNs: split[r]!.compute, commNs: commNs + wait, exposedCommNs: commNs + wait,
        idleNs: split[r]!.load, memcpyNs: 0.4 * MS, syncNs: 0, dataLoadNs: split[r]!.load,
      });
      colls[r]!.push({ seq: s, op: 'AllReduce', kernel: 'ncclDevKernel_AllReduce_Sum_f32_RING_LL', startNs: arrive[r]!, endNs: end, step: s, bytes: 100 << 20 });
    }
    t = end + 0.5 * MS;
  }
  return Array.from({ length: R }, (_, r): RankSummary => {
    const st = steps[r]!;
    const sum = (k: keyof RankStep) => st.reduce((a, x) => a + (x[k] as number), 0);
    return {
      version: RANK_SUMMARY_VERSION,
      source: o.oneFile ?? `/runs/ddp/rank${r}.sqlite`,
      format: 'nsys-sqlite',
      identity: { rank: r, worldSize: R, source: o.oneFile ? 'device' : 'file-name', pid: 4000 + r, deviceIds: [r], host: 'node0', runKey: 'ddp-run' },
      clock: { domain: o.oneFile ?? `rank${r}`, offsetNs: 0 },
      startNs: st[0]!.startNs,
      endNs: st[st.length - 1]!.endNs,
      steps: st,
      totals: {
        computeNs: sum('computeNs'), commNs: sum('commNs'), exposedCommNs: sum('exposedCommNs'), idleNs: sum('idleNs'),
        memcpyNs: sum('memcpyNs'), syncNs: sum('syncNs'), dataLoadNs: sum('dataLoadNs'),
      },
      collectives: colls[r]!,
      hotspots: [],
      notes: [],
    };
  });
}

