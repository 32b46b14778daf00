// The learn stage with an LLM: after a round's trials, the model reads what was measured (verdicts,
// speed-ups with their intervals, numerics, failure reasons, the patches) and the knowledge base through
// the tools, and writes or updates lessons as structured output. Nothing it says is trusted unchecked:
// a lesson must cite trials of this run (and only those), its stated effect must agree with every cited
// trial's measured verdict, and any speed-up percentage in its text must match a cited measurement. A
// lesson that fails is dropped with a note. Secrets never reach the model's input or the wiki.
import type { Category } from '../core/findings.js';
import type { Interval, TrialVerdict } from '../core/run.js';
import { registerSecretEnv, scrubSecrets } from '../core/secrets.js';
import { existingPage, LESSON_EFFECTS, validPageId, writeLearnedLesson, type LearnedLesson, type LessonEffect, type LessonEvidence } from '../memory/index.js';
import { repoRoot } from '../source/index.js';
import type { StageConfig } from './config.js';
import { runLoop } from './loop.js';
import { closedObject } from './schema.js';
import { createProvider } from './providers/index.js';
import { agentTools, type ToolContext } from './tools.js';
import type { LlmProvider, Usage } from './types.js';

/** One trial of the round as the learn stage sees it. */
export interface LearnTrial {
  /** "t<round>.<n>", unique within the run */
  id: string;
  round: number;
  patchId: string;
  findingId: string;
  category: Category;
  pattern: string;
  file: string;
  function: string;
  line: number;
  verdict: TrialVerdict;
  reason: string;
  smokeOk: boolean;
  numericsOk: boolean | null;
  speedup: number | null;
  interval: Interval | null;
  baselineMs: number | null;
  candidateMs: number | null;
  rationale?: string;
  /** the patch tried (unified diff) */
  diff?: string;
}

export function trialId(round: number, n: number): string {
  return `t${round}.${n}`;
}

/** What a trial's measurement says, in the vocabulary of a lesson's effect. */
export function trialOutcome(t: LearnTrial): LessonEffect {
  if (t.verdict === 'skipped') return 'untested';
  if (t.verdict === 'accepted') return 'speedup';
  if (t.verdict === 'error' || !t.smokeOk || t.numericsOk === false || t.speedup === null) return 'failed';
  return t.interval && t.interval.high < 0 ? 'slowdown' : 'no-gain';
}

export interface ProposedLesson { page: string; title: string; text: string; appliesTo: string; effect: LessonEffect; evidence: string[] }

const LESSONS_SCHEMA = closedObject({
  lessons: {
    type: 'array', maxItems: 8,
    items: closedObject({
      page: { type: 'string', minLength: 1, maxLength: 100 }, title: { type: 'string', minLength: 1, maxLength: 160 },
      text: { type: 'string', minLength: 1, maxLength: 2000 }, appliesTo: { type: 'string', minLength: 1, maxLength: 80 },
      effect: { type: 'string', enum: [...LESSON_EFFECTS] }, evidence: { type: 'array', minItems: 1, maxItems: 20, items: { type: 'string' } },
    }, ['page', 'title', 'text', 'appliesTo', 'effect', 'evidence']),
  },
}, ['lessons']);

/** `C7.element-loop`, `C7.*`, `C3`, `llm.C6`, `*`: a pattern (or glob of patterns) findings carry. */
function patternMatcher(appliesTo: string): ((pattern: string) => boolean) | null {
  if (!/^(\*|(llm\.)?C[1-7](\.[A-Za-z0-9_*-]+)*|(llm\.)?C[1-7]\.\*)$/.test(appliesTo)) return null;
  const re = new RegExp(`^${appliesTo.split('*').map((s) => s.replace(/[.+?^${}()|[\]\\]/g, '\\$&')).join('.*')}(\\..*)?$`);
  return (p) => re.test(p);
}

const CLAIM = /([+-]?\d+(?:\.\d+)?)\s*%[^.,;\n]{0,40}?\b(faster|speed-?ups?|quicker|gains?|improve(?:ment|d|s)?|slower|slowdown|regress(?:ion|ed|es)?)\b|\b(speed-?ups?|gains?|improve(?:ment|d|s)?|slowdown|regress(?:ion|ed|es)?)\b[^.;\n]{0,30}?\b(?:of|by|:)?\s*([+-]?\d+(?:\.\d+)?)\s*%/gi;

/** Speed-up percentages a text claims ("12% faster", "a speed-up of 12.3%"), as absolute percents. */
export function claimedPercents(text: string): number[] {
  const out: number[] = [];
  for (const m of text.matchAll(CLAIM)) {
    // "not above the 1% minimum gain" names the acceptance threshold, not a measurement
    const around = text.slice(Math.max(0, m.index - 24), m.index + m[0].length + 24);
    if (/minimum|threshold|min[- ]gain|required|target|at least/i.test(around)) continue;
    out.push(Math.abs(Number(m[1] ?? m[4])));
  }
  return out.filter((x) => Number.isFinite(x));
}

