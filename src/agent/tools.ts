// The tools an LLM may call: every profile query, the source tools and the knowledge base. Each has a JSON
// schema; arguments are checked against it; outputs are capped; every path goes through resolveInRepo.
import { readFileSync } from 'node:fs';
import { UserError, isCancelled } from '../core/errors.js';
import type { ProfileModel } from '../core/profile.js';
import { readLedger } from '../memory/ledger.js';
import { readWiki, searchWiki } from '../memory/wiki.js';
import { QUERIES, type QueryDef } from '../profile/queries/registry.js';
import { compileGlob, listFiles, readLines, repoRelative, resolveInRepo, searchRepo, type CallEdge, type RepoIndex } from '../source/index.js';
import { closedObject, validate } from './schema.js';
import type { JsonSchema, ToolSpec } from './types.js';

export interface ToolContext {
  /** absolute repo root */
  repo: string;
  model?: ProfileModel;
  /** the parsed repo, built once on first use */
  index?: () => Promise<RepoIndex>;
  signal?: AbortSignal;
}

export interface AgentTool extends ToolSpec {
  run(args: Record<string, unknown>, ctx: ToolContext): Promise<string> | string;
}

export const DEFAULT_OUTPUT_CAP = 8000;
const MAX_READ_LINES = 400;

/** Caps a tool output, keeping the head and saying how much was cut. */
export function capOutput(text: string, cap = DEFAULT_OUTPUT_CAP): string {
  if (text.length <= cap) return text;
  return `${text.slice(0, cap)}\n…[truncated: ${text.length - cap} more characters; narrow the request]`;
}

export function queryToolName(q: QueryDef): string {
  return `profile_${q.name.replace(/-/g, '_')}`;
}

function queryTool(q: QueryDef): AgentTool {
  const properties: Record<string, JsonSchema> = {};
  for (const p of q.params) properties[p.name] = { type: p.type, description: p.description + (p.default !== undefined ? ` (default ${String(p.default)})` : '') };
  return {
    name: queryToolName(q),
    description: `Profile query "${q.name}": ${q.description}`,
    parameters: closedObject(properties),
    run(args, ctx) {
      if (!ctx.model) throw new UserError('no profile is loaded in this stage');
      const full: Record<string, unknown> = {};
      for (const p of q.params) full[p.name] = args[p.name] ?? p.default;
      return q.format(q.run(ctx.model, full), ctx.model);
    },
  };
}

function str(args: Record<string, unknown>, k: string): string | undefined {
  return typeof args[k] === 'string' ? (args[k] as string) : undefined;
}
function int(args: Record<string, unknown>, k: string, dflt: number, max: number): number {
  const v = args[k];
  return typeof v === 'number' && Number.isFinite(v) ? Math.max(1, Math.min(max, Math.floor(v))) : dflt;
}

/** `file:qualname` with the file checked against the repo. */
function functionId(ctx: ToolContext, id: string): string {
  const i = id.lastIndexOf(':');
  if (i > 0) resolveInRepo(ctx.repo, id.slice(0, i));
  return id;
}

async function needIndex(ctx: ToolContext): Promise<RepoIndex> {
  if (!ctx.index) throw new UserError('the source index is not available in this stage');
  return ctx.index();
}

/** The call-graph edges on one side of a function (`callers` or `callees`), a line each. */
function callGraphTool(side: 'callers' | 'callees', description: string, line: (e: CallEdge) => string, none: string): AgentTool {
  return {
    name: side,
    description,
    parameters: closedObject({ function: { type: 'string', minLength: 1 } }, ['function']),
    async run(args, ctx) {
      const idx = await needIndex(ctx);
      const edges = idx.graph[side](functionId(ctx, str(args, 'function')!));
      return edges.length ? edges.map(line).join('\n') : none;
    },
  };
}

