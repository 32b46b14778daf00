// The closed loop: WARMUP → (profile) → ANALYZE → OPTIMIZE → EXECUTE → LEARN, round after round.
// Each round re-profiles the code with the patches accepted so far (kept as commits made in throwaway
// worktrees: the user's working tree and branches are never touched); a round with no accepted patch
// ends the loop. The user's files change only with `apply`, and then only by the accepted stack.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledError, UserError, isCancelled, oneLine, throwIfAborted } from '../core/errors.js';
import type { LocalizedFindingSet } from '../core/findings.js';
import { sha256Hex } from '../core/hash.js';
import type { Interval, PatchPlan, ProgressSink, RoundRecord, RunRecord, TrialRecord } from '../core/run.js';
import { appendLedger, knownWins, priorVerdict, readLedger, writeLesson } from '../memory/index.js';
import { planPatch, type PlanOutcome } from '../optimize/plan.js';
import { openProfile } from '../profile/open.js';
import { renderReports } from '../report/index.js';
import { bootstrapMedianInterval, runTrial, type TrialResult } from '../sandbox/index.js';
import { analyzeProfile } from '../analyze/index.js';
import { commitPatch, combinedPatches, readAt, resolveHead } from './stack.js';
import { recordProfile } from './record.js';
import { RunDir } from './rundir.js';
import { prepareLoop, type LoopOptions, type PreparedLoop } from './prepare.js';

export interface LoopResult {
  run: RunRecord;
  dir: RunDir;
  reports: { md: string; json: string; html: string };
  /** accepted patches, combined per file, against the starting commit */
  accepted: PatchPlan[];
  applied: boolean;
}

function note(progress: ProgressSink | undefined, stage: Parameters<ProgressSink>[0]['stage'], message: string, fraction?: number): void {
  progress?.({ stage, message, ...(fraction !== undefined ? { fraction } : {}) });
}

