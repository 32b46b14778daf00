// diffProfiles: compare two profiles of the same kind (two nsys exports or two PyTorch traces), step by step,
// and judge the change against the step-to-step noise of each side (see robust.ts compareSamples):
//   verdict "likely regression" / "likely improvement" when the median step time moved by more than that noise
//   and by at least minEffectPct of the before median; "neutral" otherwise; "incomparable" when only one side has
//   GPU activity or the GPU counts differ. Two CPU-only profiles are compared on what they hold (cpu.ts): step
//   time, data loading, operator and Python self time per step, by the same rule. Profiles of different kinds are
//   a usage error (UserError, exit 2).
// Steps are aligned by index after dropping the first (warm-up) step of each side when both have 5 or more.
import { UserError } from '../../core/errors.js';
import type { ProfileModel } from '../../core/profile.js';
import { type Comparison, compareSamples, median } from '../queries/robust.js';
import { CATEGORY_IDS, CATEGORY_NAMES, type CategoryId, type StepMetrics, stepMetrics } from '../queries/step-metrics.js';
import { hasGpuActivity, round } from '../queries/util.js';
import { type CpuStepMetrics, cpuStepMetrics } from './cpu.js';
import { type NamedDiff, type NamedDiffs, namedDiffs, noNamedDiffs } from './series.js';

export type Verdict = 'likely regression' | 'likely improvement' | 'neutral' | 'incomparable';

/** One metric's per-step medians on each side, compared by compareSamples (noise in the metric's unit). */
export interface MetricDiff extends Comparison {
  /** e.g. "step time", "C3", "copies per step" */
  metric: string;
  label: string;
  unit: 'ms' | 'count' | 'MB' | '%';
}

/** One kernel's per-step time before and after (the same shape names CPU operators and Python functions). */
export type KernelDiff = NamedDiff;

/** What two CPU-only profiles are compared on, besides step time. */
export interface CpuDiff {
  /** data loading, operator self time and Python self time per step (those the profiles hold) */
  metrics: MetricDiff[];
  /** CPU operators (torch ops) by self time per step */
  operators: NamedDiffs;
  /** Python functions (python_function frames) by self time per step */
  python: NamedDiffs;
}

export interface SideInfo {
  source: string;
  format: string;
  gpus: string[];
  gpuCount: number;
  hasGpuActivity: boolean;
  steps: number;
  stepsCompared: number;
  stepMethod: string;
  /** how steps were placed on the GPU timeline (see stepMetrics) */
  stepBasis: string;
  durationMs: number;
  stepTimeMs: { median: number; mad: number; min: number; max: number };
}

export interface ProfileDiff {
  verdict: Verdict;
  /** one line saying why */
  headline: string;
  reasons: string[];
  rule: string;
  before: SideInfo;
  after: SideInfo;
  aligned: boolean;
  stepTime: MetricDiff | null;
  /** per-category time per step (C1/C7 … C6), largest |delta| first */
  categories: MetricDiff[];
  /** the categories whose change is significant, largest |delta| first */
  changedCategories: string[];
  kernels: { regressions: KernelDiff[]; improvements: KernelDiff[]; appeared: KernelDiff[]; vanished: KernelDiff[] };
  copies: MetricDiff[];
  syncs: MetricDiff[];
  nccl: MetricDiff[];
  /** two CPU-only profiles: what they were compared on (categories, kernels, copies, syncs and NCCL are then empty) */
  cpu?: CpuDiff;
  notes: string[];
}

export interface DiffOptions {
  /** smallest step-time change (% of the before median) called likely; default 1 */
  minEffectPct?: number;
  /** kernels listed per table; default 10 */
  limit?: number;
}

/**
 * What the diff reads of one profile: a few facts of its meta, its step metrics, and (when either side has fewer
 * than two steps) the whole profile as one step. diffSide(model) computes it; a side kept in the profile's cache
 * entry (kept.ts) answers a later diff of the same file without opening it.
 */
