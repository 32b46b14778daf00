// The LLM stages. Nothing an LLM says is trusted unchecked: a review can only demote a finding (and never
// makes a "not safe" judge verdict safe), a proposed finding must name an existing file:function:line and
// cite a profile query that, re-run here, shows a non-zero cost, and a patch must apply cleanly.
import { createTwoFilesPatch } from 'diff';
import { fingerprint } from '../analyze/detect.js';
import { CATEGORIES, CATEGORY_NAMES, type Category, type Finding, type LocalizedFindingSet, type Severity } from '../core/findings.js';
import { sha256Hex } from '../core/hash.js';
import type { ProfileModel } from '../core/profile.js';
import type { JudgeVerdict, PatchPlan } from '../core/run.js';
import { scrubSecrets } from '../core/secrets.js';
import { countChangedLines, planPatch } from '../optimize/plan.js';
import { findQuery, QUERIES } from '../profile/queries/registry.js';
import { applyPatchToText, parseFilePatches } from '../sandbox/apply.js';
import { indexRepo, readRepoFile, repoRoot, resolveInRepo, repoRelative, MODULE_SCOPE, type RepoIndex } from '../source/index.js';
import { loadAgentConfig, type AgentConfig, type StageConfig } from './config.js';
import { runLoop, type LoopResult } from './loop.js';
import { createProvider } from './providers/index.js';
import { closedObject, validate } from './schema.js';
import { agentTools, queryToolName, type ToolContext } from './tools.js';
import type { JsonSchema, LlmProvider, Usage } from './types.js';

export interface StageContext {
  provider: LlmProvider;
  config: StageConfig;
  /** absolute repo root */
  repo: string;
  model?: ProfileModel;
  index?: () => Promise<RepoIndex>;
  gpu?: boolean;
  signal?: AbortSignal;
}

export interface StageRun {
  usage: Usage;
  costUsd: number | undefined;
  turns: number;
  /** why the stage gave no usable answer */
  error?: string;
}

function runInfo(r: LoopResult<unknown>): StageRun {
  return { usage: r.usage, costUsd: r.costUsd, turns: r.turns, ...(r.error ? { error: r.error } : {}) };
}

function loop<T>(ctx: StageContext, system: string, prompt: string, schema: JsonSchema, check?: (v: T) => string[]): Promise<LoopResult<T>> {
  const tctx: ToolContext = { repo: ctx.repo, ...(ctx.model ? { model: ctx.model } : {}), ...(ctx.index ? { index: ctx.index } : {}), ...(ctx.signal ? { signal: ctx.signal } : {}) };
  return runLoop<T>({
    provider: ctx.provider, system, prompt, schema, tools: agentTools({ profile: !!ctx.model }), ctx: tctx,
    maxTurns: ctx.config.maxTurns, contextTokens: ctx.config.contextTokens, maxTokens: ctx.config.maxTokens,
    temperature: ctx.config.temperature, stream: ctx.config.stream, ...(check ? { check } : {}),
  });
}

const SYSTEM = 'You are a GPU performance engineer reviewing a PyTorch program. Use the tools to read the profile and the code. Be concrete and brief. End with only the JSON object asked for.';

function brief(f: Finding): Record<string, unknown> {
  return {
    id: f.id, category: `${f.category} ${CATEGORY_NAMES[f.category]}`, pattern: f.pattern, title: f.title, at: `${f.file}:${f.function}:${f.line}`,
    impact: `${f.impact.msPerIter} ms/iter (${f.impact.pctOfIter}%)`, confidence: f.confidence,
    evidence: f.evidence.map((e) => (e.kind === 'profile' ? `profile ${e.query}: ${e.summary}` : e.kind === 'source' ? `source ${e.file}:${e.line}: ${e.text.trim()}` : `stack (${e.via}): ${e.frames.slice(0, 4).join(' < ')}`)),
  };
}

// ---------------------------------------------------------------- judge

export interface LlmReview { findingId: string; verdict: 'confirmed' | 'rejected'; reason: string }
type JudgeAnswer = { verdicts: Array<{ id: string; verdict: 'confirmed' | 'rejected'; reason: string }> };