export async function agentLoop(o: LoopOptions): Promise<LoopResult> {
  const prep: PreparedLoop = await prepareLoop(o);
  const { repo, command, python, dir, signal } = prep;
  const progress = o.onProgress;
  const findingsByRound = new Map<number, LocalizedFindingSet>();
  const allPatches: PatchPlan[] = [];
  const startRef = await resolveHead(repo);
  let stackRef = startRef;
  let stopReason = '';
  try {
    for (let round = 1; round <= (o.rounds ?? 2); round++) {
      throwIfAborted(signal);
      note(progress, 'profile', `round ${round}: ${round === 1 && o.profile ? `reading ${o.profile}` : 'profiling the workload'}`);
      const profilePath = round === 1 && o.profile
        ? o.profile
        : await recordProfile({ repo, ref: stackRef, command, python, out: dir.file(`round${round}.trace.json`), signal, ...(o.env ? { env: o.env } : {}) });
      const model = await openProfile(profilePath, { ...(signal ? { signal } : {}) });
      note(progress, 'analyze', `round ${round}: analyzing ${profilePath}`);
      const set = await readAt(repo, stackRef, (tree) => analyzeProfile(model, tree, { profilePath, ...(signal ? { signal } : {}) }));
      set.repo = repo;
      dir.writeFindings(round, set);
      findingsByRound.set(round, set);

      const ledger = readLedger(repo);
      const wins = knownWins(ledger);
      const ordered = [...set.findings].sort((a, b) => (wins.get(b.pattern)?.wins ?? 0) - (wins.get(a.pattern)?.wins ?? 0) || b.impact.msPerIter - a.impact.msPerIter);
      const gpu = model.kernels.length > 0 || model.memcpy.length > 0;
      const trials: TrialRecord[] = [];
      let baselineSamples: number[] | null = null;
      let accepted = 0;
      for (const f of ordered) {
        throwIfAborted(signal);
        const outcome: PlanOutcome = await readAt(repo, stackRef, (tree) => planPatch(tree, f, { gpu }));
        if (outcome.kind === 'skipped') {
          trials.push(skipped(f.id, f.pattern, outcome.reason));
          continue;
        }
        const plan = outcome.plan;
        const prior = priorVerdict(ledger, f.id, plan.baseHash);
        if (prior.skip) {
          trials.push(skipped(f.id, f.pattern, prior.reason, plan.id));
          continue;
        }
        dir.writePatch(plan);
        allPatches.push(plan);
        note(progress, 'execute', `round ${round}: trying ${plan.id} (${f.pattern} at ${f.file}:${f.line})`);
        const t = await runTrial({
          repo, baseRef: stackRef, patches: [plan], command, python,
          ...(o.runs !== undefined ? { runs: o.runs } : {}),
          ...(o.minGain !== undefined ? { minGain: o.minGain } : {}),
          ...(o.steps !== undefined ? { steps: o.steps } : {}),
          ...(o.env ? { env: o.env } : {}),
          ...(signal ? { signal } : {}),
          ...(progress ? { onProgress: progress } : {}),
        });
        trials.push(stripTrial(t));
        if (!baselineSamples && t.measurement) baselineSamples = t.measurement.baselineMs;
        appendLedger(repo, {
          ts: new Date().toISOString(), runId: dir.id, round, fingerprint: f.id, category: f.category, pattern: f.pattern, file: f.file,
          codeHash: plan.baseHash, patchHash: sha256Hex(plan.diff), verdict: t.verdict, reason: t.reason,
          speedup: t.measurement?.speedup ?? null, interval: t.measurement?.speedupInterval ?? null,
        });
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
      const rec: RoundRecord = {
        index: round, profile: profilePath, findings: set.findings.length, trials,
        iterationMs: baselineSamples ? median(baselineSamples) : set.iterationMs,
        iterationInterval: baselineSamples ? bootstrapMedianInterval(baselineSamples) : null,
      };
      dir.updateRecord((r) => { r.rounds.push(rec); });
      if (accepted === 0) {
        stopReason = `round ${round} accepted no patch`;
        break;
      }
    }
    let final: TrialResult | null = null;
    const combined = stackRef !== startRef ? await combinedPatches(repo, startRef, stackRef) : [];
    if (combined.length) {
      note(progress, 'execute', `re-measuring the ${combined.length}-file stack of accepted patches against the original code`);
      final = await runTrial({
        repo, baseRef: startRef, patches: combined, command, python,
        ...(o.runs !== undefined ? { runs: o.runs } : {}),
        ...(o.minGain !== undefined ? { minGain: o.minGain } : {}),
        ...(o.steps !== undefined ? { steps: o.steps } : {}),
        ...(o.env ? { env: o.env } : {}),
        ...(signal ? { signal } : {}),
        ...(progress ? { onProgress: progress } : {}),
      });
      for (const p of combined) dir.writePatch(p);
    }
    let applied = false;
    if (o.apply && combined.length && final?.verdict === 'accepted') {
      await applyToUserTree(repo, combined);
      applied = true;
    }
    const run = dir.updateRecord((r) => {
      r.status = 'done';
      if (final?.measurement) {
        r.final = {
          baselineMs: final.measurement.baselineMedianMs, finalMs: final.measurement.candidateMedianMs,
          speedup: final.measurement.speedup, interval: final.measurement.speedupInterval,
          baselineInterval: bootstrapMedianInterval(final.measurement.baselineMs),
          finalInterval: bootstrapMedianInterval(final.measurement.candidateMs),
          verdict: final.verdict, reason: final.reason, patches: combined.map((p) => p.id),
        };
      }
      if (stopReason) r.stopReason = stopReason;
    });
    const reports = writeReports(dir, run, findingsByRound, [...allPatches, ...combined]);
    return { run, dir, reports, accepted: combined, applied };
  } catch (e) {
    const status = isCancelled(e) ? 'cancelled' : 'failed';
    const run = dir.updateRecord((r) => { r.status = status; r.error = oneLine(e); });
    writeReports(dir, run, findingsByRound, allPatches);
    if (isCancelled(e)) throw new CancelledError(`cancelled; partial results in ${dir.path}`);
    throw e;
  }
}

function writeReports(dir: RunDir, run: RunRecord, findings: Map<number, LocalizedFindingSet>, patches: PatchPlan[]) {
  const r = renderReports(run, findings, patches);
  const paths = { md: dir.file('report.md'), json: dir.file('report.json'), html: dir.file('report.html') };
  dir.writeText('report.md', r.md);
  dir.writeText('report.json', r.json);
  dir.writeText('report.html', r.html);
  return paths;
}

function skipped(findingId: string, pattern: string, reason: string, patchId = ''): TrialRecord {
  return { patchId, findingId, pattern, verdict: 'skipped', reason, smokeOk: false, numericsOk: null, measurement: null };
}

function stripTrial(t: TrialResult): TrialRecord {
  return { patchId: t.patchId, findingId: t.findingId, pattern: t.pattern, verdict: t.verdict, reason: t.reason, smokeOk: t.smokeOk, numericsOk: t.numericsOk, measurement: t.measurement };
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const m = s.length >> 1;
  return s.length % 2 ? s[m]! : (s[m - 1]! + s[m]!) / 2;
}

async function applyToUserTree(repo: string, patches: PatchPlan[]): Promise<void> {
  const { applyPatchPlans, inspectRepo } = await import('../sandbox/index.js');
  const info = await inspectRepo(repo);
  if (info.changed.length) throw new UserError('not applying: the working tree changed during the run; the accepted patches are in the run directory');
  if (!existsSync(join(repo))) throw new UserError(`${repo} disappeared`);
  applyPatchPlans(info.root, patches.map((p) => ({ ...p, file: info.prefix ? `${info.prefix}/${p.file}` : p.file })));
}

export type { LoopOptions, Interval };