/** Whether a claimed percentage is what a trial measured (its point estimate or inside its interval, ±0.6 points). */
function supports(t: LearnTrial, percent: number): boolean {
  if (t.speedup === null) return false;
  const pts = [t.speedup, ...(t.interval ? [t.interval.low, t.interval.high] : [])].map((x) => Math.abs(x * 100));
  const lo = Math.min(...pts) - 0.6;
  const hi = Math.max(...pts) + 0.6;
  return percent >= lo && percent <= hi;
}

/** The guard rails of one proposed lesson against this run's trials; a lesson to write, or why it is dropped. */
export function verifyLesson(p: ProposedLesson, trials: readonly LearnTrial[], repo: string): { ok: true } | { dropped: string } {
  const page = p.page.trim().toLowerCase().replace(/\.md$/, '');
  if (!validPageId(page)) return { dropped: `invalid page id ${JSON.stringify(scrubSecrets(p.page))} (lower-case letters, digits, . _ -)` };
  if (scrubSecrets(page) !== page) return { dropped: 'the page id carries a secret' };
  const byId = new Map(trials.map((t) => [t.id, t]));
  const ids = [...new Set(p.evidence.map((e) => e.trim()))];
  const unknown = ids.filter((id) => !byId.has(id));
  if (unknown.length) return { dropped: `cites ${unknown.map((u) => JSON.stringify(u)).join(', ')}, not a trial of this run (known: ${[...byId.keys()].join(', ')})` };
  const cited = ids.map((id) => byId.get(id)!);
  const outcomes = cited.map(trialOutcome);
  const contradict = (want: (o: LessonEffect) => boolean) => cited.filter((_, i) => !want(outcomes[i]!)).map((t) => `${t.id} was ${t.verdict}${t.speedup !== null ? ` (${(t.speedup * 100).toFixed(1)}%)` : ''}`).slice(0, 3);
  let bad: string[] = [];
  if (p.effect === 'speedup') bad = contradict((o) => o === 'speedup');
  else if (p.effect === 'no-gain') bad = contradict((o) => o === 'no-gain' || o === 'slowdown');
  else if (p.effect === 'slowdown') bad = contradict((o) => o === 'slowdown');
  else if (p.effect === 'failed') bad = contradict((o) => o === 'failed');
  else if (p.effect === 'untested') bad = contradict((o) => o === 'untested');
  else if (!(outcomes.includes('speedup') && outcomes.some((o) => o !== 'speedup'))) bad = ['a mixed lesson needs an accepted and a not-accepted trial'];
  if (bad.length) return { dropped: `claims ${p.effect} against the measured verdict: ${bad.join('; ')}` };
  for (const pc of claimedPercents(`${p.title}\n${p.text}`)) {
    if (!cited.some((t) => supports(t, pc))) return { dropped: `claims ${pc}% but no cited trial measured that (${cited.map((t) => `${t.id}: ${t.speedup === null ? 'not measured' : `${(t.speedup * 100).toFixed(1)}%`}`).join(', ')})` };
  }
  const match = patternMatcher(p.appliesTo.trim());
  if (!match) return { dropped: `appliesTo ${JSON.stringify(p.appliesTo)} is not a finding pattern (e.g. C7.element-loop, C3.*, llm.C6)` };
  if (!cited.some((t) => match(t.pattern))) return { dropped: `appliesTo ${p.appliesTo} matches none of its cited trials (${[...new Set(cited.map((t) => t.pattern))].join(', ')})` };
  if (existingPage(repo, page).kind === 'other') return { dropped: `${page} is a trial record page; a lesson needs its own page id` };
  return { ok: true };
}

function brief(t: LearnTrial): Record<string, unknown> {
  const pc = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
  return {
    trial: t.id, finding: `${t.category} ${t.pattern} at ${t.file}:${t.function}:${t.line}`, fingerprint: t.findingId, patch: t.patchId || null,
    verdict: t.verdict, reason: scrubSecrets(t.reason), smokeTest: t.smokeOk ? 'passed' : 'failed', numerics: t.numericsOk === null ? 'not checked' : t.numericsOk ? 'within tolerance' : 'changed',
    measuredSpeedup: t.speedup === null ? null : `${pc(t.speedup)}${t.interval ? ` (${Math.round(t.interval.level * 100)}% CI ${pc(t.interval.low)} .. ${pc(t.interval.high)})` : ''}`,
    iterationMs: t.baselineMs !== null && t.candidateMs !== null ? `${t.baselineMs.toFixed(3)} -> ${t.candidateMs.toFixed(3)}` : null,
    ...(t.rationale ? { rationale: scrubSecrets(t.rationale) } : {}),
    ...(t.diff ? { diff: scrubSecrets(t.diff.length > 2500 ? `${t.diff.slice(0, 2500)}\n…[diff cut]` : t.diff) } : {}),
  };
}

