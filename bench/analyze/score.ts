// The analyze benchmark's scoring, shared by the command (run.ts) and its test: generate a case's profile,
// run the analyzer (and, in LLM mode, the analyze stage's review on top), score at exact
// category + file + function + line against truth.json.
import { existsSync, mkdirSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { parse as parseYaml } from 'yaml';
import type { LlmProvider } from '../../src/agent/types.js';
import type { StageConfig } from '../../src/agent/config.js';
import { refineFindings } from '../../src/agent/stages.js';
import { analyzeProfile } from '../../src/analyze/index.js';
import type { LocalizedFindingSet } from '../../src/core/findings.js';
import { loadScenarioFile, writeNsysProfile } from '../../src/profile/generator/index.js';
import { openProfile } from '../../src/profile/open.js';
import { writeKinetoTrace, type KinetoDescription } from './kineto-writer.js';

export interface TruthEntry {
  category: string; file: string; function: string; line: number; why: string;
  /** the ms/iter the case's profile spends because of this line (what the scenario planted), when written down */
  plantedMsPerIter?: number;
}
export interface Truth {
  description?: string;
  /** written before the analyzer was ever run on the case (the git history shows truth.json before any result) */
  blind?: boolean;
  findings: TruthEntry[];
  decoys: Array<Omit<TruthEntry, 'category'>>;
}

export interface Score {
  tp: number; fp: number; fn: number; precision: number; recall: number; f1: number;
  truePositives: Array<TruthEntry & { pattern: string; msPerIter: number; localizedBy: string; /** reported − planted, ms/iter */ msError?: number }>;
  falsePositives: Array<{ category: string; file: string; function: string; line: number; pattern: string; msPerIter: number; localizedBy: string; decoy: boolean; reason: string }>;
  falseNegatives: Array<TruthEntry & { reason: string }>;
}

export interface CaseResult extends Score {
  name: string; description: string; notes: string[]; seconds: number;
  blind: boolean;
  /** the profile's iteration time and the sum of the findings' ms/iter column (never above it) */
  iterationMs: number | null;
  sumMsPerIter: number;
  /** mean |reported − planted| / planted over the true positives that have a planted cost */
  meanRelativeMsError: number | null;
}

export interface LlmCaseResult extends Score {
  name: string;
  /** the model's review of each deterministic finding */
  reviews: Array<{ finding: string; verdict: string; reason: string }>;
  /** LLM notes (kept / discarded proposals, token use) */
  notes: string[];
  inputTokens: number;
  outputTokens: number;
}

export interface Overall { tp: number; fp: number; fn: number; precision: number; recall: number; f1: number; decoysReported: number }

const key = (f: { category: string; file: string; function: string; line: number }) => `${f.category}|${f.file}|${f.function}|${f.line}`;
const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
const f1 = (p: number, r: number) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));
export const r3 = (x: number) => Math.round(x * 1000) / 1000;

export function caseNames(casesDir: string, only: string[] = []): string[] {
  return readdirSync(casesDir).filter((n) => existsSync(join(casesDir, n, 'truth.json')) && (!only.length || only.includes(n))).sort();
}

export async function profileOf(caseDir: string, name: string, work: string): Promise<string> {
  mkdirSync(work, { recursive: true });
  const scenario = join(caseDir, 'scenario.yaml');
  if (existsSync(scenario)) {
    const out = join(work, `${name}.sqlite`);
    writeNsysProfile(loadScenarioFile(scenario), out);
    return out;
  }
  const kineto = join(caseDir, 'kineto.yaml');
  if (existsSync(kineto)) {
    const out = join(work, `${name}.pt.trace.json`);
    writeKinetoTrace(parseYaml(readFileSync(kineto, 'utf8')) as KinetoDescription, out);
    return out;
  }
  throw new Error(`${caseDir}: no scenario.yaml or kineto.yaml`);
}

/** Scores a finding set against the truth: exact category + file + function + line. */
export function scoreSet(truth: Truth, set: LocalizedFindingSet): Score {
  const want = new Map(truth.findings.map((t) => [key(t), t]));
  const decoyAt = new Map(truth.decoys.map((d) => [`${d.file}|${d.line}`, d]));
  const found = new Set<string>();
  const s: Score = { tp: 0, fp: 0, fn: 0, precision: 0, recall: 0, f1: 0, truePositives: [], falsePositives: [], falseNegatives: [] };
  for (const f of set.findings) {
    const k = key(f);
    const t = want.get(k);
    if (t && !found.has(k)) {
      found.add(k);
      s.truePositives.push({ ...t, pattern: f.pattern, msPerIter: f.impact.msPerIter, localizedBy: f.localizedBy, ...(t.plantedMsPerIter !== undefined ? { msError: r3(f.impact.msPerIter - t.plantedMsPerIter) } : {}) });
      continue;
    }
    const d = decoyAt.get(`${f.file}|${f.line}`);
    const near = truth.findings.find((x) => x.file === f.file && x.line === f.line);
    s.falsePositives.push({
      category: f.category, file: f.file, function: f.function, line: f.line, pattern: f.pattern, msPerIter: f.impact.msPerIter, localizedBy: f.localizedBy,
      decoy: !!d,
      reason: d ? `decoy: ${d.why}` : near ? `right line, truth says ${near.category} ${near.function}` : t ? 'duplicate' : 'not in the truth',
    });
  }
  for (const t of truth.findings) {
    if (found.has(key(t))) continue;
    const u = set.unconfirmed.find((x) => key(x) === key(t));
    const other = set.findings.find((x) => x.file === t.file && x.line === t.line);
    s.falseNegatives.push({ ...t, reason: u ? (u.review?.verdict === 'rejected' ? `rejected by the LLM: ${u.review.reason}` : `unconfirmed: ${u.evidence.filter((e) => e.kind === 'profile').map((e) => (e as { summary: string }).summary).join('; ')}`)
      : other ? `reported as ${other.category} ${other.function}` : 'no catalogue match on this line' });
  }
  s.tp = s.truePositives.length; s.fp = s.falsePositives.length; s.fn = s.falseNegatives.length;
  s.precision = r3(ratio(s.tp, s.tp + s.fp)); s.recall = r3(ratio(s.tp, s.tp + s.fn)); s.f1 = r3(f1(s.precision, s.recall));
  return s;
}

