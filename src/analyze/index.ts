// ANALYZE: profile + repo → LocalizedFindingSet. Deterministic; an LLM stage may refine it (src/agent).
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError, throwIfAborted } from '../core/errors.js';
import type { LocalizedFindingSet } from '../core/findings.js';
import type { ProfileModel } from '../core/profile.js';
import type { ProgressSink } from '../core/run.js';
import { hasGpuActivity } from '../profile/queries/util.js';
import { catalogueEntry, runCatalogue, scanRepo, type CatalogueMatch } from '../source/index.js';
import { attributeCosts, siteKey } from './attribution.js';
import { detect } from './detect.js';
import { underPeriodicCondition } from './periodic.js';
import { categorySignals, iterationFrame, nvtxFunctionTimes, patternSignals } from './signals.js';

export interface AnalyzeOptions {
  profilePath?: string;
  /** minimum share of the iteration for a site or category to count (default 0.01 = 1%) */
  minShare?: number;
  signal?: AbortSignal;
  onProgress?: ProgressSink;
}

export async function analyzeProfile(model: ProfileModel, repo: string, o: AnalyzeOptions = {}): Promise<LocalizedFindingSet> {
  let st;
  try { st = statSync(repo); } catch { throw new UserError(`no such directory: ${repo}`); }
  if (!st.isDirectory()) throw new UserError(`${repo} is not a directory`);
  o.onProgress?.({ stage: 'analyze', message: 'scanning the repository' });
  const scan = await scanRepo(repo, { ...(o.signal ? { signal: o.signal } : {}) });
  try {
    throwIfAborted(o.signal);
    const files = scan.index.modules.map((m) => m.file);
    const frame = iterationFrame(model);
    const attribution = attributeCosts(model, files, { iterations: frame.detection.iterations });
    const spanOfFn = (file: string, fn: string): [number, number, number] | undefined => {
      const f = scan.index.byFile.get(file)?.symbols.functions.find((x) => x.qualname === fn);
      return f ? [f.line, f.endLine, f.decorators.length] : undefined;
    };
    // matches outside their pattern's scope (e.g. a function WARMUP could not reach through an untyped
    // parameter) still count when the profile's stacks show their function running
    // …but not the set-up lines of a function that holds a hot loop (its lines before or after the loop run once)
    const hotLoops = scan.setup.loops.filter((l) => l.hot);
    const outsideHotLoop = (m: CatalogueMatch) => {
      const own = hotLoops.filter((l) => l.file === m.file && l.function === m.function);
      return own.length > 0 && !own.some((l) => m.line >= l.line && m.line <= l.endLine);
    };
    const matches = runCatalogue(scan, { all: true, ...(o.signal ? { signal: o.signal } : {}) }).flatMap((m) => {
      if (inScope(m)) return [m];
      return attribution.hasStacks && !outsideHotLoop(m) && functionSeen(attribution.seen, m.file, spanOfFn(m.file, m.function)) ? [{ ...m, inHotPath: true }] : [];
    });
    o.onProgress?.({ stage: 'analyze', message: `${matches.length} source pattern(s); measuring the profile` });
    const signals = categorySignals(model, frame);
    const nvtxFunctionMs = nvtxFunctionTimes(model, frame, new Set(matches.map((m) => m.function)));
    const loops = new Map<string, number>();
    for (const mod of scan.index.modules) for (const l of mod.symbols.loops) loops.set(`${mod.file}:${l.line}`, l.endLine);
    const gpu = hasGpuActivity(model);
    const { findings, unconfirmed } = detect({
      matches, attribution, signals, iterMs: frame.iterMs, iterations: frame.detection.iterations.length,
      perIterDivisor: frame.divisor, nvtxFunctionMs, minShare: o.minShare ?? 0.01, gpu,
      spanOf: (m) => [m.line, loops.get(`${m.file}:${m.line}`) ?? m.line],
      patternSignals: patternSignals(model, frame),
      periodic: (m) => {
        const pm = scan.index.byFile.get(m.file);
        return !!pm && underPeriodicCondition(pm.tree.rootNode, m.line, m.column);
      },
      functionSpan: spanOfFn,
    });
    const notes = [...model.meta.notes, ...scan.setup.notes];
    if (!attribution.hasStacks) notes.push('no call stacks in this profile: findings are localized by the source catalogue on the hot path, ranked by measured category cost');
    if (frame.iterMs === null) notes.push('no iterations detected: impacts are totals over the whole profile');
    if (files.length && attribution.hasStacks && attribution.sites.size === 0) notes.push('the profile\'s stacks name no file of this repo: was it recorded from this code?');
    return {
      schemaVersion: 1, profile: o.profilePath ?? model.meta.source, repo: resolve(repo),
      iterationMs: frame.iterMs === null ? null : Math.round(frame.iterMs * 1000) / 1000,
      iterations: frame.detection.iterations.length, gpu, findings, unconfirmed, notes,
    };
  } finally {
    scan.index.dispose();
  }
}

/** Whether a match is where its pattern's scope wants it (what runCatalogue keeps without `all`). */
function inScope(m: CatalogueMatch): boolean {
  const scope = catalogueEntry(m.patternId)?.scope ?? 'anywhere';
  return scope === 'anywhere' || (scope === 'loop' && m.inLoop) || (scope === 'hot' && m.inHotPath) || (scope === 'loop-or-hot' && (m.inLoop || m.inHotPath));
}

/** Whether any stack in the profile names a line of the function (decorators included). */
function functionSeen(seen: Set<string>, file: string, span: [number, number, number] | undefined): boolean {
  if (!span) return false;
  for (let l = span[0] - span[2]; l <= span[1]; l++) if (seen.has(siteKey(file, l))) return true;
  return false;
}

export { attributeCosts, detect, categorySignals, iterationFrame };
export { summarizeProfile, reduceRanks, collectRanks, formatRanksReport, localizeRankFindings } from './ranks/index.js';
