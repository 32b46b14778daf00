// Multi-rank analysis of torch.profiler (Kineto) traces: one trace per rank, each on its own clock.
import { afterAll, describe, expect, it } from 'vitest';
import { TempFiles } from '../../profile/kineto/testing.js';
import { summarizeProfile } from '../../profile/ranks/index.js';
import { reduceRanks } from './index.js';

const tmp = new TempFiles();
afterAll(() => tmp.cleanup());

const STEP_US = 10_000;
const GEMM_US = 3000;
const WIRE_US = 500;
const LOADER = 'enumerate(DataLoader)#_SingleProcessDataLoaderIter.__next__';

/** One rank's trace: per step a DataLoader fetch of `dataUs`, a GEMM, then an all-reduce that ends when the slowest rank's does. */
function rankTrace(rank: number, dataUs: number[], originUs: number): Record<string, unknown> {
  const host = { pid: 100 + rank, tid: 100 + rank };
  const gpu = { pid: rank, tid: 7 };
  const ev: Record<string, unknown>[] = [
    { ph: 'M', name: 'process_name', pid: host.pid, tid: 0, args: { name: 'python3' } },
    { ph: 'M', name: 'process_labels', pid: host.pid, tid: 0, args: { labels: 'CPU' } },
    { ph: 'M', name: 'process_labels', pid: rank, tid: 0, args: { labels: `GPU ${rank}` } },
  ];
  const slowest = Math.max(...dataUs);
  let corr = 1000;
  for (let i = 0; i < 6; i++) {
    const t = originUs + 50 + i * STEP_US;
    const d = dataUs[rank]!;
    ev.push({ ph: 'X', cat: 'user_annotation', name: `ProfilerStep#${i}`, ...host, ts: t, dur: STEP_US - 10 });
    ev.push({ ph: 'X', cat: 'user_annotation', name: LOADER, ...host, ts: t + 5, dur: d });
    const c1 = ++corr;
    ev.push({ ph: 'X', cat: 'cuda_runtime', name: 'cudaLaunchKernel', ...host, ts: t + d + 10, dur: 5, args: { correlation: c1 } });
    ev.push({ ph: 'X', cat: 'kernel', name: 'ampere_sgemm_128x64_tn', ...gpu, ts: t + d + 20, dur: GEMM_US, args: { device: rank, stream: 7, correlation: c1 } });
    const c2 = ++corr;
    ev.push({ ph: 'X', cat: 'cuda_runtime', name: 'cudaLaunchKernel', ...host, ts: t + d + 30, dur: 5, args: { correlation: c2 } });
    const start = t + d + 20 + GEMM_US;
    const end = t + slowest + 20 + GEMM_US + WIRE_US;
    ev.push({ ph: 'X', cat: 'kernel', name: 'ncclDevKernel_AllReduce_Sum_f32_RING_LL(ncclDevComm*, unsigned long, ncclWork*)', pid: rank, tid: 20, ts: start, dur: end - start, args: { device: rank, stream: 20, correlation: c2 } });
  }
  return { schemaVersion: 1, distributedInfo: { backend: 'nccl', rank, world_size: 3 }, traceEvents: ev };
}

describe('Kineto traces, one per rank', () => {
  it('identifies ranks from distributedInfo, aligns their clocks by the collectives and names the slow loader', async () => {
    const data = [800, 800, 3500];
    // each trace on its own clock: ranks 1 and 2 start 7 s and 13 s later than rank 0
    const files = [0, 1, 2].map((r) => tmp.write(`worker${r}.pt.trace.json`, rankTrace(r, data, 1_700_000_000_000_000 + r * [0, 7e6, 13e6][r]!)));
    const s = (await Promise.all(files.map((f, i) => summarizeProfile(f, { orderBase: i })))).flat();
    expect(s.map((x) => [x.identity.rank, x.identity.source, x.identity.worldSize, x.format])).toEqual([
      [0, 'distributedInfo', 3, 'kineto-json'], [1, 'distributedInfo', 3, 'kineto-json'], [2, 'distributedInfo', 3, 'kineto-json'],
    ]);
    expect(s.every((x) => x.steps.length === 6 && x.collectives.length === 6)).toBe(true);
    expect(s[2]!.totals.dataLoadNs).toBeGreaterThan(3 * s[0]!.totals.dataLoadNs);
    const r = reduceRanks(s);
    expect(r.ranks.map((x) => x.clock.alignedBy)).toEqual(['shared-clock', 'collective-end', 'collective-end']);
    expect(r.problems).toEqual([]);
    expect(r.stragglers.map((x) => [x.rank, x.reason])).toEqual([[2, 'data-loading']]);
    expect(r.stragglers[0]!.meanLateNs! / 1e3).toBeCloseTo(2700, -1);
    expect(r.collectiveWaits.every((w) => w.lastRank === 2 && Math.abs(w.skewNs / 1e3 - 2700) < 5)).toBe(true);
  });
});
