// ANALYZE: profile + repo → LocalizedFindingSet. Deterministic; an LLM stage may refine it (src/agent).
import { statSync } from 'node:fs';
import { resolve } from 'node:path';
import { UserError, throwIfAborted } from '../core/errors.js';
import type { LocalizedFindingSet } from '../core/findings.js';
import type { ProfileModel } from '../core/profile.js';
import type { ProgressSink } from '../core/run.js';
import { hasGpuActivity } from '../profile/queries/util.js';
import { runCatalogue, scanRepo } from '../source/index.js';
import { attributeCosts } from './attribution.js';
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
    const matches = runCatalogue(scan, { ...(o.signal ? { signal: o.signal } : {}) });
    const files = scan.index.modules.map((m) => m.file);
    o.onProgress?.({ stage: 'analyze', message: `${matches.length} source pattern(s); measuring the profile` });
    const frame = iterationFrame(model);
    const signals = categorySignals(model, frame);
    const attribution = attributeCosts(model, files);
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
      functionSpan: (file, fn) => {
        const f = scan.index.byFile.get(file)?.symbols.functions.find((x) => x.qualname === fn);
        return f ? [f.line, f.endLine] : undefined;
      },
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

export { attributeCosts, detect, categorySignals, iterationFrame };