const SYSTEM = 'You are a GPU performance engineer keeping the knowledge base of a PyTorch project. Lessons must be true to the measurements: an accepted trial is a speed-up, anything else is not. Use the tools to read the existing pages and the code. End with only the JSON object asked for.';

export interface LearnResult {
  /** pages written (absolute paths), with their ids */
  written: Array<{ page: string; title: string; path: string }>;
  dropped: Array<{ page: string; reason: string }>;
  usage: Usage;
  costUsd: number | undefined;
  turns: number;
  error?: string;
}

export interface LearnOptions {
  runId: string;
  provider?: LlmProvider;
  signal?: AbortSignal;
  /** extra environment whose secret-looking values are scrubbed (the workload's env) */
  env?: Record<string, string>;
}

/**
 * Asks the model for lessons from this round's trials and writes the ones that pass the guard rails to
 * .sysight/wiki/. Returns null when the learn stage is `provider: none` (the deterministic per-trial pages
 * are written by the pipeline either way).
 */
export async function learnFromTrials(repoDir: string, trials: readonly LearnTrial[], cfg: StageConfig, o: LearnOptions): Promise<LearnResult | null> {
  const provider = o.provider ?? createProvider(cfg);
  if (!provider) return null;
  registerSecretEnv(process.env);
  if (o.env) registerSecretEnv(o.env);
  const repo = repoRoot(repoDir);
  const none: LearnResult = { written: [], dropped: [], usage: { inputTokens: 0, outputTokens: 0 }, costUsd: 0, turns: 0 };
  if (!trials.some((t) => t.verdict !== 'skipped')) return { ...none, error: 'no trial was measured this round' };
  const prompt = [
    'These are the trials of one round of optimization: each patch was applied in a sandbox, smoke-tested, checked for numerics and measured A/B (interleaved runs, bootstrap confidence interval). Only "accepted" trials were real speed-ups.',
    '', JSON.stringify(trials.map(brief), null, 1), '',
    'Read the existing knowledge base first (wiki_pages, wiki_read, wiki_search): update a lesson page that covers the same thing (use its page id) rather than writing a near-duplicate. Then write the lessons worth keeping for the next rounds and runs: what worked, what did not and why, where it applies.',
    `Each lesson: a page id (lower-case, digits, . _ -), a title, a short text, appliesTo (the finding pattern it applies to, e.g. ${trials[0]!.pattern} or ${trials[0]!.category}.*), effect (one of ${LESSON_EFFECTS.join(', ')}; it must agree with the verdict of every trial it cites: speedup only for accepted trials), and evidence (the trial ids above it rests on). Quote only measured numbers.`,
    'Answer with JSON: {"lessons": [{"page": "…", "title": "…", "text": "…", "appliesTo": "…", "effect": "…", "evidence": ["t1.1"]}]} (an empty list is a fine answer).',
  ].join('\n');
  const ctx: ToolContext = { repo, ...(o.signal ? { signal: o.signal } : {}) };
  const r = await runLoop<{ lessons: ProposedLesson[] }>({
    provider, system: SYSTEM, prompt, schema: LESSONS_SCHEMA, tools: agentTools({ profile: false }), ctx,
    maxTurns: cfg.maxTurns, contextTokens: cfg.contextTokens, maxTokens: cfg.maxTokens, temperature: cfg.temperature, stream: cfg.stream,
  });
  const res: LearnResult = { ...none, usage: r.usage, costUsd: r.costUsd, turns: r.turns, ...(r.error ? { error: scrubSecrets(r.error) } : {}) };
  const byId = new Map(trials.map((t) => [t.id, t]));
  const pages = new Set<string>();
  for (const p of r.output?.lessons ?? []) {
    const page = p.page.trim().toLowerCase().replace(/\.md$/, '');
    const v = pages.has(page) ? { dropped: `a second lesson for page ${page} in the same answer` } : verifyLesson(p, trials, repo);
    if ('dropped' in v) {
      res.dropped.push({ page: scrubSecrets(p.page).slice(0, 100), reason: scrubSecrets(v.dropped) });
      continue;
    }
    pages.add(page);
    const evidence: LessonEvidence[] = [...new Set(p.evidence.map((e) => e.trim()))].map((id) => {
      const t = byId.get(id)!;
      return { trial: t.id, runId: o.runId, round: t.round, patchId: t.patchId, pattern: t.pattern, file: t.file, verdict: t.verdict, speedup: t.speedup, interval: t.interval };
    });
    const lesson: LearnedLesson = { page, title: p.title, text: p.text, appliesTo: p.appliesTo.trim(), effect: p.effect, evidence, by: `llm ${provider.name} ${provider.model}` };
    res.written.push({ page, title: scrubSecrets(p.title), path: writeLearnedLesson(repo, lesson) });
  }
  return res;
}
