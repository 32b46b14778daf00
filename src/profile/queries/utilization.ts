// utilization: GPU busy fraction over time per device (kernels ∪ copies ∪ memsets), in N equal bins
// over the GPU-active span, plus the overall busy percentage.
import type { ProfileModel } from '../../core/profile.js';
import { pct, table } from './format.js';
import type { QueryDef } from './query-def.js';
import { type Intervals, deviceBusy, intArg, numArg, requireGpu, round, totalLength } from './util.js';

export interface DeviceUtilization {
  deviceId: number;
  busyNs: number;
  /** busy share of the common span (first to last GPU op over all devices) */
  busyPct: number;
  /** kernels only, share of the span */
  kernelBusyPct: number;
  /** busy fraction 0..1 per bin */
  binBusyFraction: number[];
}

export interface UtilizationResult {
  startNs: number;
  endNs: number;
  binNs: number;
  bins: number;
  /** mean busy share over devices */
  overallBusyPct: number;
  devices: DeviceUtilization[];
}

/** Busy time of `iv` in each of `bins` equal bins of [start, start + bins*binNs). */
export function binIntervals(iv: Intervals, start: number, binNs: number, bins: number): Float64Array {
  const out = new Float64Array(bins);
  if (binNs <= 0) return out;
  const binOf = (t: number) => Math.min(bins - 1, Math.max(0, Math.floor((t - start) / binNs)));
  for (let i = 0; i < iv.length; i++) {
    const a = iv.start[i]!;
    const b = iv.end[i]!;
    // the first bin reaches back to -∞ and the last on to +∞, so every instant lands in exactly one bin
    for (let k = binOf(a), last = binOf(b); k <= last; k++) {
      const lo = k === 0 ? -Infinity : start + k * binNs;
      const hi = k === bins - 1 ? Infinity : start + (k + 1) * binNs;
      const ov = Math.min(b, hi) - Math.max(a, lo);
      if (ov > 0) out[k]! += ov;
    }
  }
  return out;
}

/** Upper bound on bins, so the result stays small. */
export const MAX_BINS = 2000;

export function utilization(model: ProfileModel, opts: { bins?: number; deviceId?: number | null } = {}): UtilizationResult {
  const bins = Math.min(MAX_BINS, Math.max(1, opts.bins ?? 50));
  const all = deviceBusy(model).filter((d) => opts.deviceId == null || d.deviceId === opts.deviceId);
  let startNs = Infinity;
  let endNs = -Infinity;
  for (const d of all) {
    if (d.busy.length === 0) continue;
    startNs = Math.min(startNs, d.busy.start[0]!);
    endNs = Math.max(endNs, d.busy.end[d.busy.length - 1]!);
  }
  if (!Number.isFinite(startNs)) [startNs, endNs] = [0, 0];
  const span = endNs - startNs;
  const binNs = span / bins;
  const devices = all.map((d): DeviceUtilization => {
    const busyNs = totalLength(d.busy);
    const per = binIntervals(d.busy, startNs, binNs, bins);
    return {
      deviceId: d.deviceId,
      busyNs,
      busyPct: span > 0 ? round((100 * busyNs) / span, 2) : 0,
      kernelBusyPct: span > 0 ? round((100 * totalLength(d.kernels)) / span, 2) : 0,
      binBusyFraction: Array.from(per, (x) => (binNs > 0 ? round(Math.min(1, x / binNs), 3) : 0)),
    };
  });
  const overall = devices.length ? devices.reduce((a, d) => a + d.busyPct, 0) / devices.length : 0;
  return { startNs, endNs, binNs: round(binNs, 1), bins, overallBusyPct: round(overall, 2), devices };
}

const SPARK = ' ▁▂▃▄▅▆▇█';

export function formatUtilization(r: UtilizationResult): string {
  const rows = r.devices.map((d) => [
    d.deviceId, pct(d.busyPct), pct(d.kernelBusyPct),
    d.binBusyFraction.map((f) => SPARK[Math.round(f * (SPARK.length - 1))]).join(''),
  ]);
  return `GPU busy ${pct(r.overallBusyPct)} over ${round((r.endNs - r.startNs) / 1e6, 3)} ms ` +
    `(${r.bins} bins of ${round(r.binNs / 1e6, 3)} ms)\n${table(['device', 'busy', 'kernels', 'busy over time'], rows, 200)}`;
}

export const utilizationQuery: QueryDef<UtilizationResult> = {
  name: 'utilization',
  description: 'GPU busy fraction over time per device (kernels, copies, memsets) in N bins, plus overall',
  params: [
    { name: 'bins', type: 'number', description: 'number of time bins (at most 2000)', default: 50 },
    { name: 'deviceId', type: 'number', description: 'only this GPU (default: all)' },
    { name: 'limit', type: 'number', description: 'maximum devices listed', default: 64 },
  ],
  run(model, args) {
    requireGpu(model, 'utilization');
    const r = utilization(model, {
      bins: intArg(args, 'bins', 50, 1),
      deviceId: args.deviceId === undefined ? null : numArg(args, 'deviceId', 0),
    });
    return { ...r, devices: r.devices.slice(0, intArg(args, 'limit', 64, 1)) };
  },
  format: (r) => formatUtilization(r),
};
