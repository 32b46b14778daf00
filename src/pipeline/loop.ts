// The closed loop: WARMUP → (profile) → ANALYZE → OPTIMIZE → EXECUTE → LEARN, round after round.
// Each round re-profiles the code with the patches accepted so far (kept as commits made in throwaway
// worktrees: the user's working tree and branches are never touched); a round with no accepted patch
// ends the loop. The user's files change only with `apply`, and then only by the accepted stack.
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { CancelledError, UserError, isCancelled, oneLine, throwIfAborted } from '../core/errors.js';
import type { LocalizedFindingSet } from '../core/findings.js';
import type { Interval, PatchPlan, ProgressSink, RoundRecord, RunRecord, TrialRecord } from '../core/run.js';
import { openProfile } from '../profile/open.js';
import { diffProfiles } from '../profile/diff/index.js';
import type { ProfileModel } from '../core/profile.js';
import { renderReports } from '../report/index.js';
import { bootstrapMedianInterval, runTrial, type TrialResult } from '../sandbox/index.js';
import { runRound, trialOptions } from './round.js';
import { analyzeProfile } from '../analyze/index.js';
import { combinedPatches, readAt, resolveHead } from './stack.js';
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
  let anyGpu = false;
  let c1Accepted = false;
  let prevModel: ProfileModel | null = null;
  try {
    for (let round = 1; round <= (o.rounds ?? 2); round++) {
      throwIfAborted(signal);
      note(progress, 'profile', `round ${round}: ${round === 1 && o.profile ? `reading ${o.profile}` : 'profiling the workload'}`);
      const profilePath = round === 1 && o.profile
        ? o.profile
        : await recordProfile({ repo, ref: stackRef, command, python, out: dir.file(`round${round}.trace.json`), signal, ...(o.env ? { env: o.env } : {}) });
      const model = await openProfile(profilePath, { ...(signal ? { signal } : {}) });
      let profileDiff: RoundRecord['profileDiff'];
      if (prevModel) {
        try {
          const d = diffProfiles(prevModel, model);
          profileDiff = { verdict: d.verdict, headline: d.headline, changedCategories: d.changedCategories };
        } catch (e) {
          profileDiff = { verdict: 'incomparable', headline: oneLine(e), changedCategories: [] };
        }
      }
      prevModel = model;
      note(progress, 'analyze', `round ${round}: analyzing ${profilePath}`);
      const set = await readAt(repo, stackRef, (tree) => analyzeProfile(model, tree, { profilePath, ...(signal ? { signal } : {}) }));
      set.repo = repo;
      dir.writeFindings(round, set);
      findingsByRound.set(round, set);

      const gpu = set.gpu;
      anyGpu ||= gpu;
      dir.updateRecord((r) => { r.clock = gpu ? 'wall' : 'cpu'; });
      const res = await runRound(prep, round, set, { ...o, gpu }, stackRef, profilePath);
      if (profileDiff) dir.updateRecord((r) => { r.rounds[r.rounds.length - 1]!.profileDiff = profileDiff; });
      allPatches.push(...res.patches);
      const c1 = new Set(set.findings.filter((f) => f.category === 'C1').map((f) => f.id));
      c1Accepted ||= res.record.trials.some((t) => t.verdict === 'accepted' && t.findingId.split('+').some((id) => c1.has(id)));
      stackRef = res.stackRef;
      const accepted = res.accepted;
      if (accepted === 0) {
        stopReason = `round ${round} accepted no patch`;
        break;
      }
    }
    let final: TrialResult | null = null;
    const combined = stackRef !== startRef ? await combinedPatches(repo, startRef, stackRef) : [];
    if (combined.length) {
      note(progress, 'execute', `re-measuring the ${combined.length}-file stack of accepted patches against the original code`);
      // an accepted C1 patch is re-measured on the clock it was accepted on (see stepClock)
      final = await runTrial({ ...trialOptions(prep, o, progress, c1Accepted ? 'fair' : anyGpu ? 'wall' : 'cpu'), baseRef: startRef, patches: combined });
      for (const p of combined) dir.writePatch(p);
    }
    let applied = false;
    if (o.apply && combined.length && final?.verdict === 'accepted') {
      await applyToUserTree(repo, combined);
      applied = true;
    }
    const run = dir.updateRecord((r) => {
      r.status = 'done';
      const last = r.rounds[r.rounds.length - 1];
      if (last && last.iterationMs === null && final?.measurement) {
        // the last round started from the full stack: the re-measurement's candidate side is its time
        last.iterationMs = final.measurement.candidateMedianMs;
        last.iterationInterval = bootstrapMedianInterval(final.measurement.candidateMs);
      }
      if (final) {
        const m = final.measurement;
        r.final = {
          baselineMs: m?.baselineMedianMs ?? null, finalMs: m?.candidateMedianMs ?? null,
          speedup: m?.speedup ?? null, interval: m?.speedupInterval ?? null,
          baselineInterval: m ? bootstrapMedianInterval(m.baselineMs) : null,
          finalInterval: m ? bootstrapMedianInterval(m.candidateMs) : null,
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


async function applyToUserTree(repo: string, patches: PatchPlan[]): Promise<void> {
  const { applyPatchPlans, inspectRepo } = await import('../sandbox/index.js');
  const info = await inspectRepo(repo);
  if (info.changed.length) throw new UserError('not applying: the working tree changed during the run; the accepted patches are in the run directory');
  if (!existsSync(join(repo))) throw new UserError(`${repo} disappeared`);
  applyPatchPlans(info.root, patches.map((p) => ({ ...p, file: info.prefix ? `${info.prefix}/${p.file}` : p.file })));
}

export type { LoopOptions, Interval };
