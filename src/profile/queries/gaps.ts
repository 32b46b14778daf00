// gaps: GPU idle gaps above a threshold, device-wide (no kernel/copy on any stream) and per stream, with
// what the CPU threads were doing during each listed gap. One sweep over all GPU work in time order.
import type { ProfileModel } from '../../core/profile.js';
import { type CpuActivity, cpuDuring, describeActivity } from './cpu-activity.js';
import { ms, pct, table } from './format.js';
import type { QueryDef } from './query-def.js';
import {
  DenseIndex, LIMIT_PARAM, NS_PER_US, TopN, deviceBusy, gpuOpsInOrder, intArg, numArg, opName, requireGpu,
  round, strArg, totalLength,
} from './util.js';
import { UserError } from '../../core/errors.js';

export type GapScope = 'device' | 'stream';

export interface Gap {
  scope: GapScope;
  deviceId: number;
  /** null for device-wide gaps */
  streamId: number | null;
  startNs: number;
  endNs: number;
  durationNs: number;
  /** the GPU op that ended at the gap's start and the one that starts at its end */
  before: string;
  after: string;
  cpu: CpuActivity[];
}

export interface GapDeviceStats {
  deviceId: number;
  /** first GPU op start to last GPU op end on the device */
  spanNs: number;
  busyNs: number;
  idleNs: number;
  /** gaps >= minGapNs and their total */
  gapCount: number;
  gapTotalNs: number;
  largestGapNs: number;
}

export interface GapStreamStats {
  deviceId: number;
  streamId: number;
  gapCount: number;
  gapTotalNs: number;
  largestGapNs: number;
}

export interface GapsResult {
  minGapNs: number;
  scope: GapScope | 'all';
  devices: GapDeviceStats[];
  /** streams with the most gap time first, at most `limit` */
  streams: GapStreamStats[];
  /** largest gaps first, at most `limit` */
  gaps: Gap[];
}

export interface GapsOptions {
  minGapNs?: number;
  limit?: number;
  scope?: GapScope | 'all';
  deviceId?: number | null;
  /** CPU activities listed per gap */
  cpuLimit?: number;
}

interface Open {
  end: number;
  endTable: number;
  endRow: number;
  count: number;
  total: number;
  largest: number;
  deviceId: number;
  streamId: number | null;
}

export function gaps(model: ProfileModel, opts: GapsOptions = {}): GapsResult {
  const minGapNs = opts.minGapNs ?? 100 * NS_PER_US;
  const limit = opts.limit ?? 20;
  const scope = opts.scope ?? 'all';
  const onlyDev = opts.deviceId ?? null;
  const ops = gpuOpsInOrder(model);
  const dev = new Map<number, Open>();
  const streamIdx = new DenseIndex();
  const str: Open[] = [];
  const top = new TopN<Omit<Gap, 'cpu' | 'before' | 'after'> & { bt: number; br: number; at: number; ar: number }>(limit);
  const tables = [model.kernels, model.memcpy, model.memset];
  const starts = tables.map((t) => t.start);
  const ends = tables.map((t) => t.end);
  const devs = tables.map((t) => t.deviceId);
  const strs = tables.map((t) => t.streamId);

  const step = (st: Open, t: number, r: number, s: number, e: number, gapScope: GapScope, list: boolean) => {
    // every gap is counted; with scope 'all', one that repeats a device gap (list=false) is not listed again
    if (st.end > -Infinity && s - st.end >= minGapNs) {
      const d = s - st.end;
      st.count++;
      st.total += d;
      if (d > st.largest) st.largest = d;
      if ((scope === gapScope || (scope === 'all' && list)) && top.wants(d)) {
        top.add(d, {
          scope: gapScope, deviceId: st.deviceId, streamId: st.streamId, startNs: st.end, endNs: s, durationNs: d,
          bt: st.endTable, br: st.endRow, at: t, ar: r,
        });
      }
    }
    if (e > st.end) [st.end, st.endTable, st.endRow] = [e, t, r];
  };
  const fresh = (deviceId: number, streamId: number | null): Open =>
    ({ end: -Infinity, endTable: 0, endRow: 0, count: 0, total: 0, largest: 0, deviceId, streamId });

  const opTable = ops.table;
  const opRow = ops.row;
  for (let i = 0, n = ops.length; i < n; i++) {
    const t = opTable[i]!;
    const r = opRow[i]!;
    const d = devs[t]![r]!;
    if (onlyDev !== null && d !== onlyDev) continue;
    const s = starts[t]![r]!;
    const e = ends[t]![r]!;
    const stream = strs[t]![r]!;
    let ds = dev.get(d);
    if (!ds) dev.set(d, (ds = fresh(d, null)));
    const deviceIdleFrom = ds.end;
    step(ds, t, r, s, e, 'device', true);
    const sk = streamIdx.of(d * 2 ** 32 + stream);
    const ss = (str[sk] ??= fresh(d, stream));
    // a stream gap over the same window as a device gap is counted, but listed once (as the device gap)
    step(ss, t, r, s, e, 'stream', ss.end !== deviceIdleFrom);
  }

  const busy = new Map(deviceBusy(model).map((b) => [b.deviceId, b.busy]));
  const devices: GapDeviceStats[] = [...dev.values()].sort((a, b) => a.deviceId - b.deviceId).map((st) => {
    const iv = busy.get(st.deviceId)!;
    const spanNs = iv.length ? iv.end[iv.length - 1]! - iv.start[0]! : 0;
    const busyNs = totalLength(iv);
    return {
      deviceId: st.deviceId, spanNs, busyNs, idleNs: spanNs - busyNs,
      gapCount: st.count, gapTotalNs: st.total, largestGapNs: st.largest,
    };
  });
  const streams: GapStreamStats[] = str
    .filter((st) => st.count > 0)
    .sort((a, b) => b.total - a.total || a.deviceId - b.deviceId || a.streamId! - b.streamId!)
    .slice(0, limit)
    .map((st) => ({ deviceId: st.deviceId, streamId: st.streamId!, gapCount: st.count, gapTotalNs: st.total, largestGapNs: st.largest }));

  // CPU activity during the listed gaps: threads of processes that used this device, or that used no GPU
  const gpuPids = new Map<number, Set<number>>();
  const anyGpuPid = new Set<number>();
  const pairs = new DenseIndex();
  for (const tb of tables) {
    const { deviceId, pid } = tb;
    for (let r = 0, n = tb.length; r < n; r++) pairs.of(pid[r]! * 65536 + deviceId[r]! + 32768);
  }
  for (const key of pairs.keys) {
    const p = Math.floor(key / 65536);
    const d = key - p * 65536 - 32768;
    let set = gpuPids.get(d);
    if (!set) gpuPids.set(d, (set = new Set()));
    set.add(p);
    anyGpuPid.add(p);
  }
  const listed = top.values();
  const cpu = cpuDuring(model, listed.map((g) => ({
    startNs: g.startNs,
    endNs: g.endNs,
    pidFilter: (pid: number) => gpuPids.get(g.deviceId)?.has(pid) || !anyGpuPid.has(pid),
  })), opts.cpuLimit ?? 8);
  const list: Gap[] = listed.map((g, i) => ({
    scope: g.scope, deviceId: g.deviceId, streamId: g.streamId, startNs: g.startNs, endNs: g.endNs, durationNs: g.durationNs,
    before: opName(model, g.bt, g.br), after: opName(model, g.at, g.ar), cpu: cpu[i]!,
  }));
  return { minGapNs, scope, devices, streams, gaps: list };
}

