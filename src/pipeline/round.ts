// One round of OPTIMIZE → EXECUTE → LEARN over a set of findings: plan a patch per finding (known wins
// first), skip what already failed on the same code, verify each in the sandbox against the current
// stack, and stack the accepted ones.
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Finding, LocalizedFindingSet } from '../core/findings.js';
import { isCancelled, oneLine, throwIfAborted } from '../core/errors.js';
import { sha256Hex } from '../core/hash.js';
import { definedProps } from '../core/optional.js';
import type { LearnRecord, PatchPlan, ProgressSink, RoundRecord, TrialRecord } from '../core/run.js';
import { loadAgentConfig } from '../agent/config.js';
import { createProvider } from '../agent/providers/index.js';
import { llmPlanPatch } from '../agent/stages.js';
import { learnFromTrials, trialId, type LearnTrial } from '../agent/learn.js';
import type { StageConfig } from '../agent/config.js';
import { scrubSecrets } from '../core/secrets.js';
import { appendLedger, knownWins, priorVerdict, readLedger, recordGlobal, sysightHome, writeLesson } from '../memory/index.js';
import { planPatch } from '../optimize/plan.js';
import { bootstrapMedianInterval, DEFAULT_TRIAL_BUDGET_MS, median, runTrial, type TrialOptions, type TrialResult } from '../sandbox/index.js';
import type { LoopOptions, PreparedLoop } from './prepare.js';
import { commitPatch, commitPatches, readAt } from './stack.js';
import { describeStack } from '../core/run.js';
import { combineStack, measuredAlone, stackCandidates, stackEligible, stackIdentity, stackInfo, stackPlan, type Replan, type TriedPatch } from './trial-stack.js';
import { shimInstrumentation } from '../sandbox/shim-instrumentation.js';

/** 'fair': the wall clock credited only with cores that were free (src/sandbox/share.ts), for C1 patches */
export type StepClock = 'wall' | 'cpu' | 'fair';

export interface RoundResult {
  record: RoundRecord;
  stackRef: string;
  accepted: number;
  patches: PatchPlan[];
}

export function trialOptions(prep: PreparedLoop, o: LoopOptions, progress?: ProgressSink, clock: StepClock = 'wall'): Omit<TrialOptions, 'patches' | 'baseRef'> {
  return {
    repo: prep.repo, command: prep.command, python: prep.python, instrumentation: shimInstrumentation({ clock }),
    ...definedProps({ runs: o.runs, minGain: o.minGain, budgetMs: o.trialBudgetMs, steps: o.steps, env: o.env, signal: prep.signal, onProgress: progress }),
  };
}

/** The clock a trial of patches for these findings is timed on: see StepClock. */
export function stepClock(gpu: boolean, findings: ReadonlyArray<Pick<Finding, 'category'>>): StepClock {
  if (findings.some((f) => f.category === 'C1')) return 'fair';
  return gpu ? 'wall' : 'cpu';
}

/** The findings a round tries: those named by id (in the set's order), or all when none is named. */
export function selectFindings(findings: readonly Finding[], ids: readonly string[] | undefined): Finding[] {
  if (!ids?.length) return [...findings];
  const want = new Set(ids);
  return findings.filter((f) => want.has(f.id));
}

export function stripTrial(t: TrialResult): TrialRecord {
  return { patchId: t.patchId, findingId: t.findingId, pattern: t.pattern, verdict: t.verdict, reason: t.reason, smokeOk: t.smokeOk, numericsOk: t.numericsOk, measurement: t.measurement };
}

function skipped(findingId: string, pattern: string, reason: string, patchId = ''): TrialRecord {
  return { patchId, findingId, pattern, verdict: 'skipped', reason, smokeOk: false, numericsOk: null, measurement: null };
}

