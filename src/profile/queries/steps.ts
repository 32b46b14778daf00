// steps: per-step durations, outlier steps by robust z-score (median/MAD), and for each outlier what grew
// compared with the median step: kernels by name, copies, syncs, GPU idle gaps, NCCL — top contributors in ms.
import type { ProfileModel } from '../../core/profile.js';
import { keyValues, table } from './format.js';
import type { QueryDef } from './query-def.js';
import { median, robustSigma, robustZ } from './robust.js';
import { stepMetrics, type StepMetrics } from './step-metrics.js';
import { LIMIT_PARAM, intArg, nsToMs, numArg, round, spread } from './util.js';

export interface StepContributor {
  /** "kernel <name>", "memcpy", "sync", "GPU idle (gaps)", "NCCL exposed" */
  what: string;
  stepMs: number;
  medianMs: number;
  deltaMs: number;
}

export interface OutlierStep {
  index: number;
  startNs: number;
  durationMs: number;
  z: number;
  /** step time minus the median step time */
  deltaMs: number;
  /** the largest changes versus the median step, biggest |Δ| first */
  contributors: StepContributor[];
}

export interface StepsResult {
  method: string;
  count: number;
  medianMs: number;
  madMs: number;
  /** 1.4826·MAD, a robust standard deviation of step time */
  sigmaMs: number;
  meanMs: number;
  p90Ms: number;
  minMs: number;
  maxMs: number;
  zThreshold: number;
  steps: Array<{ index: number; startNs: number; durationMs: number; z: number }>;
  outliers: OutlierStep[];
  truncated: boolean;
  notes: string[];
}

/** Contributors of step j against the median of each series. */
function contributors(m: StepMetrics, j: number, limit: number): StepContributor[] {
  const series: Array<[string, Float64Array]> = [
    ['memcpy (GPU time)', m.memcpyNs], ['sync calls (host time)', m.syncNs], ['GPU idle (gaps)', m.idleNs],
    ['NCCL exposed', m.ncclExposedNs], ['memset', m.memsetNs],
    ...m.kernelNames.map((n, i): [string, Float64Array] => [`kernel ${n}`, m.kernelPerStep[i]!]),
  ];
  const out = series.map(([what, v]) => {
    const med = median(v);
    return { what, stepMs: nsToMs(v[j]!), medianMs: nsToMs(med), deltaMs: nsToMs(v[j]! - med) };
  });
  return out.filter((c) => c.deltaMs !== 0).sort((a, b) => Math.abs(b.deltaMs) - Math.abs(a.deltaMs)).slice(0, limit);
}

export function stepVariance(model: ProfileModel, opts: { zThreshold?: number; limit?: number; contributors?: number } = {}): StepsResult {
  const zt = opts.zThreshold ?? 3.5;
  const limit = opts.limit ?? 50;
  const m = stepMetrics(model);
  const d = m.durationNs;
  const s = spread(d);
  const z = robustZ(d);
  const med = median(d);
  const notes: string[] = [];
  if (m.iterations.length === 0) notes.push('no steps detected (no step-like NVTX/annotation ranges and no repeating kernel sequence): step variance cannot be computed');
  else if (m.iterations.length < 5) notes.push(`only ${m.iterations.length} steps: too few for a robust outlier test`);
  const steps = m.iterations.map((it, j) => ({ index: it.index, startNs: it.startNs, durationMs: nsToMs(d[j]!), z: round(z[j]!, 2) }));
  const outliers: OutlierStep[] = [];
  if (m.iterations.length >= 5) {
    for (let j = 0; j < d.length; j++) {
      if (Math.abs(z[j]!) <= zt) continue;
      outliers.push({
        index: m.iterations[j]!.index, startNs: m.iterations[j]!.startNs, durationMs: nsToMs(d[j]!), z: round(z[j]!, 2),
        deltaMs: nsToMs(d[j]! - med), contributors: contributors(m, j, opts.contributors ?? 5),
      });
    }
  }
  outliers.sort((a, b) => Math.abs(b.z) - Math.abs(a.z));
  return {
    method: m.method, count: d.length,
    medianMs: nsToMs(med), madMs: nsToMs(robustSigma(d) / 1.4826), sigmaMs: nsToMs(robustSigma(d)),
    meanMs: nsToMs(s.mean), p90Ms: nsToMs(s.p90), minMs: nsToMs(s.min), maxMs: nsToMs(s.max),
    zThreshold: zt, steps: steps.slice(0, limit), outliers: outliers.slice(0, limit), truncated: steps.length > limit, notes,
  };
}

export function formatSteps(r: StepsResult): string {
  const head = keyValues([
    ['steps', `${r.count} (${r.method})`], ['median ms', r.medianMs], ['MAD ms', r.madMs], ['mean ms', r.meanMs],
    ['p90 ms', r.p90Ms], ['min ms', r.minMs], ['max ms', r.maxMs], ['outliers', `${r.outliers.length} with |robust z| > ${r.zThreshold}`],
  ]);
  const parts = [head];
  if (r.count) {
    parts.push(table(['#', 'start ns', 'ms', 'z'], r.steps.map((s) => [s.index, s.startNs, s.durationMs, s.z])) +
      (r.truncated ? `\n… ${r.count - r.steps.length} more (raise --limit)` : ''));
  }
  for (const o of r.outliers) {
    parts.push(`Step ${o.index}: ${o.durationMs} ms (z ${o.z}, ${o.deltaMs >= 0 ? '+' : ''}${o.deltaMs} ms vs the median step)\n` +
      table(['what changed', 'this step ms', 'median ms', 'Δ ms'], o.contributors.map((c) => [c.what, c.stepMs, c.medianMs, c.deltaMs])));
  }
  if (r.notes.length) parts.push(r.notes.map((n) => `note: ${n}`).join('\n'));
  return parts.join('\n\n');
}

export const stepsQuery: QueryDef<StepsResult> = {
  name: 'steps',
  description: 'Step variance: per-step durations, outlier steps by robust z-score (median/MAD), and what grew in each outlier',
  params: [
    { ...LIMIT_PARAM, default: 50, description: 'maximum steps and outliers listed' },
    { name: 'z', type: 'number', description: 'robust z-score above which a step is an outlier', default: 3.5 },
    { name: 'contributors', type: 'number', description: 'contributors listed per outlier', default: 5 },
  ],
  run: (model, args) => stepVariance(model, {
    limit: intArg(args, 'limit', 50, 1), zThreshold: numArg(args, 'z', 3.5), contributors: intArg(args, 'contributors', 5, 1),
  }),
  format: (r) => formatSteps(r),
};
