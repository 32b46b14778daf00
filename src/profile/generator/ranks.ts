// A multi-rank training run as one Nsight Systems export per rank (`sysight generate --ranks N --out-dir D`):
// data-parallel ranks on one GPU each, every step loads a batch on the host (NVTX "DataLoader" with file reads),
// runs forward/backward, all-reduces the gradients (NCCL, finishing when the last rank arrives) and syncs on
// the loss. One rank can be made a compute straggler (longer kernels) and one a slow data loader (longer host
// data loading before the step's first kernel). All ranks are simulated together so collectives line up, and
// each rank's rows go to its own file.
import { mkdirSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, throwIfAborted } from '../../core/errors.js';
import { writeMetadata } from './metadata.js';
import { NsysDb } from './nsys-db.js';
import { BATCH_IN, OPTIM, layers } from './presets.js';
import type { ProcessSpec, Scenario } from './scenario.js';
import { FilePageSink, MemoryPageSink, type PageSink } from './sqlite-format.js';
import { Simulator } from './simulate.js';

export interface RankRunOptions {
  ranks: number;
  /** steps per rank (default 20); ignored when sizeMb is given */
  iterations?: number | undefined;
  /** approximate size of each rank's file, MiB: sets the number of steps */
  sizeMb?: number | undefined;
  /** rank whose kernels take `stragglerScale` × longer (default 1.6) */
  straggler?: number | undefined;
  stragglerScale?: number | undefined;
  /** rank whose host data loading takes `slowDataScale` × longer (default 10) */
  slowData?: number | undefined;
  slowDataScale?: number | undefined;
  /** rank whose Python host work (launch gaps, API calls) takes `slowHostScale` × longer (default 30), data loading unchanged */
  slowHost?: number | undefined;
  slowHostScale?: number | undefined;
  /** what ties the ranks together (TORCHELASTIC_RUN_ID in each capture's environment); default "run-<seed>" */
  runId?: string | undefined;
  /** rank r's export runs on a clock r × this many ms ahead (different hosts): the reduce must align them */
  clockSkewMs?: number | undefined;
  seed?: number | undefined;
  signal?: AbortSignal | undefined;
}

export interface RankRunStats {
  files: string[];
  iterations: number;
  rows: number;
  durationNs: number;
}

export const DATALOADER_LABEL = 'DataLoader';

function checkRank(v: number | undefined, n: number, what: string): void {
  if (v !== undefined && (!Number.isInteger(v) || v < 0 || v >= n)) throw new UserError(`${what} must be a rank in 0..${n - 1} (got ${v})`);
}

/** The scenario of an N-rank data-parallel run. */
export function rankScenario(o: RankRunOptions): Scenario {
  const n = o.ranks;
  if (!Number.isInteger(n) || n < 1 || n > 4096) throw new UserError(`--ranks must be an integer in 1..4096 (got ${n})`);
  checkRank(o.straggler, n, '--straggler');
  checkRank(o.slowData, n, '--slow-data');
  checkRank(o.slowHost, n, '--slow-host');
  const hostScale = o.slowHostScale ?? 30;
  const seed = o.seed ?? 1;
  const runId = o.runId ?? `run-${seed}`;
  const processes: ProcessSpec[] = Array.from({ length: n }, (_, r) => ({
    name: 'python3', rank: r, pid: 30000 + 17 * r, device: r, threads: ['pt_main_thread'],
    ...(r === o.straggler ? { gpuScale: o.stragglerScale ?? 1.6 } : {}),
    ...(r === o.slowData ? { labelScale: { [DATALOADER_LABEL]: o.slowDataScale ?? 10 } } : {}),
    ...(r === o.slowHost ? { cpuScale: hostScale, labelScale: { [DATALOADER_LABEL]: (r === o.slowData ? o.slowDataScale ?? 10 : 1) / hostScale } } : {}),
    env: {
      RANK: String(r), LOCAL_RANK: String(r % 8), WORLD_SIZE: String(n), LOCAL_WORLD_SIZE: String(Math.min(n, 8)),
      MASTER_ADDR: 'node0', MASTER_PORT: '29500', TORCHELASTIC_RUN_ID: runId,
    },
  }));
  return {
    name: `ddp-${n}ranks`, seed, iterations: { count: o.iterations ?? 20 },
    devices: Array.from({ length: n }, () => ({})),
    processes,
    pythonStack: ['train.py:112 main', 'train.py:130 <module>'],
    step: [
      {
        type: 'cpu', durationUs: 1500, label: DATALOADER_LABEL, at: 'train.py:64 train_step',
        osrt: [
          { name: 'open64', durationUs: 30, at: 'data.py:27 __getitem__' },
          { name: 'read', durationUs: 200, count: 4, at: 'data.py:31 __getitem__' },
        ],
      },
      BATCH_IN,
      ...layers(4),
      // DDP's gradient all-reduce after backward, waited on by the optimizer step
      { type: 'nccl', op: 'AllReduce', bytes: 128 << 20, durationUs: 1200, at: 'train.py:80 train_step', blocking: true },
      OPTIM,
      // loss.item(): the host waits for the step to finish
      { type: 'sync', api: 'stream', at: 'train.py:88 train_step' },
    ],
  };
}