const SOURCE_TOOLS: AgentTool[] = [
  {
    name: 'list_files',
    description: 'List repository files (repo-relative paths), optionally filtered by a glob such as "*.py" or "src/**/*.py".',
    parameters: closedObject({ glob: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 1000 } }),
    run(args, ctx) {
      const glob = str(args, 'glob');
      const keep = glob ? compileGlob(glob) : () => true;
      const all = listFiles(ctx.repo, ctx.signal ? { signal: ctx.signal } : {}).filter((f) => keep(f));
      const limit = int(args, 'limit', 200, 1000);
      return all.length ? all.slice(0, limit).join('\n') + (all.length > limit ? `\n…[${all.length - limit} more]` : '') : 'no files match';
    },
  },
  {
    name: 'search',
    description: 'Search file contents line by line. A literal string unless regex is true. Returns file:line: text.',
    parameters: closedObject({ pattern: { type: 'string', minLength: 1 }, regex: { type: 'boolean' }, glob: { type: 'string' }, limit: { type: 'integer', minimum: 1, maximum: 500 } }, ['pattern']),
    run(args, ctx) {
      const pattern = str(args, 'pattern')!;
      let re: RegExp | string = pattern;
      if (args.regex === true) {
        try {
          re = new RegExp(pattern);
        } catch (e) {
          throw new UserError(`invalid regex: ${(e as Error).message}`);
        }
      }
      const glob = str(args, 'glob');
      const hits = searchRepo(ctx.repo, re, { limit: int(args, 'limit', 100, 500), ...(glob ? { glob } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) });
      return hits.length ? hits.map((h) => `${h.file}:${h.line}: ${h.text.trim()}`).join('\n') : 'no matches';
    },
  },
  {
    name: 'read_file',
    description: `Read lines of a repository file with their numbers (at most ${MAX_READ_LINES} lines per call).`,
    parameters: closedObject({ path: { type: 'string', minLength: 1 }, start: { type: 'integer', minimum: 1 }, end: { type: 'integer', minimum: 1 } }, ['path']),
    run(args, ctx) {
      const start = int(args, 'start', 1, Number.MAX_SAFE_INTEGER);
      const end = Math.min(int(args, 'end', start + MAX_READ_LINES - 1, Number.MAX_SAFE_INTEGER), start + MAX_READ_LINES - 1);
      const r = readLines(ctx.repo, str(args, 'path')!, start, end);
      return `${r.file} lines ${r.start}-${r.end} of ${r.totalLines}\n${r.formatted}`;
    },
  },
  {
    name: 'symbols',
    description: 'Classes and functions of a Python file: qualified name, id (file:qualname), lines.',
    parameters: closedObject({ path: { type: 'string', minLength: 1 } }, ['path']),
    async run(args, ctx) {
      const abs = resolveInRepo(ctx.repo, str(args, 'path')!);
      const idx = await needIndex(ctx);
      const m = idx.byFile.get(repoRelative(idx.root, abs));
      if (!m) throw new UserError(`not an indexed Python file: ${str(args, 'path')}`);
      const cls = m.symbols.classes.map((c) => `class ${c.qualname} (${c.line}-${c.endLine})${c.bases.length ? ` bases: ${c.bases.join(', ')}` : ''}`);
      const fns = m.symbols.functions.map((f) => `def ${f.qualname}(${f.params.join(', ')}) ${f.line}-${f.endLine}  id=${f.id}`);
      return [...cls, ...fns].join('\n') || 'no classes or functions';
    },
  },
  callGraphTool(
    'callers', 'Call sites that call a function (id file:qualname, a qualname like GPT.forward, or a bare name).',
    (e) => `${e.from} calls ${e.callee} at ${e.file}:${e.line} (${e.via})`, 'no known callers',
  ),
  callGraphTool(
    'callees', 'Functions of the repo a function calls (id file:qualname, a qualname or a bare name).',
    (e) => `${e.file}:${e.line} ${e.callee} → ${e.to} (${e.via})`, 'no known callees in the repo',
  ),
];

