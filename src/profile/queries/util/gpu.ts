// GPU activity: presence check, per-device busy intervals, pid → device, all GPU work in time order.
import { UserError } from '../../../core/errors.js';
import { CopyKind, MemKind, type ProfileModel } from '../../../core/profile.js';
import { type Intervals, mergeByDevice, unionIntervals } from './intervals.js';
import { nameOf } from './names.js';
import { DenseIndex, startOrder } from './order.js';

export function hasGpuActivity(model: ProfileModel): boolean {
  return model.kernels.length + model.memcpy.length + model.memset.length > 0;
}

/** For the GPU-only queries: a profile without kernels or copies is bad input (exit 2). */
export function requireGpu(model: ProfileModel, query: string): void {
  if (hasGpuActivity(model)) return;
  const found = Object.entries(model.meta.tables).filter(([, n]) => n > 0).map(([t]) => t);
  throw new UserError(
    `${query}: ${model.meta.source} has no GPU activity (no kernels or copies): ` +
      (found.length ? `it holds only ${found.slice(0, 6).join(', ')}` : 'it holds no events'),
  );
}

export interface DeviceBusy {
  deviceId: number;
  /** union of kernels, copies and memsets on the device */
  busy: Intervals;
  /** union of kernels only */
  kernels: Intervals;
}

const busyCache = new WeakMap<ProfileModel['kernels'], DeviceBusy[]>();

/** Per-device busy intervals (kernels ∪ memcpy ∪ memset), ascending device id. Cached per model. */
export function deviceBusy(model: ProfileModel): DeviceBusy[] {
  const cached = busyCache.get(model.kernels);
  if (cached) return cached;
  const { kernels: kt, memcpy: ct, memset: st } = model;
  const k = mergeByDevice(kt.start, kt.end, kt.deviceId, startOrder(kt.start));
  const c = mergeByDevice(ct.start, ct.end, ct.deviceId, startOrder(ct.start));
  const s = mergeByDevice(st.start, st.end, st.deviceId, startOrder(st.start));
  const devices = [...new Set([...k.keys(), ...c.keys(), ...s.keys()])].sort((a, b) => a - b);
  const none: Intervals = { length: 0, start: new Float64Array(0), end: new Float64Array(0) };
  const out = devices.map((deviceId): DeviceBusy => {
    const kernels = k.get(deviceId) ?? none;
    const busy = unionIntervals(unionIntervals(kernels, c.get(deviceId) ?? none), s.get(deviceId) ?? none);
    return { deviceId, busy, kernels };
  });
  busyCache.set(model.kernels, out);
  return out;
}


/** For each pid that issued GPU work: the device where it ran the most kernels and copies. */
export function primaryDeviceByPid(model: ProfileModel): Map<number, number> {
  const pairs = new DenseIndex();
  const counts: number[] = [];
  for (const t of [model.kernels, model.memcpy]) {
    const pid = t.pid;
    const dev = t.deviceId;
    for (let i = 0, n = t.length; i < n; i++) {
      const k = pairs.of(pid[i]! * 65536 + dev[i]! + 32768);
      counts[k] = (counts[k] ?? 0) + 1;
    }
  }
  const best = new Map<number, [number, number]>();
  pairs.keys.forEach((key, k) => {
    const pid = Math.floor(key / 65536);
    const dev = key - pid * 65536 - 32768;
    const b = best.get(pid);
    if (!b || counts[k]! > b[1]) best.set(pid, [dev, counts[k]!]);
  });
  return new Map([...best].map(([pid, [dev]]) => [pid, dev]));
}


export const OP_KERNEL = 0;
export const OP_MEMCPY = 1;
export const OP_MEMSET = 2;

/** Every kernel, copy and memset, ascending by start: table (OP_*) and row. */
export interface GpuOps {
  length: number;
  table: Uint8Array;
  row: Int32Array;
}

const opsCache = new WeakMap<ProfileModel['kernels'], GpuOps>();

export function gpuOpsInOrder(model: ProfileModel): GpuOps {
  const cached = opsCache.get(model.kernels);
  if (cached) return cached;
  const tables = [model.kernels, model.memcpy, model.memset];
  const starts = tables.map((t) => t.start);
  const orders = tables.map((t) => startOrder(t.start));
  const lens = tables.map((t) => t.length);
  const n = lens[0]! + lens[1]! + lens[2]!;
  const table = new Uint8Array(n);
  const row = new Int32Array(n);
  const at = [0, 0, 0];
  // next start of each table (Infinity when exhausted)
  const head = [0, 1, 2].map((t) => (lens[t]! > 0 ? starts[t]![orders[t]![0]!]! : Infinity));
  for (let i = 0; i < n; i++) {
    const best = head[0]! <= head[1]! ? (head[0]! <= head[2]! ? 0 : 2) : head[1]! <= head[2]! ? 1 : 2;
    const o = orders[best]!;
    const a = at[best]!;
    table[i] = best;
    row[i] = o[a]!;
    at[best] = a + 1;
    head[best] = a + 1 < lens[best]! ? starts[best]![o[a + 1]!]! : Infinity;
  }
  const ops = { length: n, table, row };
  opsCache.set(model.kernels, ops);
  return ops;
}

/** Short display name of a GPU op: kernel name, or "memcpy HtoD" / "memset". */
export function opName(model: ProfileModel, table: number, row: number): string {
  if (table === OP_KERNEL) return nameOf(model, model.kernels.nameId[row]!);
  if (table === OP_MEMCPY) return `memcpy ${COPY_KIND_NAMES[model.memcpy.copyKind[row]!] ?? 'Unknown'}`;
  return 'memset';
}

/** The member names of a numeric enum whose codes are 0…n-1, indexed by code (the enum's reverse mapping). */
function namesByCode(e: Record<string, string | number>): readonly string[] {
  return Object.values(e).filter((v): v is string => typeof v === 'string');
}

/** Display names of the copy directions and memory kinds, by code. */
export const COPY_KIND_NAMES = namesByCode(CopyKind);
export const MEM_KIND_NAMES = namesByCode(MemKind);
