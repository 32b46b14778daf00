// Which processes of a profile are ranks, and which rank each one is: Kineto distributedInfo, the capture's
// environment (RANK / WORLD_SIZE / SLURM_PROCID …), "rank3" in a process name, the file name ("trace_rank3.json",
// "report.7.sqlite"), the order of the GPUs the processes drive, else input order. Also the run key that ties
// the ranks of one run together.
import { basename } from 'node:path';
import { sha256Hex } from '../../core/hash.js';
import type { ProfileModel } from '../../core/profile.js';
import type { RankSource } from '../../core/ranks.js';

export interface RankProcess {
  pid: number;
  name: string;
  /** devices of its GPU work, ascending */
  deviceIds: number[];
}

/** Processes with GPU work (kernels, copies, memsets), ordered by their first GPU, then pid. */
export function rankProcesses(model: ProfileModel): RankProcess[] {
  const devs = new Map<number, Set<number>>();
  for (const t of [model.kernels, model.memcpy, model.memset]) {
    let lastPid = Number.NaN;
    let lastDev = Number.NaN;
    for (let r = 0; r < t.length; r++) {
      const pid = t.pid[r]!;
      const dev = t.deviceId[r]!;
      if (pid === lastPid && dev === lastDev) continue;
      lastPid = pid;
      lastDev = dev;
      let s = devs.get(pid);
      if (!s) devs.set(pid, (s = new Set()));
      if (dev >= 0) s.add(dev);
    }
  }
  const names = new Map(model.meta.processes.map((p) => [p.pid, p.name]));
  return [...devs.entries()]
    .map(([pid, s]) => ({ pid, name: names.get(pid) ?? '', deviceIds: [...s].sort((a, b) => a - b) }))
    .sort((a, b) => (a.deviceIds[0] ?? Infinity) - (b.deviceIds[0] ?? Infinity) || a.pid - b.pid);
}

const RANK_ENV = ['RANK', 'OMPI_COMM_WORLD_RANK', 'PMI_RANK', 'SLURM_PROCID', 'PMIX_RANK'];
const SIZE_ENV = ['WORLD_SIZE', 'OMPI_COMM_WORLD_SIZE', 'PMI_SIZE', 'SLURM_NTASKS', 'SLURM_NPROCS'];
const RUN_ENV = ['TORCHELASTIC_RUN_ID', 'SLURM_JOB_ID', 'PBS_JOBID', 'LSB_JOBID', 'MASTER_ADDR', 'MASTER_PORT'];

function nonNegInt(v: string | undefined): number | undefined {
  if (v === undefined || !/^\d+$/.test(v.trim())) return undefined;
  return Number(v);
}

export function envRank(env: Record<string, string> | undefined): { rank?: number; worldSize?: number } {
  if (!env) return {};
  const rank = RANK_ENV.map((k) => nonNegInt(env[k])).find((x) => x !== undefined);
  const worldSize = SIZE_ENV.map((k) => nonNegInt(env[k])).find((x) => x !== undefined && x > 0);
  return { ...(rank !== undefined ? { rank } : {}), ...(worldSize !== undefined ? { worldSize } : {}) };
}

/** "rank3", "rank_3", "rank-3", "RANK 3" in a process name. */
export function processNameRank(name: string): number | undefined {
  const m = /rank[\s_-]?(\d+)/i.exec(name);
  return m ? Number(m[1]) : undefined;
}

/** "trace_rank3.json", "rank-3.sqlite", "report.7.sqlite", "worker_7.pt.trace.json". */
export function fileNameRank(path: string): number | undefined {
  const b = basename(path);
  const m = /rank[\s_.-]?(\d+)/i.exec(b) ?? /[._-](\d+)\.(?:nsys-rep\.)?(?:sqlite|json|json\.gz|pt\.trace\.json(?:\.gz)?)$/i.exec(b);
  return m ? Number(m[1]) : undefined;
}

/**
 * What ties the ranks of one run together: the run ids of the launcher/scheduler in the environment, else the
 * recorded command line with rank-specific arguments removed. Undefined when the profile says neither.
 */
export function runKeyOf(model: ProfileModel): string | undefined {
  const env = model.meta.captureEnv;
  const parts: string[] = [];
  if (env) for (const k of RUN_ENV) if (env[k] !== undefined) parts.push(`${k}=${env[k]}`);
  if (!parts.length && model.meta.commandLine) {
    parts.push(model.meta.commandLine.replace(/--?(local[_-]?)?rank[= ]\S+/gi, '').replace(/\b(LOCAL_)?RANK=\S+/g, '').replace(/\s+/g, ' ').trim());
  }
  if (!parts.length && model.meta.distributed?.backend) parts.push(`${model.meta.distributed.backend}:${model.meta.distributed.worldSize}`);
  return parts.length ? sha256Hex(parts.join('\n')).slice(0, 16) : undefined;
}

export interface IdentityGuess {
  rank: number;
  source: RankSource;
  worldSize?: number;
}

/**
 * Rank of each of the profile's rank processes, strongest evidence first. `orderBase` numbers processes that have
 * nothing better (their position in the sorted input).
 */
export function identifyRanks(model: ProfileModel, procs: RankProcess[], path: string, orderBase = 0): IdentityGuess[] {
  const single = procs.length === 1;
  const dist = model.meta.distributed;
  const env = envRank(model.meta.captureEnv);
  const worldSize = dist?.worldSize ?? env.worldSize;
  const ws = worldSize !== undefined ? { worldSize } : {};
  const fileRank = fileNameRank(path);
  return procs.map((p, i) => {
    const metaRank = model.meta.processes.find((x) => x.pid === p.pid)?.rank;
    if (dist && single) return { rank: dist.rank, source: 'distributedInfo', ...ws };
    if (metaRank !== undefined) return { rank: metaRank, source: 'distributedInfo', ...ws };
    if (single && env.rank !== undefined) return { rank: env.rank, source: 'env', ...ws };
    const pn = processNameRank(p.name);
    if (pn !== undefined) return { rank: pn, source: 'process-name', ...ws };
    if (single && fileRank !== undefined) return { rank: fileRank, source: 'file-name', ...ws };
    if (!single) return { rank: i, source: 'device', ...ws };
    return { rank: orderBase, source: 'order', ...ws };
  });
}
