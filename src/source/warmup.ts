// WARMUP: scan a repo for its entry command, its training/inference loops and its hot path.
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { throwIfAborted } from '../core/errors.js';
import { optional } from '../core/optional.js';
import { SYSIGHT_DIR, type ProgressSink, type RepoSetup } from '../core/run.js';
import { entryCandidates, type EntryCandidate } from './entry.js';
import { findHotPath, findLoops, isHotLine, type HotPath } from './hotpath.js';
import { repoRoot } from './paths.js';
import { indexRepo, type RepoIndex } from './repo-index.js';
import { listFiles } from './walk.js';

export interface WarmupOptions {
  signal?: AbortSignal | undefined;
  onProgress?: ProgressSink | undefined;
}

/** Everything WARMUP learns, with the live index for the catalogue and detectors (call index.dispose()). */
export interface SourceScan {
  index: RepoIndex;
  hot: HotPath;
  entry: EntryCandidate[];
  setup: RepoSetup;
}

export async function scanRepo(repo: string, opts: WarmupOptions = {}): Promise<SourceScan> {
  const root = repoRoot(repo);
  const progress = (message: string, fraction?: number) => opts.onProgress?.({ stage: 'warmup', message, ...optional('fraction', fraction) });
  progress('listing files', 0);
  const files = listFiles(root, { signal: opts.signal });
  progress('parsing Python files', 0.1);
  const index = await indexRepo(root, { signal: opts.signal });
  try {
    throwIfAborted(opts.signal);
    progress('finding loops and the entry command', 0.7);
    const entry = entryCandidates(index, files, findLoops(index));
    const best = entry.find((c) => c.score > 0) ?? null;
    const hot = findHotPath(index, best?.script ?? null);
    const notes = [...index.notes, ...hot.notes];
    if (!index.modules.length) notes.unshift(`no Python files found in ${root}: nothing to scan (is this the right repo?)`);
    else if (!best) notes.push('no entry command found (README, shell scripts, Makefile, __main__ blocks): pass one with --command');
    if (index.modules.length && !hot.loops.length) notes.push('no training or inference loop found');
    const setup: RepoSetup = {
      schemaVersion: 1,
      repo: root,
      entryCommand: best?.command ?? null,
      entrySource: best?.source ?? null,
      ...(best ? { entryReason: best.reason } : {}),
      entryCandidates: entry.slice(0, 10).map((c) => ({ command: c.command, source: c.source, score: Math.round(c.score * 10) / 10, reason: c.reason })),
      hotFunctions: [...hot.functions.keys()].sort(),
      hotReasons: Object.fromEntries([...hot.functions.entries()].sort()),
      conditionalHot: [...hot.conditional].sort(),
      loops: hot.loops.map((l) => ({
        file: l.file, function: l.function, line: l.line, endLine: l.endLine, kind: l.kind, bodyLine: l.bodyLine, hot: l.hot, iter: l.iter, signals: l.signals,
      })),
      dataLoaders: hot.dataLoaders.map((d) => ({ file: d.file, function: d.function, line: d.line, datasetFns: d.datasetFns, collateFns: d.collateFns })),
      parseErrors: index.modules.flatMap((m) => m.symbols.parseErrors.map((e) => ({ file: m.file, ...e }))),
      pythonFiles: index.modules.length,
      notes,
    };
    progress('done', 1);
    return { index, hot, entry, setup };
  } catch (e) {
    index.dispose();
    throw e;
  }
}

/** WARMUP as a value: the RepoSetup of a repo. */
export async function warmup(repo: string, opts: WarmupOptions = {}): Promise<RepoSetup> {
  const scan = await scanRepo(repo, opts);
  scan.index.dispose();
  return scan.setup;
}

/** Writes `<repo>/.sysight/setup.json` (Sysight's own folder; nothing else in the repo is touched). */
export function writeSetup(repo: string, setup: RepoSetup): string {
  const dir = join(repoRoot(repo), SYSIGHT_DIR);
  mkdirSync(dir, { recursive: true });
  const path = join(dir, 'setup.json');
  writeFileSync(path, JSON.stringify(setup, null, 2) + '\n');
  return path;
}

/** Whether (file, function, line) runs once per iteration according to a RepoSetup. */
export function setupIsHot(setup: RepoSetup, file: string, fn: string, line: number): boolean {
  return isHotLine(
    {
      functions: new Map(setup.hotFunctions.map((f) => [f, ''])),
      loops: setup.loops.map((l) => ({ ...l, bodyLine: l.bodyLine ?? l.line + 1, hot: l.hot ?? true, iter: l.iter ?? '', signals: l.signals ?? [] })),
    },
    file,
    fn,
    line,
  );
}
