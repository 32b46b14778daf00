// Numerics guard and the accept/reject decision. Pure functions: the reason strings a user reads come
// from here, so they are unit-tested verbatim.
import type { Interval, TrialVerdict } from '../core/index.js';
import { formatPercent, formatSpeedup } from './stats.js';

export interface NumericsOptions {
  /** relative tolerance per loss value; default 1e-4 */
  rtol?: number;
  /** compare at most this many leading steps; default: all the baseline reported */
  steps?: number;
}

export interface NumericsResult {
  /** true: within tolerance; false: changed; null: nothing to compare (the workload reports no loss) */
  ok: boolean | null;
  /** largest relative deviation seen, over every candidate run and step compared */
  maxDeviation: number;
  /** 0-based step of the largest deviation, null when nothing was compared */
  step: number | null;
  /** how many steps were compared */
  steps: number;
  /** tolerance actually applied (rtol, or the baseline's own run-to-run spread when that is larger) */
  tolerance: number;
  /** the baseline's run-to-run spread (relative), 0 for a deterministic workload */
  baselineSpread: number;
  reason: string;
}

function relDev(a: number, b: number): number {
  if (Number.isNaN(a) || Number.isNaN(b)) return Number.isNaN(a) && Number.isNaN(b) ? 0 : Infinity;
  if (a === b) return 0;
  return Math.abs(a - b) / Math.max(Math.abs(b), 1e-12);
}

export function formatSci(x: number): string {
  if (!Number.isFinite(x)) return String(x);
  return x.toExponential(1).replace('e+', 'e');
}

/**
 * Compares the first K losses of every candidate run with the baseline's first run (all runs use the
 * same seed). A workload that is not bit-deterministic at baseline widens the tolerance to its own
 * run-to-run spread, never below rtol.
 */
export function compareLosses(baseline: number[][], candidate: number[][], opts: NumericsOptions = {}): NumericsResult {
  const rtol = opts.rtol ?? 1e-4;
  const ref = baseline.find((l) => l.length > 0) ?? [];
  const k = Math.min(ref.length, opts.steps ?? Infinity);
  const empty = { maxDeviation: 0, step: null, steps: 0, tolerance: rtol, baselineSpread: 0 };
  if (k === 0) {
    return { ok: null, ...empty, reason: 'numerics unknown: the workload reports no loss (no loss file, no "loss X" in its output)' };
  }
  let spread = 0;
  for (const run of baseline) {
    for (let i = 0; i < Math.min(k, run.length); i++) spread = Math.max(spread, relDev(run[i]!, ref[i]!));
  }
  const tolerance = Number.isFinite(spread) ? Math.max(rtol, spread) : rtol;
  let worst = 0;
  let worstStep: number | null = null;
  for (const run of candidate) {
    if (run.length < k) {
      return {
        ok: false, maxDeviation: Infinity, step: run.length, steps: k, tolerance, baselineSpread: spread,
        reason: `numerics changed: the candidate reported ${run.length} losses, the baseline ${k}`,
      };
    }
    for (let i = 0; i < k; i++) {
      const d = relDev(run[i]!, ref[i]!);
      if (worstStep === null || d > worst) {
        worst = d;
        worstStep = i;
      }
    }
  }
  const base = { maxDeviation: worst, step: worstStep, steps: k, tolerance, baselineSpread: spread };
  if (worst > tolerance) {
    return { ok: false, ...base, reason: `numerics changed: loss at step ${worstStep} differs by ${formatSci(worst)}` };
  }
  const how = worst === 0 ? 'equal' : `within ${formatSci(tolerance)} (max ${formatSci(worst)})`;
  return { ok: true, ...base, reason: `numerics ${how} over ${k} steps` };
}

