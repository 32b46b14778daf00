// Hand-made capture and replay profiles for the graph tests: a capture is launches between begin/end-capture
// calls that run nothing, each with its kernel name, grid/block and Python line; a replay is one graph launch
// whose kernels carry its correlation id.
import type { ProfileModel } from '../../core/profile.js';
import { launchDimsKey } from '../../core/tables.js';
import { ModelBuilder } from '../queries/model-builder.js';

export interface CapLaunch {
  kernel: string;
  /** "file.py:12 fn" */
  at?: string;
  grid?: [number, number, number];
  block?: [number, number, number];
}

export interface ReplayKernel {
  kernel: string;
  us?: number;
  grid?: [number, number, number];
  block?: [number, number, number];
}

const PID = 7;
const TID = 7;

/** A Python stack for `at` ("file.py:12 fn"), with a torch frame inside it as real stacks have. */
function chain(b: ModelBuilder, at: string | undefined): number {
  if (!at) return -1;
  const m = /^(.+?):(\d+) (.+)$/.exec(at)!;
  const id = b.callchains.size;
  b.callchains.set(id, [
    { symbol: '<built-in method launch>' },
    { symbol: '__call__', file: 'torch/_ops.py', line: 840 },
    { symbol: m[3]!, file: m[1]!, line: Number(m[2]) },
  ]);
  return id;
}

/** A capture profile: one begin/end-capture window per entry of `graphs` (or none with `bracketed: false`). */
export function captureModel(graphs: CapLaunch[][], opts: { bracketed?: boolean } = {}): ProfileModel {
  const b = new ModelBuilder();
  let t = 1_000;
  let corr = 1;
  for (const g of graphs) {
    if (opts.bracketed !== false) b.api('cudaStreamBeginCapture_v10000', t, t + 5, { pid: PID, tid: TID, correlationId: corr++ });
    t += 10;
    for (const l of g) {
      const dims = l.grid && l.block ? b.strings.intern(launchDimsKey(...l.grid, ...l.block)) : -1;
      b.api('cudaLaunchKernel_v7000', t, t + 4, {
        pid: PID, tid: TID, correlationId: corr++, kernelNameId: b.strings.intern(l.kernel), launchDimsId: dims, callchainId: chain(b, l.at),
      });
      t += 10;
    }
    if (opts.bracketed !== false) b.api('cudaStreamEndCapture_v10000', t, t + 5, { pid: PID, tid: TID, correlationId: corr++ });
    t += 100;
  }
  return b.build('capture.json');
}

export interface ReplaySpec {
  kernels: ReplayKernel[];
  /** replay site of the launch; omitted: no stack */
  at?: string;
  /** false: the launch call is not in the trace (its kernels still share a correlation id) */
  launched?: boolean;
}

/** A replay profile: one graph launch per spec, its kernels back to back on stream 7; plus one eager kernel. */
export function replayModel(replays: ReplaySpec[], build?: (b: ModelBuilder) => void): ProfileModel {
  const b = new ModelBuilder();
  let t = 10_000;
  let corr = 1000;
  b.api('cudaLaunchKernel_v7000', 5_000, 5_004, { pid: PID, tid: TID, correlationId: 999 });
  b.kernel('eager_kernel', 5_010, 5_020, { pid: PID, correlationId: 999, streamId: 7 });
  for (const r of replays) {
    const c = corr++;
    if (r.launched !== false) b.api('cudaGraphLaunch_v10000', t, t + 8, { pid: PID, tid: TID, correlationId: c, callchainId: chain(b, r.at) });
    let g = t + 20;
    for (const k of r.kernels) {
      const d = (k.us ?? 1) * 1000;
      b.kernel(k.kernel, g, g + d, {
        pid: PID, correlationId: c, streamId: 7,
        ...(k.grid ? { gridX: k.grid[0], gridY: k.grid[1], gridZ: k.grid[2] } : {}),
        ...(k.block ? { blockX: k.block[0], blockY: k.block[1], blockZ: k.block[2] } : {}),
      });
      g += d + 100;
    }
    t = g + 1_000;
  }
  build?.(b);
  return b.build('replay.json');
}
