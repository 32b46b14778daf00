// One trial: baseline worktree (the commit) and candidate worktree (the commit + patches), smoke test,
// interleaved measurement, numerics guard, verdict. Both worktrees are disposed whatever happens.
import { basename } from 'node:path';
import type { PatchPlan, ProgressSink, TrialRecord } from '../core/index.js';
import { UserError } from '../core/index.js';
import { definedProps } from '../core/optional.js';
import { applyPatchPlans, PatchApplyError } from './apply.js';
import { measureInterleaved, RunFailedError, runInstrumented, type RunSpec } from './measure.js';
import { inspectRepo, dirtyMessage } from './repo.js';
import { describeFailure, succeeded } from './runner.js';
import type { BootstrapOptions } from './stats.js';
import { describeShare } from './share.js';
import { compareLosses, decideVerdict, type NumericsResult } from './verdict.js';
import { createTrialWorktree, type TrialWorktree } from './worktree.js';

export interface TrialOptions extends Omit<RunSpec, 'signal' | 'command'> {
  repo: string;
  patches: readonly PatchPlan[];
  /** the workload, argv form, run from the repo directory (inside the worktree) */
  command: string[];
  /** interpreter: replaces a leading python/python3 in the command, or is prepended to a leading *.py */
  python?: string;
  /** SYSIGHT_MAX_STEPS for the smoke test; default 3 */
  smokeSteps?: number;
  /** pairs before the first look of the confidence sequence; default 3 */
  runs?: number;
  /** wall-clock budget of the measured pairs (ms); default DEFAULT_TRIAL_BUDGET_MS (2 minutes) */
  budgetMs?: number;
  /** hard cap on pairs; default 40 */
  maxPairs?: number;
  /** simultaneous error of the confidence sequence (false-accept rate ≤ alpha / 2); default 0.05 */
  alpha?: number;
  /** refuse a candidate whose peak RSS exceeds the baseline's by more than this fraction; default 0.2 */
  maxRssIncrease?: number;
  /** steps dropped at the start of every run; default 2 */
  warmup?: number;
  /** SYSIGHT_MAX_STEPS for measured runs; default: the workload's own length */
  steps?: number;
  /** default 0.01 */
  minGain?: number;
  /** numerics guard relative tolerance; default 1e-4 */
  rtol?: number;
  allowUnverifiedNumerics?: boolean;
  dirty?: 'refuse' | 'snapshot';
  carry?: string[];
  baseRef?: string;
  bootstrap?: BootstrapOptions;
  signal?: AbortSignal;
  onProgress?: ProgressSink;
}

export interface TrialResult extends TrialRecord {
  numerics: NumericsResult | null;
  /** what the sandbox copied in, etc. */
  notes: string[];
  durationMs: number;
}

/** Puts the chosen interpreter in front of a python command. */
export function withPython(command: readonly string[], python?: string): string[] {
  const cmd = [...command];
  if (!python || cmd.length === 0) return cmd;
  if (/^python(\d+(\.\d+)*)?$/.test(basename(cmd[0]!))) cmd[0] = python;
  else if (cmd[0]!.endsWith('.py')) cmd.unshift(python);
  return cmd;
}

function ids(patches: readonly PatchPlan[], key: 'id' | 'findingId' | 'pattern'): string {
  return [...new Set(patches.map((p) => p[key]))].join('+');
}