export interface VerdictInput {
  smoke: { ok: boolean; reason: string };
  numerics: NumericsResult | null;
  speedup: number | null;
  interval: Interval | null;
  /** minimum relative gain the interval's lower bound must exceed; default 0.01 */
  minGain?: number;
  /** accept a patch whose numerics cannot be checked (the workload reports no loss); default false */
  allowUnverifiedNumerics?: boolean;
  /** peak RSS (MiB) of each side, medians over the same A/B runs; null when not reported */
  memory?: { baselineMb: number | null; candidateMb: number | null } | null;
  /** refuse a candidate whose peak RSS exceeds the baseline's by more than this fraction; default 0.2 */
  maxRssIncrease?: number;
  /** how the measurement ended, for the reason of an inconclusive trial */
  spent?: { pairs: number; spentMs: number; budgetMs: number; stopped: 'decided' | 'budget' | 'max-pairs' } | null;
}

/** Increases of peak RSS below this many MiB never trip the memory guard (allocator noise on tiny workloads). */
export const RSS_SLACK_MB = 32;
export const DEFAULT_MAX_RSS_INCREASE = 0.2;

export interface Decision {
  verdict: TrialVerdict;
  reason: string;
}

function mib(x: number): string {
  return `${Math.round(x)} MiB`;
}

/** The memory guard alone: a reason when the candidate's peak RSS is over the limit, else null. */
export function memoryGuard(m: VerdictInput['memory'], maxIncrease = DEFAULT_MAX_RSS_INCREASE): string | null {
  if (!m || m.baselineMb === null || m.candidateMb === null) return null;
  const grew = m.candidateMb - m.baselineMb;
  if (grew > RSS_SLACK_MB && m.candidateMb > m.baselineMb * (1 + maxIncrease)) {
    return `memory guard: peak RSS ${mib(m.baselineMb)} \u2192 ${mib(m.candidateMb)} (${formatPercent(grew / m.baselineMb)}), above the ${+(maxIncrease * 100).toFixed(1)}% limit`;
  }
  return null;
}

/**
 * Three verdicts. accepted: smoke, numerics and memory pass and the interval's low end is above minGain;
 * rejected: a guard failed, or the interval's high end is below minGain (shown not worth it); inconclusive:
 * the interval straddles minGain when measuring stopped (retried later with a larger budget).
 */
export function decideVerdict(v: VerdictInput): Decision {
  const minGain = v.minGain ?? 0.01;
  if (!v.smoke.ok) return { verdict: 'rejected', reason: `smoke test failed: ${v.smoke.reason}` };
  if (v.numerics && v.numerics.ok === false) return { verdict: 'rejected', reason: v.numerics.reason };
  if ((!v.numerics || v.numerics.ok === null) && !v.allowUnverifiedNumerics) {
    return { verdict: 'rejected', reason: v.numerics?.reason ?? 'numerics unknown: not checked' };
  }
  if (v.speedup === null || v.interval === null) return { verdict: 'error', reason: 'no measurement' };
  const mem = memoryGuard(v.memory ?? null, v.maxRssIncrease);
  if (mem) return { verdict: 'rejected', reason: mem };
  const s = formatSpeedup(v.speedup, v.interval);
  const min = `${+(minGain * 100).toFixed(2)}% minimum`;
  if (v.interval.high < minGain) return { verdict: 'rejected', reason: `speed-up ${s} below the ${min}` };
  if (!(v.interval.low > minGain)) {
    const sp = v.spent;
    const why = !sp ? '' : sp.stopped === 'budget'
      ? ` after ${sp.pairs} pairs (${Math.round(sp.spentMs / 1000)} s of the ${Math.round(sp.budgetMs / 1000)} s budget)`
      : ` after ${sp.pairs} pairs (the pair cap)`;
    return { verdict: 'inconclusive', reason: `speed-up ${s} undecided against the ${min}${why}; retried later with a larger budget` };
  }
  const num = v.numerics && v.numerics.ok ? `, ${v.numerics.reason}` : ', numerics not checked';
  const m = v.memory;
  const rss = m && m.baselineMb !== null && m.candidateMb !== null ? `, peak RSS ${mib(m.baselineMb)} \u2192 ${mib(m.candidateMb)}` : '';
  return { verdict: 'accepted', reason: `speed-up ${s}${num}${rss}` };
}