export async function runRound(prep: PreparedLoop, round: number, set: LocalizedFindingSet, o: LoopOptions & { gpu?: boolean }, startRef: string, profilePath: string): Promise<RoundResult> {
  const { repo, dir, signal } = prep;
  const progress = o.onProgress;
  const ledger = readLedger(repo);
  const wins = knownWins(ledger);
  const chosen = selectFindings(set.findings, o.findingIds);
  if (o.findingIds?.length) progress?.({ stage: 'optimize', message: `round ${round}: ${chosen.length} of ${set.findings.length} finding(s) selected by --findings` });
  const ordered = [...chosen].sort((a, b) => (wins.get(b.pattern)?.wins ?? 0) - (wins.get(a.pattern)?.wins ?? 0) || b.impact.msPerIter - a.impact.msPerIter);
  const trials: TrialRecord[] = [];
  const patches: PatchPlan[] = [];
  let stackRef = startRef;
  let baselineSamples: number[] | null = null;
  let accepted = 0;
  // optional: an LLM plans patches for findings the judge accepts but no codemod covers (.sysight/config.yaml optimize:)
  const agentConfig = loadAgentConfig(repo);
  const llm = agentConfig.optimize;
  const provider = createProvider(llm);
  // what the learn stage reads: each trial with its finding and patch
  const tried: Array<{ finding: Finding; plan?: PatchPlan }> = [];
  // the measured patches, for the stack of those too small or undecided alone
  const measured: TriedPatch[] = [];
  const push = (t: TrialRecord, finding: Finding, plan?: PatchPlan) => {
    trials.push(t);
    tried.push({ finding, ...(plan ? { plan } : {}) });
  };
  for (const f of ordered) {
    throwIfAborted(signal);
    const outcome = await readAt(repo, stackRef, (tree) => planPatch(tree, f, { gpu: o.gpu ?? false }));
    let plan: PatchPlan;
    if (outcome.kind === 'skipped') {
      if (!provider || !outcome.verdict?.real || !outcome.verdict.safe) {
        push(skipped(f.id, f.pattern, outcome.reason), f);
        continue;
      }
      progress?.({ stage: 'optimize', message: `round ${round}: asking ${provider.name} ${provider.model} for a patch (${f.pattern} at ${f.file}:${f.line})` });
      const r = await readAt(repo, stackRef, (tree) => llmPlanPatch(f, { provider, config: llm, repo: tree, gpu: o.gpu ?? false, ...(signal ? { signal } : {}) }));
      if (!('plan' in r)) {
        push(skipped(f.id, f.pattern, `${outcome.reason}; LLM: ${r.skipped}`), f);
        continue;
      }
      plan = r.plan;
    } else plan = outcome.plan;
    const prior = priorVerdict(ledger, f.id, plan.baseHash);
    if (prior.skip) {
      push(skipped(f.id, f.pattern, prior.reason, plan.id), f, plan);
      continue;
    }
    dir.writePatch(plan);
    patches.push(plan);
    progress?.({ stage: 'execute', message: `round ${round}: trying ${plan.id} (${f.pattern} at ${f.file}:${f.line})` });
    // process CPU time counts the main process only: work moved into DataLoader worker processes (C1) would
    // look free on it, so those patches are timed on the wall clock, credited only with cores that were free
    // (on a busy machine more processes take a larger share of the cores from other jobs: not a speed-up)
    const clock = stepClock(o.gpu ?? false, [f]);
    if (prior.budgetFactor > 1) progress?.({ stage: 'execute', message: `round ${round}: ${prior.reason}` });
    const opts = trialOptions(prep, o, progress, clock);
    const t = await runTrial({ ...opts, budgetMs: (opts.budgetMs ?? DEFAULT_TRIAL_BUDGET_MS) * prior.budgetFactor, baseRef: stackRef, patches: [plan] });
    push(stripTrial(t), f, plan);
    measured.push({ trial: stripTrial(t), plan, finding: f });
    if (!baselineSamples && t.measurement) baselineSamples = t.measurement.baselineMs;
    const entry = {
      ts: new Date().toISOString(), runId: dir.id, round, fingerprint: f.id, category: f.category, pattern: f.pattern, file: f.file,
      codeHash: plan.baseHash, patchHash: sha256Hex(plan.diff), patchId: plan.id, verdict: t.verdict, reason: t.reason,
      speedup: t.measurement?.speedup ?? null, interval: t.measurement?.speedupInterval ?? null,
    };
    appendLedger(repo, entry);
    try {
      // lessons across repositories (per-user ledger + general pages); never fails the run
      recordGlobal(sysightHome(), { ...entry, repo, rationale: plan.rationale });
    } catch (e) {
      progress?.({ stage: 'learn', message: `could not update the per-user knowledge base: ${e instanceof Error ? e.message : String(e)}` });
    }
    writeLesson(repo, {
      fingerprint: f.id, category: f.category, pattern: f.pattern, file: f.file, function: f.function, verdict: t.verdict,
      speedup: t.measurement?.speedup ?? null, interval: t.measurement?.speedupInterval ?? null, reason: t.reason, runId: dir.id,
      patch: plan.diff, lesson: t.verdict === 'accepted' ? plan.rationale : `Not kept: ${t.reason}`,
    });
    if (t.verdict === 'accepted') {
      stackRef = await commitPatch(repo, stackRef, plan, signal);
      accepted++;
    }
  }
  const stacked = await tryStack(prep, round, o, stackRef, measured, ledger);
  if (stacked) {
    trials.push(stacked.trial);
    if (stacked.plan) patches.push(stacked.plan);
    if (stacked.ref !== stackRef) {
      stackRef = stacked.ref;
      accepted++;
    }
  }
  // the learn stage reads the per-finding trials (a stack has no finding of its own)
  const learn = await learnRound(repo, dir.id, round, trials.filter((t) => !t.stack), tried, agentConfig.learn, o, progress, signal);
  const record: RoundRecord = {
    index: round, profile: profilePath, findings: chosen.length, trials,
    // measured A/B runs only: a profiled run is slowed by the profiler itself
    iterationMs: baselineSamples ? median(baselineSamples) : null,
    iterationInterval: baselineSamples ? bootstrapMedianInterval(baselineSamples) : null,
    ...(learn ? { learn } : {}),
  };
  dir.updateRecord((r) => { r.rounds.push(record); });
  return { record, stackRef, accepted, patches };
}