const KNOWLEDGE_TOOLS: AgentTool[] = [
  {
    name: 'wiki_search',
    description: 'Search the knowledge base (lessons from earlier trials) by words.',
    parameters: closedObject({ query: { type: 'string', minLength: 1 } }, ['query']),
    run(args, ctx) {
      const hits = searchWiki(readWiki(ctx.repo), str(args, 'query')!, 5);
      return hits.length ? hits.map((h) => `## ${h.page.slug} (score ${h.score.toFixed(2)})\n${h.page.body.trim()}`).join('\n\n') : 'no lessons match';
    },
  },
  {
    name: 'wiki_pages',
    description: 'List the knowledge base pages: page id, kind (trial record or lesson), title or pattern, verdict or effect.',
    parameters: closedObject({}),
    run(_args, ctx) {
      const pages = readWiki(ctx.repo);
      return pages.length
        ? pages.map((p) => (p.meta.kind === 'lesson'
          ? `${p.slug}  lesson  ${String(p.meta.title ?? '')}  applies to ${String(p.meta.appliesTo ?? '?')}  effect ${String(p.meta.effect ?? '?')}`
          : `${p.slug}  trial  ${p.meta.pattern ?? '?'} in ${p.meta.file ?? '?'}  ${p.meta.verdict ?? ''}`)).join('\n')
        : 'the knowledge base is empty';
    },
  },
  {
    name: 'wiki_read',
    description: 'Read one knowledge base page by its page id (as wiki_pages lists it).',
    parameters: closedObject({ page: { type: 'string', minLength: 1 } }, ['page']),
    run(args, ctx) {
      const id = str(args, 'page')!.replace(/\.md$/, '');
      const page = readWiki(ctx.repo).find((p) => p.slug === id);
      if (!page) throw new UserError(`no page ${id} (see wiki_pages)`);
      return readFileSync(page.path, 'utf8');
    },
  },
  {
    name: 'ledger',
    description: 'Earlier trials of one finding (by its fingerprint, the finding id): verdicts, speed-ups, reasons.',
    parameters: closedObject({ fingerprint: { type: 'string', minLength: 1 } }, ['fingerprint']),
    run(args, ctx) {
      const rows = readLedger(ctx.repo).filter((e) => e.fingerprint === str(args, 'fingerprint'));
      return rows.length
        ? rows.map((e) => `${e.ts} ${e.verdict}${e.speedup !== null ? ` speedup ${e.speedup.toFixed(3)}` : ''}: ${e.reason}`).join('\n')
        : 'no trials recorded for this fingerprint';
    },
  },
];

export interface ToolSetOptions {
  profile?: boolean;
  source?: boolean;
  knowledge?: boolean;
}

/** The tools of a stage: profile queries (when a profile is loaded), source tools, knowledge base. */
export function agentTools(o: ToolSetOptions = {}): AgentTool[] {
  return [
    ...(o.profile === false ? [] : QUERIES.map(queryTool)),
    ...(o.source === false ? [] : SOURCE_TOOLS),
    ...(o.knowledge === false ? [] : KNOWLEDGE_TOOLS),
  ];
}

/** Runs one tool call: unknown tool, bad arguments and tool errors become a one-line `error: …` output. */
export async function runTool(tools: readonly AgentTool[], name: string, args: Record<string, unknown>, ctx: ToolContext, cap = DEFAULT_OUTPUT_CAP): Promise<{ output: string; ok: boolean }> {
  const t = tools.find((x) => x.name === name);
  if (!t) return { output: `error: unknown tool ${name} (available: ${tools.map((x) => x.name).join(', ')})`, ok: false };
  const errs = validate(t.parameters, args);
  if (errs.length) return { output: `error: invalid arguments for ${name}: ${errs.join('; ')}`, ok: false };
  try {
    return { output: capOutput(await t.run(args, ctx), cap), ok: true };
  } catch (e) {
    if (isCancelled(e)) throw e;
    const msg = e instanceof Error ? e.message.split('\n')[0] : String(e);
    return { output: `error: ${msg}`, ok: false };
  }
}
