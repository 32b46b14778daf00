// A diff side in its kept (binary) form, for the profile's cache entry (src/profile/cache/results.ts): the
// facts of the meta and the kernel totals in the header; the step windows, every per-step series, the
// per-category and per-kernel series as Float64 arrays. A later `sysight diff` of the same file reads this
// (tens of KB to a few MB, one checksum) instead of the model's columns and the pass over them.
import type { KeptArray, KeptBinary } from '../cache/results.js';
import { CATEGORY_IDS, type CategoryId, type StepMetrics } from '../queries/step-metrics.js';
import type { CpuStepMetrics } from './cpu.js';
import type { DiffSide } from './diff.js';
import type { NamedSeries } from './series.js';

/** bump when the side's layout or what stepMetrics computes changes shape */
export const DIFF_SIDE_VERSION = 2;
export const DIFF_SIDE = 'diff-side';

/** StepMetrics' per-step series (Float64Array), in their kept order */
const SERIES = ['durationNs', 'kernelNs', 'kernelCount', 'memcpyNs', 'memcpyCount', 'memcpyBytes', 'memsetNs', 'syncNs',
  'syncCount', 'ncclNs', 'ncclExposedNs', 'idleNs', 'smallGapNs'] as const satisfies readonly (keyof StepMetrics)[];

interface MetricsHeader {
  method: string;
  basis: StepMetrics['basis'];
  gpuCount: number;
  kernelNames: string[];
  kernelTotals: [string, number, number][];
  /** array index of the first of: step starts, ends, indices, SERIES…, categories…, kernelPerStep… */
  at: number;
}

function packMetrics(m: StepMetrics, arrays: KeptArray[]): MetricsHeader {
  const at = arrays.length;
  arrays.push(Float64Array.from(m.iterations, (i) => i.startNs), Float64Array.from(m.iterations, (i) => i.endNs),
    Float64Array.from(m.iterations, (i) => i.index));
  for (const k of SERIES) arrays.push(m[k]);
  for (const c of CATEGORY_IDS) arrays.push(m.categories[c]);
  arrays.push(...m.kernelPerStep);
  return {
    method: m.method, basis: m.basis, gpuCount: m.gpuCount, kernelNames: m.kernelNames,
    kernelTotals: [...m.kernelTotals].map(([n, t]) => [n, t.totalNs, t.count]), at,
  };
}

function unpackMetrics(h: MetricsHeader, arrays: KeptArray[]): StepMetrics {
  let i = h.at;
  const next = (): Float64Array => {
    const a = arrays[i++];
    if (!(a instanceof Float64Array)) throw new Error('a step series is missing');
    return a;
  };
  const [starts, ends, index] = [next(), next(), next()];
  const n = starts.length;
  const series = Object.fromEntries(SERIES.map((k) => [k, next()])) as Record<(typeof SERIES)[number], Float64Array>;
  const categories = Object.fromEntries(CATEGORY_IDS.map((c) => [c, next()])) as Record<CategoryId, Float64Array>;
  const kernelPerStep = h.kernelNames.map(() => next());
  if ([ends, index, ...Object.values(series), ...Object.values(categories), ...kernelPerStep].some((a) => a.length !== n)) {
    throw new Error('step series of different lengths');
  }
  return {
    method: h.method, basis: h.basis, gpuCount: h.gpuCount,
    iterations: Array.from(starts, (startNs, j) => ({ index: index[j]!, startNs, endNs: ends[j]! })),
    ...series, categories, kernelNames: h.kernelNames, kernelPerStep,
    kernelTotals: new Map(h.kernelTotals.map(([name, totalNs, count]) => [name, { totalNs, count }])),
  };
}

interface CpuHeader {
  counts: CpuStepMetrics['counts'];
  ops: { names: string[]; totals: [string, number, number][]; steps: number };
  python: { names: string[]; totals: [string, number, number][]; steps: number };
  /** array index of the first of: data loading, operator self, Python self, ops per step…, python per step… */
  at: number;
}

function packCpu(c: CpuStepMetrics, arrays: KeptArray[]): CpuHeader {
  const at = arrays.length;
  arrays.push(c.dataLoadingNs, c.opSelfNs, c.pythonSelfNs, ...c.ops.perStep, ...c.python.perStep);
  const named = (n: NamedSeries) => ({ names: n.names, totals: [...n.totals].map(([k, t]): [string, number, number] => [k, t.totalNs, t.count]), steps: n.steps });
  return { counts: c.counts, ops: named(c.ops), python: named(c.python), at };
}

function unpackCpu(h: CpuHeader, arrays: KeptArray[], steps: number): CpuStepMetrics {
  let i = h.at;
  const next = (): Float64Array => {
    const a = arrays[i++];
    if (!(a instanceof Float64Array) || a.length !== steps) throw new Error('a CPU step series is missing');
    return a;
  };
  const [dataLoadingNs, opSelfNs, pythonSelfNs] = [next(), next(), next()];
  const named = (n: CpuHeader['ops']): NamedSeries => ({
    names: n.names, perStep: n.names.map(() => next()), steps: n.steps,
    totals: new Map(n.totals.map(([k, totalNs, count]) => [k, { totalNs, count }])),
  });
  const ops = named(h.ops);
  return { dataLoadingNs, opSelfNs, pythonSelfNs, ops, python: named(h.python), counts: h.counts };
}

/**
 * The side to keep. Its whole-profile metrics are computed and kept only for a side with fewer than two steps
 * (the only sides whose diffs always need them); a diff that needs them of a kept side without them reopens it.
 */
export function packDiffSide(s: DiffSide): KeptBinary {
  const arrays: KeptArray[] = [];
  const metrics = packMetrics(s.metrics, arrays);
  const whole = s.metrics.iterations.length < 2 && (s.whole ?? s.wholeOf) ? packMetrics(s.whole ?? s.wholeOf!(), arrays) : undefined;
  const cpu = s.cpu ? packCpu(s.cpu, arrays) : undefined;
  const { source, format, gpus, durationNs, hasGpuActivity } = s;
  return { header: { version: DIFF_SIDE_VERSION, source, format, gpus, durationNs, hasGpuActivity, metrics, whole, cpu }, arrays };
}

/** The kept side back; throws on a form that does not fit (another version, arrays missing). */
export function unpackDiffSide(kept: KeptBinary): DiffSide {
  const h = kept.header as { version?: unknown; metrics?: MetricsHeader; whole?: MetricsHeader; cpu?: CpuHeader } & Omit<DiffSide, 'metrics' | 'whole' | 'cpu'>;
  if (h.version !== DIFF_SIDE_VERSION || !h.metrics) throw new Error('not a diff side of this version');
  const metrics = unpackMetrics(h.metrics, kept.arrays);
  return {
    source: h.source, format: h.format, gpus: h.gpus, durationNs: h.durationNs, hasGpuActivity: h.hasGpuActivity,
    metrics, whole: h.whole ? unpackMetrics(h.whole, kept.arrays) : undefined,
    cpu: h.cpu ? unpackCpu(h.cpu, kept.arrays, metrics.iterations.length) : undefined,
  };
}
