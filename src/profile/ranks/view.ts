// One process of a profile as a profile of its own: every event table filtered to the process' rows, sharing the
// string table and callchains. An nsys export of one node holds several rank processes; each rank's metrics
// (steps, NCCL, idle) are the existing queries run on its view.
import type { ProfileModel } from '../../core/profile.js';

type Column = Float64Array | Int32Array | Uint8Array;
type AnyTable = { length: number } & Record<string, unknown>;

/** The rows of `t` for which keep(row) holds, column by column. */
export function filterRows<T extends { length: number }>(t: T, keep: (row: number) => boolean): T {
  const src = t as unknown as AnyTable;
  const rows: number[] = [];
  for (let r = 0; r < t.length; r++) if (keep(r)) rows.push(r);
  const out: AnyTable = { length: rows.length };
  for (const [k, v] of Object.entries(src)) {
    if (k === 'length') continue;
    if (ArrayBuffer.isView(v)) {
      const col = v as Column;
      const next = new (col.constructor as { new (n: number): Column })(rows.length);
      for (let i = 0; i < rows.length; i++) next[i] = col[rows[i]!]!;
      out[k] = next;
    } else out[k] = v;
  }
  return out as unknown as T;
}

/** The profile as seen by process `pid` alone (same clock, same strings). */
export function processView(model: ProfileModel, pid: number): ProfileModel {
  const by = <T extends { pid: Int32Array; length: number }>(t: T): T => filterRows(t, (r) => t.pid[r] === pid);
  const m = model.meta;
  return {
    ...model,
    meta: {
      ...m,
      processes: m.processes.filter((p) => p.pid === pid),
      threads: m.threads.filter((t) => t.pid === pid),
    },
    kernels: by(model.kernels),
    runtime: by(model.runtime),
    memcpy: by(model.memcpy),
    memset: by(model.memset),
    sync: by(model.sync),
    nvtx: by(model.nvtx),
    cpu: by(model.cpu),
    osrt: by(model.osrt),
  };
}