function simulate(sc: Scenario, sinks: PageSink[], signal?: AbortSignal, clockSkewMs = 0): { rows: number; durationNs: number } {
  const dbs = sinks.map((s, r) => new NsysDb(s, Math.round(r * clockSkewMs * 1e6)));
  const sim = new Simulator(dbs[0]!, sc, dbs);
  sim.run(signal);
  let rows = 0;
  sim.procs.forEach((p, i) => {
    throwIfAborted(signal);
    writeMetadata(dbs[i]!, { ...sc, name: `${sc.name}-rank${p.rank}` }, [p], 0, sim.endNs);
    dbs[i]!.finish();
    rows += dbs[i]!.rows;
  });
  return { rows, durationNs: sim.endNs };
}

/** Bytes of one rank's file per step and fixed, measured by generating two short one-rank runs in memory. */
export function bytesPerStep(o: RankRunOptions): { perStep: number; base: number } {
  const size = (steps: number) => {
    const sink = new MemoryPageSink();
    simulate(rankScenario({ ...o, ranks: 1, straggler: undefined, slowData: undefined, slowHost: undefined, iterations: steps }), [sink]);
    return sink.bytes().length;
  };
  const a = size(8);
  const b = size(40);
  const perStep = Math.max(1, (b - a) / 32);
  return { perStep, base: Math.max(0, a - 8 * perStep) };
}

/** Writes `rank<r>.sqlite` for every rank into `outDir` (temporary files renamed into place when complete). */
export function writeRankProfiles(outDir: string, o: RankRunOptions): RankRunStats {
  let iterations = o.iterations ?? 20;
  if (o.sizeMb !== undefined) {
    if (!(o.sizeMb > 0)) throw new UserError(`--size-mb must be a positive number (got ${o.sizeMb})`);
    const { perStep, base } = bytesPerStep(o);
    iterations = Math.max(2, Math.round((o.sizeMb * 2 ** 20 - base) / perStep));
  }
  const sc = rankScenario({ ...o, iterations });
  mkdirSync(outDir, { recursive: true });
  const files = Array.from({ length: o.ranks }, (_, r) => join(outDir, `rank${r}.sqlite`));
  const tmps = files.map((f) => `${f}.tmp-${process.pid}`);
  const sinks: FilePageSink[] = [];
  try {
    for (const t of tmps) sinks.push(new FilePageSink(t));
    const { rows, durationNs } = simulate(sc, sinks, o.signal, o.clockSkewMs ?? 0);
    files.forEach((f, i) => renameSync(tmps[i]!, f));
    return { files, iterations, rows, durationNs };
  } catch (e) {
    for (const s of sinks) {
      try { s.close(); } catch { /* already closed */ }
    }
    for (const t of tmps) rmSync(t, { force: true });
    throw e;
  }
}
