// `sysight analyze`: one profile + repo → a run directory with findings.json.
import { loadAgentConfig, describeStage } from '../agent/config.js';
import { refineFindings } from '../agent/stages.js';
import { diagnoseProfile } from '../analyze/diagnose/index.js';
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
  set = { ...set, profileFindings: diagnoseProfile(model, { profilePath: profile }).findings };
  const dir = RunDir.create(set.repo, { repo: set.repo, status: 'done', command: null, python: null, rounds: [] });
  dir.writeFindings(1, set);
  return { set, runDir: dir.path, runId: dir.id };
}

/** `sysight analyze <profile>` without a repository: the diagnosis from the profile alone (nothing is written). */
export async function diagnoseFile(profile: string, o: { signal?: AbortSignal | undefined; onProgress?: ProgressSink | undefined } = {}): Promise<ProfileDiagnosis> {
  o.onProgress?.({ stage: 'analyze', message: `reading ${profile}` });
  const model = await openProfile(profile, { ...(o.signal ? { signal: o.signal } : {}) });
  o.onProgress?.({ stage: 'analyze', message: 'diagnosing from the profile alone (no repository given)' });
  return diagnoseProfile(model, { profilePath: profile });
}