export interface DiffSide {
  source: string;
  format: string;
  gpus: string[];
  durationNs: number;
  hasGpuActivity: boolean;
  metrics: StepMetrics;
  /** the whole profile as one step (its GPU-active span); computed on first use for a side from a model */
  whole?: StepMetrics | undefined;
  /** set on sides from a model: computes `whole` */
  wholeOf?: (() => StepMetrics) | undefined;
  /** a side without GPU activity: what its CPU did per step (over metrics.iterations) */
  cpu?: CpuStepMetrics | undefined;
}

export function diffSide(model: ProfileModel): DiffSide {
  const gpu = hasGpuActivity(model);
  const metrics = stepMetrics(model);
  return {
    source: model.meta.source, format: model.meta.format, gpus: model.meta.gpus.map((g) => g.name),
    durationNs: model.meta.endNs - model.meta.startNs, hasGpuActivity: gpu, metrics,
    wholeOf: () => wholeProfile(model),
    ...(gpu ? {} : { cpu: cpuStepMetrics(model, metrics.iterations) }),
  };
}

/** Whether the diff of these sides compares whole profiles (a side has fewer than two steps). */
export const comparesWhole = (a: DiffSide, b: DiffSide) => a.metrics.iterations.length < 2 || b.metrics.iterations.length < 2;

function wholeOf(s: DiffSide): StepMetrics {
  if (!s.whole) {
    if (!s.wholeOf) throw new Error(`the diff side of ${s.source} has no whole-profile metrics`);
    s.whole = s.wholeOf();
  }
  return s.whole;
}

const kind = (m: { format: string }) => (m.format === 'nsys-sqlite' ? 'Nsight Systems export' : 'PyTorch profiler trace');

function side(s: DiffSide, m: StepMetrics, compared: number): SideInfo {
  const d = m.durationNs;
  const med = median(d);
  return {
    source: s.source, format: s.format, gpus: s.gpus, gpuCount: m.gpuCount,
    hasGpuActivity: s.hasGpuActivity, steps: m.iterations.length, stepsCompared: compared, stepMethod: m.method, stepBasis: m.basis,
    durationMs: round(s.durationNs / 1e6),
    stepTimeMs: {
      median: round(med / 1e6), mad: round(median(Array.from(d, (x) => Math.abs(x - med))) / 1e6),
      min: round(d.length ? Math.min(...d) / 1e6 : 0), max: round(d.length ? Math.max(...d) / 1e6 : 0),
    },
  };
}

function metricDiff(metric: string, label: string, unit: MetricDiff['unit'], c: Comparison, scale: number): MetricDiff {
  return {
    metric, label, unit,
    before: round(c.before / scale), after: round(c.after / scale), delta: round(c.delta / scale),
    deltaPct: c.deltaPct === null ? null : round(c.deltaPct, 2), noise: round(c.noise / scale), significant: c.significant,
  };
}

export const VERDICT_RULE =
  'median step time after vs before; "likely" only when |Δ| > max(σ_before, σ_after, 3·√(se_b² + se_a²)) with σ = 1.4826·MAD of ' +
  'the per-step times (step-to-step variation) and se = 1.2533·σ/√n, and |Δ| ≥ min-effect % of the before median; ' +
  'the same rule flags categories, copies, syncs, NCCL and kernels (with a 1%-of-step floor), and on two CPU-only profiles ' +
  'data loading, operator and Python self time per step, operators and Python functions';

export function diffProfiles(a: ProfileModel, b: ProfileModel, opts: DiffOptions = {}): ProfileDiff {
  if (kind(a.meta) !== kind(b.meta)) {
    throw new UserError(`cannot diff a ${kind(a.meta)} (${a.meta.source}) against a ${kind(b.meta)} (${b.meta.source}): give two profiles of the same kind`);
  }
  return diffSides(diffSide(a), diffSide(b), opts);
}