const JUDGE_SCHEMA = closedObject({
  verdicts: {
    type: 'array',
    items: closedObject({
      id: { type: 'string' }, verdict: { type: 'string', enum: ['confirmed', 'rejected'] }, reason: { type: 'string', minLength: 1, maxLength: 600 },
    }, ['id', 'verdict', 'reason']),
  },
}, ['verdicts']);

/** Asks the model to confirm or reject each finding, with reasons. Findings it does not mention stay unreviewed. */
export async function llmJudge(findings: readonly Finding[], ctx: StageContext): Promise<StageRun & { reviews: LlmReview[] }> {
  if (!findings.length) return { reviews: [], usage: { inputTokens: 0, outputTokens: 0 }, costUsd: 0, turns: 0 };
  const ids = new Set(findings.map((f) => f.id));
  const prompt = [
    'Review these findings of a deterministic profiler analysis. For each, check the code and the profile with the tools, then say whether it is a real bottleneck at that place ("confirmed") or not ("rejected"), with a one-sentence reason.',
    '', JSON.stringify(findings.map(brief), null, 1), '',
    'Answer with JSON: {"verdicts": [{"id": "<finding id>", "verdict": "confirmed" | "rejected", "reason": "…"}]}',
  ].join('\n');
  const r = await loop<JudgeAnswer>(ctx, SYSTEM, prompt, JUDGE_SCHEMA, (v) => v.verdicts.filter((x) => !ids.has(x.id)).map((x) => `unknown finding id ${JSON.stringify(x.id)}`));
  const reviews = (r.output?.verdicts ?? []).map((v) => ({ findingId: v.id, verdict: v.verdict, reason: scrubSecrets(v.reason) }));
  return { ...runInfo(r), reviews };
}

/** The deterministic judge's verdict with an LLM review folded in: a review can demote, never make safe. */
export function combineVerdict(det: JudgeVerdict, review?: LlmReview): JudgeVerdict {
  if (!review || review.verdict === 'confirmed') return { ...det, reason: review ? `${det.reason}; LLM confirmed: ${review.reason}` : det.reason };
  return { findingId: det.findingId, real: false, safe: false, reason: `LLM rejected: ${review.reason}${det.safe ? '' : `; judge: ${det.reason}`}` };
}

// ---------------------------------------------------------------- extra findings

export interface ProposedFinding { category: Category; title: string; file: string; function: string; line: number; query: string; args?: Record<string, unknown>; metric: string; reason: string }

const PROPOSALS_SCHEMA = closedObject({
  findings: {
    type: 'array', maxItems: 5,
    items: closedObject({
      category: { type: 'string', enum: CATEGORIES }, title: { type: 'string', minLength: 1, maxLength: 200 }, file: { type: 'string', minLength: 1 },
      function: { type: 'string', minLength: 1 }, line: { type: 'integer', minimum: 1 }, query: { type: 'string' }, args: { type: 'object' },
      metric: { type: 'string', minLength: 1 }, reason: { type: 'string', minLength: 1, maxLength: 600 },
    }, ['category', 'title', 'file', 'function', 'line', 'query', 'metric', 'reason']),
  },
}, ['findings']);

/** Every numeric value under a key named `metric`, anywhere in a query result. */
export function metricValues(result: unknown, metric: string, out: number[] = [], depth = 0): number[] {
  if (depth > 6 || result === null || typeof result !== 'object') return out;
  if (Array.isArray(result)) {
    for (const x of result.slice(0, 1000)) metricValues(x, metric, out, depth + 1);
    return out;
  }
  for (const [k, v] of Object.entries(result as Record<string, unknown>)) {
    if (k === metric && typeof v === 'number' && Number.isFinite(v)) out.push(v);
    else metricValues(v, metric, out, depth + 1);
  }
  return out;
}

function severityOf(pct: number): Severity {
  return pct >= 20 ? 'critical' : pct >= 8 ? 'high' : pct >= 2 ? 'medium' : 'low';
}