export function formatGaps(r: GapsResult): string {
  const dev = table(
    ['device', 'span ms', 'busy ms', 'idle ms', 'idle %', `gaps ≥${round(r.minGapNs / 1e3, 1)}µs`, 'gap ms', 'largest ms'],
    r.devices.map((d) => [d.deviceId, round(d.spanNs / 1e6, 3), round(d.busyNs / 1e6, 3), round(d.idleNs / 1e6, 3),
      pct(d.spanNs ? (100 * d.idleNs) / d.spanNs : 0), d.gapCount, round(d.gapTotalNs / 1e6, 3), round(d.largestGapNs / 1e6, 3)]),
  );
  const str = r.streams.length
    ? `\n\nStreams with the most gap time\n${table(['device', 'stream', 'gaps', 'gap ms', 'largest ms'],
      r.streams.map((s) => [s.deviceId, s.streamId, s.gapCount, round(s.gapTotalNs / 1e6, 3), round(s.largestGapNs / 1e6, 3)]))}`
    : '';
  const gapsText = r.gaps.map((g, i) => {
    const where = g.scope === 'device' ? `device ${g.deviceId}` : `device ${g.deviceId} stream ${g.streamId}`;
    const cpu = g.cpu.length ? g.cpu.map((a) => `      ${describeActivity(a)}`).join('\n') : '      (no CPU events recorded in this window)';
    return `  ${i + 1}. ${ms(g.durationNs)} idle on ${where} at ${g.startNs} ns, after ${g.before}, before ${g.after}\n${cpu}`;
  }).join('\n');
  return `${dev}${str}\n\nLargest gaps\n${gapsText || '  (none above the threshold)'}`;
}

export const gapsQuery: QueryDef<GapsResult> = {
  name: 'gaps',
  description: 'GPU idle gaps per device (no kernel/copy on any stream) and per stream, with what the CPU threads did meanwhile',
  params: [
    LIMIT_PARAM,
    { name: 'minGapUs', type: 'number', description: 'smallest gap reported, µs', default: 100 },
    { name: 'scope', type: 'string', description: 'device | stream | all', default: 'all' },
    { name: 'deviceId', type: 'number', description: 'only this GPU (default: all)' },
    { name: 'cpuLimit', type: 'number', description: 'CPU activities listed per gap', default: 8 },
  ],
  run(model, args) {
    requireGpu(model, 'gaps');
    const scope = strArg(args, 'scope') ?? 'all';
    if (scope !== 'device' && scope !== 'stream' && scope !== 'all') throw new UserError(`--scope must be device, stream or all, got "${scope}"`);
    return gaps(model, {
      minGapNs: numArg(args, 'minGapUs', 100) * NS_PER_US,
      limit: intArg(args, 'limit', 20, 1),
      scope,
      deviceId: args.deviceId === undefined ? null : numArg(args, 'deviceId', 0),
      cpuLimit: intArg(args, 'cpuLimit', 8, 0),
    });
  },
  format: (r) => formatGaps(r),
};