/**
 * The stack of this round's patches that are each too small or undecided alone (trial-stack.ts): measured
 * together against the code the round ends on, with the same sequential procedure, and committed as one
 * unit when its own interval accepts it. Null when there is no stack to try.
 */
async function tryStack(prep: PreparedLoop, round: number, o: LoopOptions & { gpu?: boolean }, baseRef: string, measured: readonly TriedPatch[], ledger: ReturnType<typeof readLedger>): Promise<{ trial: TrialRecord; ref: string; plan?: PatchPlan } | null> {
  const { repo, dir, signal } = prep;
  const progress = o.onProgress;
  const candidates = stackCandidates(measured, o.minGain ?? 0.01);
  if (!candidates) return null;
  // a codemod's patch that clashes with the members before it is planned again on top of them
  const replan: Replan = async (c, read) => {
    if (c.plan.source !== 'codemod') return null;
    const out = await planPatch(repo, c.finding, { gpu: o.gpu ?? false, readFile: (file) => {
      const t = read(file);
      if (t === null) throw new Error(`${file} is absent`);
      return t;
    } });
    return out.kind === 'patch' ? out.plan : null;
  };
  const combined = await readAt(repo, baseRef, (tree) => combineStack(candidates, (file) => {
    const p = join(tree, file);
    return existsSync(p) ? readFileSync(p, 'utf8') : null;
  }, replan));
  if (!combined) {
    progress?.({ stage: 'execute', message: `round ${round}: no stack: fewer than two of ${candidates.length} small or inconclusive patches apply together` });
    return null;
  }
  const info = stackInfo(combined);
  // the eligible patches kept out of every stack, and why (the report says what the stack holds and left)
  for (const t of measured) {
    const alone = measuredAlone(t);
    if (alone && stackEligible(t.trial, o.minGain ?? 0.01)) info.left.push({ patchId: t.plan.id, reason: alone });
  }
  const id = stackIdentity(combined.members);
  const plans = combined.members.map((m) => m.plan);
  const findingId = combined.members.map((m) => m.finding.id).join('+');
  const prior = priorVerdict(ledger, id.fingerprint, id.codeHash);
  if (prior.skip) return { trial: { ...skipped(findingId, 'stack', prior.reason, id.id), stack: info }, ref: baseRef };
  progress?.({ stage: 'execute', message: `round ${round}: trying ${id.id}, ${describeStack(info)}` });
  const clock = stepClock(o.gpu ?? false, combined.members.map((m) => m.finding));
  const opts = trialOptions(prep, o, progress, clock);
  const plan = stackPlan(combined, id.id);
  dir.writePatch(plan);
  const t = await runTrial({ ...opts, budgetMs: (opts.budgetMs ?? DEFAULT_TRIAL_BUDGET_MS) * prior.budgetFactor, baseRef, patches: plans });
  const trial: TrialRecord = { ...stripTrial(t), patchId: id.id, findingId, pattern: 'stack', stack: info };
  const first = combined.members[0]!;
  appendLedger(repo, {
    ts: new Date().toISOString(), runId: dir.id, round, fingerprint: id.fingerprint, category: first.finding.category, pattern: 'stack',
    file: [...new Set(plans.map((p) => p.file))].join(','), codeHash: id.codeHash, patchHash: id.patchHash, patchId: id.id,
    verdict: t.verdict, reason: t.reason, speedup: t.measurement?.speedup ?? null, interval: t.measurement?.speedupInterval ?? null,
    members: plans.map((p) => p.id),
  });
  if (t.verdict !== 'accepted') return { trial, ref: baseRef, plan };
  const ref = await commitPatches(repo, baseRef, plans, `sysight: ${id.id} (stack of ${plans.length}: ${plans.map((p) => p.id).join(', ')})`, signal);
  return { trial, ref, plan };
}