/** Checks one proposal against the source index and the profile; a Finding, or why it is discarded. */
export async function verifyProposal(p: ProposedFinding, set: LocalizedFindingSet, ctx: StageContext): Promise<{ finding: Finding } | { discarded: string }> {
  let file: string;
  try {
    file = repoRelative(ctx.repo, resolveInRepo(ctx.repo, p.file));
  } catch (e) {
    return { discarded: (e as Error).message };
  }
  const idx = ctx.index ? await ctx.index() : null;
  const mod = idx?.byFile.get(file);
  if (!mod) return { discarded: `${p.file} is not a Python file of the repo` };
  const lineCount = mod.source.split('\n').length;
  if (p.line > lineCount) return { discarded: `${file} has ${lineCount} lines, not ${p.line}` };
  if (p.function !== MODULE_SCOPE) {
    const fn = mod.symbols.functions.find((f) => f.qualname === p.function);
    if (!fn) return { discarded: `no function ${p.function} in ${file}` };
    if (p.line < fn.line || p.line > fn.endLine) return { discarded: `line ${p.line} is outside ${p.function} (${fn.line}-${fn.endLine})` };
  }
  const q = findQuery(p.query) ?? QUERIES.find((x) => queryToolName(x) === p.query);
  if (!q) return { discarded: `unknown profile query ${p.query}` };
  if (!ctx.model) return { discarded: 'no profile to check the claim against' };
  const props: Record<string, JsonSchema> = Object.fromEntries(q.params.map((x) => [x.name, { type: x.type }]));
  const errs = validate(closedObject(props), p.args ?? {});
  if (errs.length) return { discarded: `bad arguments for ${q.name}: ${errs.join('; ')}` };
  const args = Object.fromEntries(q.params.map((x) => [x.name, p.args?.[x.name] ?? x.default]));
  let values: number[];
  try {
    values = metricValues(q.run(ctx.model, args), p.metric);
  } catch (e) {
    return { discarded: `${q.name} failed: ${(e as Error).message.split('\n')[0]}` };
  }
  const cost = values.length ? Math.max(...values) : 0;
  if (!(cost > 0)) return { discarded: `${q.name} shows no cost for ${p.metric}${values.length ? '' : ' (no such value in its result)'}` };
  const pattern = `llm.${p.category}`;
  const id = fingerprint(p.category, file, p.function, pattern);
  if (set.findings.some((f) => f.file === file && f.function === p.function && f.category === p.category)) return { discarded: `already found: ${p.category} in ${file}:${p.function}` };
  const iters = Math.max(1, set.iterations);
  const ms = /ns$/i.test(p.metric) ? cost / 1e6 / iters : /ms$/i.test(p.metric) ? cost / iters : /us$/i.test(p.metric) ? cost / 1e3 / iters : 0;
  const pct = set.iterationMs ? (ms / set.iterationMs) * 100 : 0;
  const round = (x: number) => Math.round(x * 1000) / 1000;
  const text = mod.source.split('\n')[p.line - 1] ?? '';
  return {
    finding: {
      id, category: p.category, pattern, title: scrubSecrets(p.title), file, function: p.function, line: p.line, severity: severityOf(pct),
      impact: { msPerIter: round(ms), pctOfIter: round(pct) }, confidence: 0.3, localizedBy: 'llm',
      evidence: [
        { kind: 'profile', query: `${q.name}${Object.keys(p.args ?? {}).length ? ' ' + JSON.stringify(p.args) : ''}`, summary: `${p.metric} = ${cost} (re-run by sysight)`, values: { [p.metric]: cost } },
        { kind: 'source', file, line: p.line, text, why: scrubSecrets(p.reason) },
      ],
    },
  };
}