/** The diff of two sides (diffSide, or kept ones): what diffProfiles gives for their models. */
export function diffSides(a: DiffSide, b: DiffSide, opts: DiffOptions = {}): ProfileDiff {
  if (kind(a) !== kind(b)) {
    throw new UserError(`cannot diff a ${kind(a)} (${a.source}) against a ${kind(b)} (${b.source}): give two profiles of the same kind`);
  }
  const minEffectPct = opts.minEffectPct ?? 1;
  const limit = opts.limit ?? 10;
  const ma = a.metrics;
  const mb = b.metrics;
  const reasons: string[] = [];
  const notes: string[] = [];
  // two CPU-only profiles compare what they hold; one with GPU work and one without do not compare at all
  const cpuOnly = !a.hasGpuActivity && !b.hasGpuActivity;
  if (!cpuOnly && !a.hasGpuActivity) reasons.push(`the before profile (${a.source}) has no GPU activity (no kernels, copies or memsets) and the after profile has`);
  if (!cpuOnly && !b.hasGpuActivity) reasons.push(`the after profile (${b.source}) has no GPU activity (no kernels, copies or memsets) and the before profile has`);
  if (!reasons.length && ma.gpuCount !== mb.gpuCount) {
    reasons.push(`the GPU counts differ: ${ma.gpuCount} GPU(s) with work before, ${mb.gpuCount} after — per-step times are not comparable`);
  }
  const aligned = ma.iterations.length >= 2 && mb.iterations.length >= 2;
  // the steps compared: drop the warm-up step when both sides have enough
  const drop = ma.iterations.length >= 5 && mb.iterations.length >= 5 ? 1 : 0;
  const pick = (v: Float64Array) => v.subarray(drop);
  const info = { before: side(a, ma, Math.max(0, ma.iterations.length - drop)), after: side(b, mb, Math.max(0, mb.iterations.length - drop)) };
  if (drop) notes.push('first step of each profile left out as warm-up');
  const models = (m: DiffSide) => [...new Set(m.gpus)].sort().join(', ');
  if (models(a) && models(b) && models(a) !== models(b)) notes.push(`GPU models differ (${models(a)} vs ${models(b)}): part of any change may be the hardware`);
  if (aligned && ma.iterations.length !== mb.iterations.length) {
    notes.push(`step counts differ (${ma.iterations.length} vs ${mb.iterations.length}): distributions are compared, not step pairs`);
  }
  const empty: ProfileDiff['kernels'] = noNamedDiffs();
  const base = { rule: VERDICT_RULE, ...info, aligned, notes };
  if (reasons.length) {
    return { verdict: 'incomparable', headline: `incomparable: ${reasons.join('; ')}`, reasons, ...base, stepTime: null, categories: [], changedCategories: [], kernels: empty, copies: [], syncs: [], nccl: [] };
  }

  // whole-profile fallback: each side is one "step" (its GPU-active span) and the noise is unknown
  const A = aligned ? ma : wholeOf(a);
  const B = aligned ? mb : wholeOf(b);
  if (!aligned) notes.push(`no steps detected on at least one side: compared whole profiles (${cpuOnly ? 'their whole span' : 'GPU-active span'}); step noise unknown, so a change is likely only at ≥ 5%`);
  const pa = aligned ? pick : (v: Float64Array) => v;
  if (!aligned) Object.assign(base, { before: side(a, A, 1), after: side(b, B, 1) });
  const stepMedA = median(pa(A.durationNs));
  const minEffect = (stepMedA * (aligned ? minEffectPct : Math.max(5, minEffectPct))) / 100;
  const floor = stepMedA * 0.01; // smaller changes than 1% of a step are not called out in the breakdown
  const cmp = (x: Float64Array, y: Float64Array, eff = floor) => compareSamples(pa(x), pa(y), eff);
  const stepTime = metricDiff('step time', 'step time', 'ms', cmp(A.durationNs, B.durationNs, minEffect), 1e6);

  if (cpuOnly) {
    const cpu = aligned && a.cpu && b.cpu ? cpuDiff(a.cpu, b.cpu, pa, floor, limit) : { metrics: [], operators: noNamedDiffs(), python: noNamedDiffs() };
    notes.push(aligned
      ? 'both profiles are CPU-only: compared on step time, data loading, operator and Python self time per step'
      : 'both profiles are CPU-only and without steps: compared on their whole span only');
    return cpuVerdict({ ...base, reasons }, stepTime, cpu, aligned ? minEffectPct : Math.max(5, minEffectPct));
  }

  const categories = CATEGORY_IDS.map((c: CategoryId) => metricDiff(c, CATEGORY_NAMES[c], 'ms', cmp(A.categories[c], B.categories[c]), 1e6))
    .sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta));
  const changedCategories = categories.filter((c) => c.significant).map((c) => c.metric);

  const count = (label: string, x: Float64Array, y: Float64Array) => metricDiff(label, label, 'count', compareSamples(pa(x), pa(y), 0.5), 1);
  const copies = [
    count('copies per step', A.memcpyCount, B.memcpyCount),
    metricDiff('copy time per step', 'copy GPU time per step', 'ms', cmp(A.memcpyNs, B.memcpyNs), 1e6),
    metricDiff('copy bytes per step', 'bytes copied per step', 'MB', compareSamples(pa(A.memcpyBytes), pa(B.memcpyBytes)), 1e6),
  ];
  const syncs = [
    count('syncs per step', A.syncCount, B.syncCount),
    metricDiff('sync time per step', 'time in sync calls per step', 'ms', cmp(A.syncNs, B.syncNs), 1e6),
  ];
  const overlap = (m: StepMetrics) => Float64Array.from(m.ncclNs, (t, j) => (t > 0 ? (100 * (t - m.ncclExposedNs[j]!)) / t : 0));
  const nccl = [
    metricDiff('nccl time per step', 'NCCL kernel time per step', 'ms', cmp(A.ncclNs, B.ncclNs), 1e6),
    metricDiff('nccl exposed per step', 'NCCL time not overlapped per step', 'ms', cmp(A.ncclExposedNs, B.ncclExposedNs), 1e6),
    metricDiff('nccl overlap', 'NCCL overlapped with compute', '%', compareSamples(pa(overlap(A)), pa(overlap(B)), 5), 1),
  ];

  const series = (m: StepMetrics) => ({ names: m.kernelNames, perStep: m.kernelPerStep, totals: m.kernelTotals, steps: m.iterations.length });
  const kernels = namedDiffs(series(A), series(B), pa, floor, limit, Math.max(1, pa(A.durationNs).length), Math.max(1, pa(B.durationNs).length));
  let verdict: Verdict = 'neutral';
  if (stepTime.significant) verdict = stepTime.delta > 0 ? 'likely regression' : 'likely improvement';
  const drivers = changedCategories.slice(0, 3).map((c) => {
    const x = categories.find((y) => y.metric === c)!;
    return `${c} ${x.delta > 0 ? '+' : ''}${x.delta} ms`;
  });
  const sign = stepTime.delta > 0 ? '+' : '';
  const headline = verdict === 'neutral'
    ? `neutral: median step time ${stepTime.before} → ${stepTime.after} ms (${sign}${stepTime.delta} ms), within the noise (±${stepTime.noise} ms) or below the ${aligned ? minEffectPct : Math.max(5, minEffectPct)}% minimum effect` +
      (drivers.length ? `; changed without moving step time: ${drivers.join(', ')}` : '')
    : `${verdict}: median step time ${stepTime.before} → ${stepTime.after} ms (${sign}${stepTime.delta} ms, ${sign}${stepTime.deltaPct}%; noise ±${stepTime.noise} ms)${drivers.length ? `; changed: ${drivers.join(', ')}` : ''}`;
  return { verdict, headline, reasons, ...base, stepTime, categories, changedCategories, kernels, copies, syncs, nccl };
}

