// `sysight analyze`: one profile + repo → a run directory with findings.json.
import { loadAgentConfig, describeStage } from '../agent/config.js';
import { refineFindings } from '../agent/stages.js';
import { diagnoseKept, keepDiagnosis, keptDiagnosis } from '../analyze/diagnose/kept.js';
import { analyzeProfile } from '../analyze/index.js';
import type { LocalizedFindingSet, ProfileDiagnosis } from '../core/findings.js';
import type { ProgressSink } from '../core/run.js';
import { openProfile } from '../profile/open.js';
import { RunDir } from './rundir.js';

export async function analyzeToRun(profile: string, repo: string, o: { signal?: AbortSignal | undefined; onProgress?: ProgressSink | undefined } = {}): Promise<{ set: LocalizedFindingSet; runDir: string; runId: string }> {
  // the LLM config (.sysight/config.yaml, SYSIGHT_LLM_*) is read and validated first: a bad one fails fast
  const llm = loadAgentConfig(repo).analyze;
  o.onProgress?.({ stage: 'analyze', message: `reading ${profile}` });
  const model = await openProfile(profile, { ...(o.signal ? { signal: o.signal } : {}) });
  let set = await analyzeProfile(model, repo, { profilePath: profile, ...(o.signal ? { signal: o.signal } : {}), ...(o.onProgress ? { onProgress: o.onProgress } : {}) });
  if (llm.provider !== 'none') {
    o.onProgress?.({ stage: 'analyze', message: `LLM review: ${describeStage(llm)}` });
    const refined = await refineFindings(set, model, repo, llm, o.signal ? { signal: o.signal } : {});
    if (refined) set = refined.set;
  }
  // the profile-only findings come from the profile's cache entry when kept there (the localized ones above never do)
  set = { ...set, profileFindings: diagnoseKept(model, profile).findings };
  const dir = RunDir.create(set.repo, { repo: set.repo, status: 'done', command: null, python: null, rounds: [] });
  dir.writeFindings(1, set);
  return { set, runDir: dir.path, runId: dir.id };
}

/**
 * `sysight analyze <profile>` without a repository: the diagnosis from the profile alone (nothing is written but
 * the profile's cache entry). A diagnosis kept in the entry is answered without opening the profile.
 */
export async function diagnoseFile(profile: string, o: { signal?: AbortSignal | undefined; onProgress?: ProgressSink | undefined } = {}): Promise<ProfileDiagnosis> {
  const kept = keptDiagnosis(profile);
  if (kept) return kept;
  o.onProgress?.({ stage: 'analyze', message: `reading ${profile}` });
  const model = await openProfile(profile, { ...(o.signal ? { signal: o.signal } : {}) });
  o.onProgress?.({ stage: 'analyze', message: 'diagnosing from the profile alone (no repository given)' });
  return keepDiagnosis(model, profile);
}