export function overallOf(results: Score[]): Overall {
  const tp = results.reduce((a, r) => a + r.tp, 0), fp = results.reduce((a, r) => a + r.fp, 0), fn = results.reduce((a, r) => a + r.fn, 0);
  const P = r3(ratio(tp, tp + fp)), R = r3(ratio(tp, tp + fn));
  return { tp, fp, fn, precision: P, recall: R, f1: r3(f1(P, R)), decoysReported: results.reduce((a, r) => a + r.falsePositives.filter((x) => x.decoy).length, 0) };
}

export interface CaseOptions {
  casesDir: string;
  /** where generated profiles go */
  work: string;
  /** LLM mode: the analyze stage's config and provider for this case */
  llm?: (name: string) => { config: StageConfig; provider: LlmProvider };
}

/** One case: deterministic score, and with `llm` the score after the LLM review of the same findings. */
export async function runCase(name: string, o: CaseOptions): Promise<{ det: CaseResult; llm?: LlmCaseResult }> {
  const t0 = Date.now();
  const dir = join(o.casesDir, name);
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth;
  const profile = await profileOf(dir, name, o.work);
  const model = await openProfile(profile);
  const repo = join(dir, 'repo');
  const set = await analyzeProfile(model, repo, { profilePath: profile });
  const score = scoreSet(truth, set);
  const det: CaseResult = {
    name, description: truth.description ?? '', blind: truth.blind === true, ...score,
    iterationMs: set.iterationMs, sumMsPerIter: r3(set.findings.reduce((a, f) => a + f.impact.msPerIter, 0)),
    meanRelativeMsError: meanRelativeError(score),
    notes: set.notes, seconds: r3((Date.now() - t0) / 1000),
  };
  if (!o.llm) return { det };
  const { config, provider } = o.llm(name);
  const refined = await refineFindings(structuredClone(set), model, repo, config, { provider });
  if (!refined) throw new Error(`${name}: the analyze stage has no LLM configured`);
  const r = refined.set;
  const reviews = [...r.findings, ...r.unconfirmed].filter((f) => f.review).map((f) => ({ finding: `${f.category} ${f.file}:${f.function}:${f.line}`, verdict: f.review!.verdict, reason: f.review!.reason }));
  const llm: LlmCaseResult = { name, ...scoreSet(truth, r), reviews, notes: refined.notes, inputTokens: refined.usage.inputTokens, outputTokens: refined.usage.outputTokens };
  return { det, llm };
}

/** Whether the LLM mode scores at least as well as the deterministic one: none of P, R, F1 lower. */
export function atLeastAsGood(llm: Overall, det: Overall): boolean {
  return llm.precision >= det.precision && llm.recall >= det.recall && llm.f1 >= det.f1;
}

/** Mean |reported − planted| / planted over the true positives whose truth has a planted cost; null when none. */
export function meanRelativeError(s: Score): number | null {
  const xs = s.truePositives.filter((t) => t.plantedMsPerIter !== undefined && t.plantedMsPerIter > 0).map((t) => Math.abs(t.msPerIter - t.plantedMsPerIter!) / t.plantedMsPerIter!);
  return xs.length ? r3(xs.reduce((a, b) => a + b, 0) / xs.length) : null;
}

/** A case's score the first time the benchmark ran on it (kept by every later run). */
export interface FirstScore {
  generatedAt: string; commit: string | null; blind: boolean;
  tp: number; fp: number; fn: number; precision: number; recall: number; f1: number;
  falsePositives: string[]; falseNegatives: string[];
}

/**
 * The blind set's first score overall. A first score keeps its false positives as text, each with its reason
 * (`… (decoy: …)` for a planted decoy), so the decoys it reported are counted from that text.
 */
export function firstOverall(firsts: readonly FirstScore[]): Overall {
  const o = overallOf(firsts.map((f) => ({ ...f, truePositives: [], falsePositives: [], falseNegatives: [] })));
  return { ...o, decoysReported: firsts.reduce((t, f) => t + f.falsePositives.filter((x) => x.includes('(decoy: ')).length, 0) };
}