/** Findings the model proposes beyond the deterministic ones, each verified by code (see verifyProposal). */
export async function llmFindings(set: LocalizedFindingSet, ctx: StageContext): Promise<StageRun & { kept: Finding[]; discarded: Array<{ proposal: ProposedFinding; reason: string }> }> {
  const prompt = [
    'The deterministic analysis found the bottlenecks below. Look for other real ones the profile supports and that sit at a specific line of the repo.',
    `Iteration time: ${set.iterationMs ?? 'unknown'} ms over ${set.iterations} iteration(s); GPU activity: ${set.gpu}.`,
    '', 'Known findings:', JSON.stringify(set.findings.map((f) => `${f.category} ${f.pattern} at ${f.file}:${f.function}:${f.line}`)), '',
    'Each proposal must name an existing file, the qualified function (or <module>) containing the line, the 1-based line, a profile query (a profile_* tool or its query name) with its arguments, and the name of a numeric field in that query\'s result (e.g. totalNs) that measures the cost. Proposals are checked by re-running the query; unsupported ones are discarded.',
    'Answer with JSON: {"findings": [{"category": "C1".."C7", "title": "…", "file": "…", "function": "…", "line": 1, "query": "…", "args": {}, "metric": "…", "reason": "…"}]} (an empty list is a fine answer).',
  ].join('\n');
  const r = await loop<{ findings: ProposedFinding[] }>(ctx, SYSTEM, prompt, PROPOSALS_SCHEMA);
  const kept: Finding[] = [];
  const discarded: Array<{ proposal: ProposedFinding; reason: string }> = [];
  for (const p of r.output?.findings ?? []) {
    const v = await verifyProposal(p, { ...set, findings: [...set.findings, ...kept] }, ctx);
    if ('finding' in v) kept.push(v.finding);
    else discarded.push({ proposal: p, reason: scrubSecrets(v.discarded) });
  }
  return { ...runInfo(r), kept, discarded };
}

// ---------------------------------------------------------------- patch planning

const PATCH_SCHEMA = closedObject({ diff: { type: 'string', minLength: 10 }, rationale: { type: 'string', minLength: 1, maxLength: 1000 } }, ['diff', 'rationale']);

/**
 * A patch for a finding the codemod catalogue cannot fix. Refused when the deterministic judge says the
 * finding is not real or not safe. The diff must touch only the finding's file and apply with zero fuzz;
 * the plan carries a canonical diff regenerated from the patched text. The sandbox verifies it like any patch.
 */
export async function llmPlanPatch(finding: Finding, ctx: StageContext): Promise<StageRun & ({ plan: PatchPlan } | { skipped: string })> {
  const none = { usage: { inputTokens: 0, outputTokens: 0 }, costUsd: 0, turns: 0 };
  const planned = await planPatch(ctx.repo, finding, { gpu: ctx.gpu ?? true });
  if (planned.kind === 'patch') return { ...none, skipped: 'a codemod covers this finding' };
  if (planned.verdict && (!planned.verdict.real || !planned.verdict.safe)) return { ...none, skipped: `judge: ${planned.verdict.reason}` };
  if (!planned.verdict) return { ...none, skipped: planned.reason };
  let text: string;
  try {
    text = readRepoFile(ctx.repo, finding.file);
  } catch (e) {
    return { ...none, skipped: (e as Error).message };
  }
  let patched = '';
  const check = (v: { diff: string }): string[] => {
    try {
      const files = parseFilePatches(v.diff);
      if (files.length !== 1 || files[0]!.file !== finding.file) return [`the diff must change only ${finding.file}`];
      patched = applyPatchToText(text, v.diff);
      return patched === text ? ['the diff changes nothing'] : [];
    } catch (e) {
      return [(e as Error).message.split('\n')[0]!];
    }
  };
  const prompt = [
    'Write a minimal patch that removes this bottleneck without changing the numerics of the program.', '',
    JSON.stringify(brief(finding), null, 1), '',
    `Read ${finding.file} with read_file first. Answer with JSON: {"diff": "<unified diff of ${finding.file} with --- a/${finding.file} and +++ b/${finding.file} headers and exact context lines>", "rationale": "…"}`,
  ].join('\n');
  const r = await loop<{ diff: string; rationale: string }>(ctx, SYSTEM, prompt, PATCH_SCHEMA, check);
  if (!r.output) return { ...runInfo(r), skipped: r.error ?? 'no patch' };
  const diff = createTwoFilesPatch(`a/${finding.file}`, `b/${finding.file}`, text, patched, '', '', { context: 3 });
  const baseHash = sha256Hex(text);
  return {
    ...runInfo(r),
    plan: {
      id: `llm-${sha256Hex(finding.id + baseHash + diff).slice(0, 8)}`, findingId: finding.id, category: finding.category, pattern: finding.pattern,
      file: finding.file, baseHash, diff, linesChanged: countChangedLines(diff), rationale: scrubSecrets(r.output.rationale), source: 'llm',
    },
  };
}