export async function runTrial(o: TrialOptions): Promise<TrialResult> {
  const started = performance.now();
  const progress = (message: string, fraction?: number): void =>
    o.onProgress?.({ stage: 'execute', message, ...(fraction !== undefined ? { fraction } : {}) });
  const command = withPython(o.command, o.python);
  if (command.length === 0) throw new UserError('no workload command to run');
  const spec: RunSpec = {
    ...o, command,
    ...(o.signal ? { signal: o.signal } : {}),
  };
  const record = (r: Partial<TrialResult> & Pick<TrialResult, 'verdict' | 'reason'>): TrialResult => ({
    patchId: ids(o.patches, 'id'),
    findingId: ids(o.patches, 'findingId'),
    pattern: ids(o.patches, 'pattern'),
    smokeOk: false,
    numericsOk: null,
    measurement: null,
    numerics: null,
    notes: [],
    durationMs: performance.now() - started,
    ...r,
  });

  const info = await inspectRepo(o.repo, { ...(o.baseRef ? { baseRef: o.baseRef } : {}), ...(o.signal ? { signal: o.signal } : {}) });
  if (info.changed.length > 0 && (o.dirty ?? 'refuse') === 'refuse') throw new UserError(dirtyMessage(o.repo, info.changed));
  const wtOpts = { info, ...(o.signal ? { signal: o.signal } : {}), ...(o.dirty ? { dirty: o.dirty } : {}), ...(o.carry ? { carry: o.carry } : {}) };
  const trees: TrialWorktree[] = [];
  try {
    progress('creating sandbox worktrees');
    const baseline = await createTrialWorktree(o.repo, wtOpts);
    trees.push(baseline);
    const candidate = await createTrialWorktree(o.repo, wtOpts);
    trees.push(candidate);
    const notes = [...baseline.notes];
    progress(`applying ${o.patches.length} patch(es) to the candidate`);
    try {
      applyPatchPlans(candidate.repoPath, o.patches);
    } catch (e) {
      if (e instanceof PatchApplyError) return record({ verdict: 'error', reason: e.message, notes });
      throw e;
    }

    const smokeSteps = o.smokeSteps ?? 3;
    const minGain = o.minGain ?? 0.01;
    progress(`smoke test: baseline, ${smokeSteps} steps`);
    const sb = await runInstrumented('baseline', -1, baseline.repoPath, spec, smokeSteps);
    if (!succeeded(sb.result)) throw new UserError(`the workload fails without any patch: ${describeFailure(sb.result)}`);
    progress(`smoke test: candidate, ${smokeSteps} steps`);
    // A candidate far slower than the baseline in the smoke test is broken, not worth the full timeout.
    const smokeLimit = Math.min(spec.timeoutMs ?? 600_000, Math.max(30_000, 10 * sb.result.wallMs));
    const sc = await runInstrumented('candidate', -1, candidate.repoPath, { ...spec, timeoutMs: smokeLimit }, smokeSteps);
    if (!succeeded(sc.result)) {
      return record({ verdict: 'rejected', reason: `smoke test failed: ${describeFailure(sc.result)}`, notes });
    }

    let m;
    try {
      m = await measureInterleaved({
        ...spec,
        baselineDir: baseline.repoPath,
        candidateDir: candidate.repoPath,
        minGain,
        ...definedProps({ runs: o.runs, budgetMs: o.budgetMs, maxPairs: o.maxPairs, alpha: o.alpha, warmup: o.warmup, steps: o.steps, bootstrap: o.bootstrap, onProgress: o.onProgress }),
      });
    } catch (e) {
      if (!(e instanceof RunFailedError)) throw e;
      const how = describeFailure(e.sample.result);
      const n = e.sample.index + 1;
      return e.sample.side === 'candidate'
        ? record({ verdict: 'rejected', reason: `candidate failed in measured run ${n}: ${how}`, smokeOk: true, notes })
        : record({ verdict: 'error', reason: `baseline failed in measured run ${n} (the workload is flaky): ${how}`, smokeOk: true, notes });
    }
    const numerics = compareLosses(m.baselineLosses, m.candidateLosses, {
      ...(o.rtol !== undefined ? { rtol: o.rtol } : {}),
      ...(o.lossSteps !== undefined ? { steps: o.lossSteps } : {}),
    });
    const d = decideVerdict({
      smoke: { ok: true, reason: '' },
      numerics,
      speedup: m.measurement.speedup,
      interval: m.measurement.speedupInterval,
      minGain,
      ...(o.allowUnverifiedNumerics !== undefined ? { allowUnverifiedNumerics: o.allowUnverifiedNumerics } : {}),
      memory: { baselineMb: m.measurement.baselinePeakRssMb ?? null, candidateMb: m.measurement.candidatePeakRssMb ?? null },
      ...(o.maxRssIncrease !== undefined ? { maxRssIncrease: o.maxRssIncrease } : {}),
      spent: { pairs: m.measurement.runs, spentMs: m.measurement.spentMs ?? 0, budgetMs: m.measurement.budgetMs ?? 0, stopped: m.measurement.stopped ?? 'max-pairs' },
    });
    const shared = m.measurement.share ? describeShare(m.measurement.share) : null;
    const reason = shared ? `${d.reason}; ${shared}` : d.reason;
    progress(`${d.verdict}: ${reason}`, 1);
    return record({
      verdict: d.verdict, reason, smokeOk: true, numericsOk: numerics.ok,
      measurement: m.measurement, numerics, notes,
    });
  } finally {
    await Promise.all(trees.map((t) => t.dispose()));
  }
}

/**
 * Re-measures the stack of accepted patches together against the baseline (same options). Patches are
 * applied in order with zero fuzz: hunks of different patches whose context overlaps conflict, and
 * such a patch must be re-planned on top of the accepted ones (its baseHash then names the patched file).
 */
export async function remeasureStack(o: Omit<TrialOptions, 'patches'>, accepted: readonly PatchPlan[]): Promise<TrialResult> {
  if (accepted.length === 0) throw new UserError('no accepted patches to re-measure');
  return runTrial({ ...o, patches: accepted });
}
