// The anti-pattern catalogue: one entry per pattern (id, category, title, the profile evidence that
// confirms it, where it must be to count, and a matcher over the syntax tree), and the runner.
// Matching is on tree-sitter nodes only: comments and strings can never match.
import { throwIfAborted } from '../core/errors.js';
import { type CatalogueEntry, type CatalogueMatch, type PatternFacts, type RepoFacts, patternFacts } from './catalogue-types.js';
import { ModuleContext } from './context.js';
import type { HotPath } from './hotpath.js';
import { LOADER_PATTERNS, PIPELINE_PATTERNS } from './patterns-data.js';
import { LOOP_PATTERNS } from './patterns-loops.js';
import { PYTHON_PATTERNS } from './patterns-python.js';
import { COMM_PATTERNS, COMPUTE_PATTERNS } from './patterns-compute.js';
import { COPY_PATTERNS, SYNC_PATTERNS } from './patterns-sync.js';
import { underIterationCondition } from './conditions.js';
import type { RepoIndex } from './repo-index.js';

export type { CatalogueEntry, CatalogueMatch, EvidenceSpec, PatternFacts, RepoFacts, Scope } from './catalogue-types.js';
export { CATEGORY_FACTS, patternFacts } from './catalogue-types.js';

export const CATALOGUE: readonly CatalogueEntry[] = [
  ...LOADER_PATTERNS.filter((p) => p.category === 'C1'),
  ...COMPUTE_PATTERNS.filter((p) => p.category === 'C2'),
  ...SYNC_PATTERNS,
  ...PYTHON_PATTERNS.filter((p) => p.category === 'C3'),
  ...COPY_PATTERNS,
  ...COMPUTE_PATTERNS.filter((p) => p.category === 'C5'),
  ...COMM_PATTERNS,
  ...PIPELINE_PATTERNS,
  ...PYTHON_PATTERNS.filter((p) => p.category === 'C7'),
  ...LOOP_PATTERNS,
];

export const PATTERN_IDS: readonly string[] = CATALOGUE.map((p) => p.id);

export function catalogueEntry(id: string): CatalogueEntry | undefined {
  return CATALOGUE.find((p) => p.id === id);
}

/** An entry as plain data: no matcher, every fact stated (its category's where it has none), events as a regex source. */
export type CatalogueDescription = Omit<CatalogueEntry, 'match' | 'events'> & Omit<PatternFacts, 'events'> & { events?: string };

/** The catalogue as plain data: for reports, the LLM tools and `--json`. */
export function describeCatalogue(): CatalogueDescription[] {
  return CATALOGUE.map(({ match: _m, events, ...rest }) => {
    const { measuredAt, needsGpu, costKinds } = patternFacts(rest);
    return { ...rest, measuredAt, needsGpu, costKinds, ...(events ? { events: events.source } : {}) };
  });
}

export interface CatalogueOptions {
  /** only these pattern ids (default: all) */
  patterns?: string[] | undefined;
  /** report matches outside their scope too (default false: a `loop-or-hot` pattern outside both is dropped) */
  all?: boolean | undefined;
  signal?: AbortSignal | undefined;
}

function repoFacts(contexts: ModuleContext[]): RepoFacts {
  let usesCompile = false;
  let usesLowPrecision = false;
  let pinsMemory = false;
  for (const ctx of contexts) {
    for (const c of ctx.calls) {
      if (/^torch\.(compile|jit\.(script|trace)|cuda\.(graph|CUDAGraph|make_graphed_callables|graphs\.\w+))$|^torch\._dynamo\./.test(c.canonical)) usesCompile = true;
      if (c.method === 'compile' && /model|net|module/i.test(c.receiver?.text ?? '')) usesCompile = true;
      if (/(^|\.)autocast$/.test(c.canonical) || c.method === 'half' || c.method === 'bfloat16') usesLowPrecision = true;
      if (c.method === 'to' && c.args.some((a) => /^torch\.(bfloat16|float16|half)$/.test(a.text))) usesLowPrecision = true;
      if (/^(torch\.(bfloat16|float16|half))$/.test(c.keywords.get('dtype')?.text ?? '') && /(^|\.)(autocast|to)$/.test(c.callee)) usesLowPrecision = true;
      if (c.keywords.get('pin_memory')?.text === 'True' || c.method === 'pin_memory') pinsMemory = true;
    }
    for (const f of ctx.symbols.functions) if (f.decorators.some((d) => /autocast/.test(d))) usesLowPrecision = true;
  }
  return { usesCompile, usesLowPrecision, pinsMemory };
}

/** Runs the catalogue over every parsed module; matches sorted by file, line, pattern. */
export function runCatalogue(scan: { index: RepoIndex; hot: HotPath }, opts: CatalogueOptions = {}): CatalogueMatch[] {
  const entries = opts.patterns ? CATALOGUE.filter((p) => opts.patterns!.includes(p.id)) : CATALOGUE;
  const contexts = scan.index.modules.map((pm) => new ModuleContext(pm, scan.index, scan.hot));
  const facts = repoFacts(contexts);
  const out: CatalogueMatch[] = [];
  const seen = new Set<string>();
  for (const ctx of contexts) {
    throwIfAborted(opts.signal);
    const lines = ctx.pm.source.split(/\r?\n/);
    for (const entry of entries) {
      for (const raw of entry.match(ctx, facts)) {
        const line = raw.node.startPosition.row + 1;
        const column = raw.node.startPosition.column + 1;
        const inLoop = (raw.loops ?? []).length > 0;
        const inHotPath = raw.hot ?? ctx.isHot(raw.fn, line);
        if (!opts.all) {
          if (entry.scope === 'loop' && !inLoop) continue;
          if (entry.scope === 'hot' && !inHotPath) continue;
          if (entry.scope === 'loop-or-hot' && !inLoop && !inHotPath) continue;
        }
        const key = `${entry.id}|${ctx.file}|${line}|${column}`;
        if (seen.has(key)) continue;
        seen.add(key);
        out.push({
          patternId: entry.id, category: entry.category, file: ctx.file, function: raw.fn, line, column,
          text: (lines[line - 1] ?? '').trim(), why: raw.why, inHotPath, inLoop, conditional: underIterationCondition(raw.node),
          ...(raw.related?.length ? { related: raw.related.map((r) => ({ ...r, text: (lines[r.line - 1] ?? '').trim() })) } : {}),
          ...(raw.deferredCost ? { deferredCost: raw.deferredCost } : {}),
        });
      }
    }
  }
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line || a.column - b.column || a.patternId.localeCompare(b.patternId));
}