// ---------------------------------------------------------------- pipeline entry

export interface RefineResult {
  set: LocalizedFindingSet;
  usage: Usage;
  costUsd: number | undefined;
  /** what the LLM did, one line each (also appended to set.notes) */
  notes: string[];
}

/**
 * The analyze stage with an LLM (when `.sysight/config.yaml` or SYSIGHT_LLM_* configures one): reviews
 * the deterministic findings (a rejection moves a finding to `unconfirmed`) and adds verified ones.
 * Returns the set unchanged, with null, when the analyze stage is `provider: none`.
 */
export async function refineFindings(set: LocalizedFindingSet, model: ProfileModel, repo: string, config?: AgentConfig | StageConfig, o: { signal?: AbortSignal; provider?: LlmProvider } = {}): Promise<RefineResult | null> {
  const root = repoRoot(repo);
  const cfg: StageConfig = config === undefined ? loadAgentConfig(root).analyze : 'stage' in config ? (config as StageConfig) : (config as AgentConfig).analyze;
  const provider = o.provider ?? createProvider(cfg);
  if (!provider) return null;
  let index: Promise<RepoIndex> | null = null;
  const ctx: StageContext = { provider, config: cfg, repo: root, model, gpu: set.gpu, index: () => (index ??= indexRepo(root, o.signal ? { signal: o.signal } : {})), ...(o.signal ? { signal: o.signal } : {}) };
  const usage: Usage = { inputTokens: 0, outputTokens: 0 };
  let cost: number | undefined = 0;
  const add = (r: StageRun) => {
    usage.inputTokens += r.usage.inputTokens;
    usage.outputTokens += r.usage.outputTokens;
    cost = cost === undefined || r.costUsd === undefined ? undefined : cost + r.costUsd;
  };
  const notes: string[] = [];
  try {
    const judged = await llmJudge(set.findings, ctx);
    add(judged);
    if (judged.error) notes.push(`LLM review gave no usable answer: ${judged.error}`);
    const byId = new Map(judged.reviews.map((r) => [r.findingId, r]));
    const findings: Finding[] = [];
    const unconfirmed = [...set.unconfirmed];
    for (const f of set.findings) {
      const r = byId.get(f.id);
      const reviewed = r ? { ...f, review: { by: 'llm' as const, model: provider.model, verdict: r.verdict, reason: r.reason } } : f;
      if (r?.verdict === 'rejected') {
        unconfirmed.push(reviewed);
        notes.push(`LLM rejected ${f.pattern} at ${f.file}:${f.line}: ${r.reason}`);
      } else findings.push(reviewed);
    }
    const next: LocalizedFindingSet = { ...set, findings, unconfirmed };
    const extra = await llmFindings(next, ctx);
    add(extra);
    if (extra.error) notes.push(`LLM findings gave no usable answer: ${extra.error}`);
    for (const f of extra.kept) notes.push(`LLM finding kept: ${f.category} at ${f.file}:${f.function}:${f.line} (${f.evidence[0]?.kind === 'profile' ? f.evidence[0].summary : ''})`);
    for (const d of extra.discarded) notes.push(`LLM finding discarded: ${d.proposal.file}:${d.proposal.function}:${d.proposal.line}: ${d.reason}`);
    next.findings = [...findings, ...extra.kept].sort((a, b) => b.impact.msPerIter - a.impact.msPerIter);
    const total = `${usage.inputTokens} input + ${usage.outputTokens} output tokens`;
    const c = cost as number | undefined;
    notes.push(`LLM (${provider.name} ${provider.model}): ${total}, ${c === undefined ? `unknown price for ${provider.model}` : `$${c.toFixed(4)}`}`);
    next.notes = [...set.notes, ...notes.map(scrubSecrets)];
    return { set: next, usage, costUsd: cost, notes };
  } finally {
    if (index) await index.then((i) => i.dispose(), () => undefined);
  }
}