/** The whole profile as a single step: its GPU-active span. */
function wholeProfile(model: ProfileModel): StepMetrics {
  let lo = Infinity;
  let hi = -Infinity;
  for (const t of [model.kernels, model.memcpy, model.memset]) {
    for (let r = 0; r < t.length; r++) {
      if (t.start[r]! < lo) lo = t.start[r]!;
      if (t.end[r]! > hi) hi = t.end[r]!;
    }
  }
  if (!(hi > lo)) [lo, hi] = [model.meta.startNs, Math.max(model.meta.endNs, model.meta.startNs + 1)];
  return stepMetrics(model, { iterations: [{ index: 0, startNs: lo, endNs: hi + 1 }], method: 'whole profile' });
}

/** Two CPU-only profiles: data loading, operator and Python self time per step, each by the diff's rule. */
function cpuDiff(A: CpuStepMetrics, B: CpuStepMetrics, pa: (v: Float64Array) => Float64Array, floor: number, limit: number): CpuDiff {
  const metrics: MetricDiff[] = [];
  const add = (metric: string, label: string, x: Float64Array, y: Float64Array, held: boolean) => {
    if (held) metrics.push(metricDiff(metric, label, 'ms', compareSamples(pa(x), pa(y), floor), 1e6));
  };
  add('data loading', 'data loading (DataLoader __next__) per step', A.dataLoadingNs, B.dataLoadingNs, A.counts.dataLoading + B.counts.dataLoading > 0);
  add('operators', 'CPU operator self time per step', A.opSelfNs, B.opSelfNs, A.counts.ops + B.counts.ops > 0);
  add('python', 'Python function self time per step', A.pythonSelfNs, B.pythonSelfNs, A.counts.python + B.counts.python > 0);
  const steps = (v: Float64Array) => Math.max(1, pa(v).length);
  return {
    metrics,
    operators: namedDiffs(A.ops, B.ops, pa, floor, limit, steps(A.opSelfNs), steps(B.opSelfNs)),
    python: namedDiffs(A.python, B.python, pa, floor, limit, steps(A.pythonSelfNs), steps(B.pythonSelfNs)),
  };
}

