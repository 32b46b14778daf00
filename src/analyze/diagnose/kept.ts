// The diagnosis from the profile alone, kept in the profile's cache entry (src/profile/cache/results.ts) so that
// a later open of the same file — the dashboard, `sysight analyze <profile>`, the profile findings of
// `sysight analyze <profile> --repo` — reads a few KB instead of passing over every table again.
//
// What makes it safe to keep: diagnoseProfile is a pure function of the model and its options (it reads no
// repository and no capture trace). So the answer is keyed by
//   - the file's entry: path, size, mtime, content hash and the reader stamp (a changed file or another reader
//     never sees it; src/profile's queries, which the diagnosis calls, are under that stamp);
//   - the options that change the result (minShare) and the path as given (the diagnosis echoes it);
//   - the analysis stamp: a hash of src/analyze and src/core taken at build time (esbuild.config.mjs; tests and
//     tsx: "dev"), stored with the answer: a diagnosis kept by other analysis code is computed again and
//     replaces it.
// A kept diagnosis that does not check out is dropped with one note and computed again. Localizing findings to
// a repository's lines (src/analyze/index.ts) is never kept: the repository changes between opens.
import type { ProfileDiagnosis } from '../../core/findings.js';
import type { ProfileModel } from '../../core/profile.js';
import { readCachedResult, writeCachedResult, type ResultCacheOptions } from '../../profile/cache/index.js';
import { diagnoseProfile, type DiagnoseOptions } from './index.js';

declare const __SYSIGHT_ANALYZE_STAMP__: string | undefined;

/** The analysis code's stamp in this build (see above). */
export const ANALYZE_STAMP: string = typeof __SYSIGHT_ANALYZE_STAMP__ === 'string' ? __SYSIGHT_ANALYZE_STAMP__ : 'dev';

export interface KeptDiagnosisOptions extends ResultCacheOptions {
  /** the analysis stamp to match and write (default ANALYZE_STAMP) */
  stamp?: string | undefined;
}

/** The options that change the diagnosis: part of its key. */
type Options = Pick<DiagnoseOptions, 'minShare'>;

const NAME = 'diagnosis';
const keyOf = (o: Options) => ({ minShare: o.minShare ?? 0.01 });

interface Kept { stamp: string; diagnosis: ProfileDiagnosis }

const isDiagnosis = (d: unknown): d is ProfileDiagnosis =>
  typeof d === 'object' && d !== null && (d as ProfileDiagnosis).schemaVersion === 1 && Array.isArray((d as ProfileDiagnosis).findings);

/**
 * The diagnosis kept for the profile at `path` (as given) with these options, or undefined: none kept, the
 * cache off, a diagnosis of other analysis code, or a damaged one (dropped with a note).
 */
export function keptDiagnosis(path: string, o: Options = {}, c: KeptDiagnosisOptions = {}): ProfileDiagnosis | undefined {
  const kept = readCachedResult(path, NAME, keyOf(o), c)?.value as Partial<Kept> | undefined;
  return kept && kept.stamp === (c.stamp ?? ANALYZE_STAMP) && isDiagnosis(kept.diagnosis) ? kept.diagnosis : undefined;
}

/**
 * diagnoseProfile(model) of the profile at `path` through its cache entry: the kept diagnosis when there is one,
 * else computed and kept (when the profile has an entry).
 */
export function diagnoseKept(model: ProfileModel, path: string, o: Options = {}, c: KeptDiagnosisOptions = {}): ProfileDiagnosis {
  return keptDiagnosis(path, o, c) ?? keepDiagnosis(model, path, o, c);
}

/** diagnoseProfile(model) of the profile at `path`, computed and kept (when the profile has an entry). */
export function keepDiagnosis(model: ProfileModel, path: string, o: Options = {}, c: KeptDiagnosisOptions = {}): ProfileDiagnosis {
  const diagnosis = diagnoseProfile(model, { ...o, profilePath: path });
  writeCachedResult(path, NAME, keyOf(o), { stamp: c.stamp ?? ANALYZE_STAMP, diagnosis } satisfies Kept, c);
  return diagnosis;
}