/** The round's trials as the learn stage reads them. */
export function learnTrials(round: number, trials: readonly TrialRecord[], tried: ReadonlyArray<{ finding: Finding; plan?: PatchPlan }>): LearnTrial[] {
  return trials.map((t, i) => {
    const f = tried[i]!.finding;
    const plan = tried[i]!.plan;
    const m = t.measurement;
    return {
      id: trialId(round, i + 1), round, patchId: t.patchId, findingId: f.id, category: f.category, pattern: f.pattern, file: f.file, function: f.function, line: f.line,
      verdict: t.verdict, reason: t.reason, smokeOk: t.smokeOk, numericsOk: t.numericsOk, speedup: m?.speedup ?? null, interval: m?.speedupInterval ?? null,
      baselineMs: m?.baselineMedianMs ?? null, candidateMs: m?.candidateMedianMs ?? null,
      ...(plan ? { rationale: plan.rationale, diff: plan.diff } : {}),
    };
  });
}

/**
 * LEARN with an LLM (when `.sysight/config.yaml` configures `learn:`): lessons from this round's trials,
 * checked and written to the wiki. A provider failure never fails the round (the measured trials and their
 * pages stand); it is recorded in the round's `learn.error`. Cancellation still stops the run.
 */
async function learnRound(repo: string, runId: string, round: number, trials: readonly TrialRecord[], tried: ReadonlyArray<{ finding: Finding; plan?: PatchPlan }>, cfg: StageConfig, o: LoopOptions, progress: ProgressSink | undefined, signal: AbortSignal | undefined): Promise<LearnRecord | undefined> {
  const provider = createProvider(cfg);
  // nothing was measured (every finding skipped): nothing to learn from, nothing to ask
  if (!provider || !trials.some((t) => t.verdict !== 'skipped')) return undefined;
  const by = `${provider.name} ${provider.model}`;
  progress?.({ stage: 'learn', message: `round ${round}: asking ${by} for lessons from ${trials.length} trial(s)` });
  try {
    const r = await learnFromTrials(repo, learnTrials(round, trials, tried), cfg, { runId, provider, ...(signal ? { signal } : {}), ...(o.env ? { env: o.env } : {}) });
    if (!r) return undefined;
    for (const w of r.written) progress?.({ stage: 'learn', message: `lesson written: ${w.path}` });
    for (const d of r.dropped) progress?.({ stage: 'learn', message: `lesson dropped (${d.page}): ${d.reason}` });
    return {
      by, lessons: r.written.map((w) => ({ page: w.page, title: w.title })), dropped: r.dropped, ...(r.error ? { error: r.error } : {}),
      inputTokens: r.usage.inputTokens, outputTokens: r.usage.outputTokens, costUsd: r.costUsd ?? null,
    };
  } catch (e) {
    if (isCancelled(e)) throw e;
    const error = scrubSecrets(oneLine(e));
    progress?.({ stage: 'learn', message: `the learn stage failed (the trials and their pages are kept): ${error}` });
    return { by, lessons: [], dropped: [], error, inputTokens: 0, outputTokens: 0, costUsd: null };
  }
}