type DiffBase = Pick<ProfileDiff, 'rule' | 'before' | 'after' | 'aligned' | 'notes' | 'reasons'>;

function cpuVerdict(base: DiffBase, stepTime: MetricDiff, cpu: CpuDiff, minEffectPct: number): ProfileDiff {
  let verdict: Verdict = 'neutral';
  if (stepTime.significant) verdict = stepTime.delta > 0 ? 'likely regression' : 'likely improvement';
  const changed = cpu.metrics.filter((m) => m.significant).sort((x, y) => Math.abs(y.delta) - Math.abs(x.delta));
  const drivers = changed.map((m) => `${m.metric} ${m.delta > 0 ? '+' : ''}${m.delta} ms`);
  const top = [cpu.operators, cpu.python].flatMap((x) => [...x.improvements, ...x.regressions, ...x.appeared, ...x.vanished])
    .sort((x, y) => Math.abs(y.deltaMs) - Math.abs(x.deltaMs))[0];
  const most = top ? `; most changed: ${top.name} ${top.deltaMs > 0 ? '+' : ''}${top.deltaMs} ms/step` : '';
  const sign = stepTime.delta > 0 ? '+' : '';
  const headline = verdict === 'neutral'
    ? `neutral: CPU-only profiles, median step time ${stepTime.before} → ${stepTime.after} ms (${sign}${stepTime.delta} ms), within the noise (±${stepTime.noise} ms) or below the ${minEffectPct}% minimum effect` +
      (drivers.length ? `; changed without moving step time: ${drivers.join(', ')}` : '')
    : `${verdict}: CPU-only profiles, median step time ${stepTime.before} → ${stepTime.after} ms (${sign}${stepTime.delta} ms, ${sign}${stepTime.deltaPct}%; noise ±${stepTime.noise} ms)${drivers.length ? `; changed: ${drivers.join(', ')}` : ''}${most}`;
  return {
    verdict, headline, ...base, stepTime, categories: [], changedCategories: changed.map((m) => m.metric),
    kernels: noNamedDiffs(), copies: [], syncs: [], nccl: [], cpu,
  };
}
