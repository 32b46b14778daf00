// `npm run bench:analyze [-- CASE…] [--llm replay:<dir> | record:<dir> [--scripted] | live]`: for each case
// in bench/analyze/cases/<name>/ (a small repo, the profile its code would produce — a generator scenario.yaml
// for nsys cases, a kineto.yaml description for Kineto traces — and truth.json written from the code),
// generate the profile into bench/work/analyze/, run the analyzer in-process and score its findings against
// the truth at exact category + file + function + line. Decoys reported count as false positives. With
// --llm, the analyze stage's LLM review runs on the same findings and both scores are printed; the run fails
// (exit 1) when the LLM mode scores lower than the deterministic one. Writes bench/results/analyze.json
// (all cases only; a deterministic run keeps the last llm section).
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import { parseLlmMode, setupLlm } from './llm.js';
import { execFileSync } from 'node:child_process';
import { atLeastAsGood, caseNames, firstOverall, overallOf, runCase, type CaseResult, type FirstScore, type LlmCaseResult, type Overall } from './score.js';

// bundled into bench/work/analyze.cjs, so the repository is two levels up
const ROOT = resolve(__dirname, '..', '..');
const CASES = join(ROOT, 'bench', 'analyze', 'cases');
const WORK = join(ROOT, 'bench', 'work', 'analyze');
const RESULTS = join(ROOT, 'bench', 'results', 'analyze.json');

function gitHead(): string | null {
  try {
    return execFileSync('git', ['rev-parse', '--short', 'HEAD'], { cwd: ROOT, encoding: 'utf8' }).trim();
  } catch {
    return null;
  }
}

const pad = (s: string | number, n: number) => String(s).padEnd(n);
const row = (name: string, r: { tp: number; fp: number; fn: number; precision: number; recall: number; f1: number }) =>
  `${pad(r.tp, 4)}${pad(r.fp, 4)}${pad(r.fn, 4)}${pad(r.precision.toFixed(2), 7)}${pad(r.recall.toFixed(2), 7)}${pad(r.f1.toFixed(2), 7)}`.replace(/^/, pad(name, 26));

function printDetails(label: string, results: Array<CaseResult | LlmCaseResult>): void {
  for (const r of results) {
    for (const x of r.falsePositives) console.log(`  ${label}FP ${r.name}: ${x.category} ${x.file}:${x.function}:${x.line} [${x.pattern}, ${x.msPerIter} ms/iter, ${x.localizedBy}] ${x.reason}`);
    for (const x of r.falseNegatives) console.log(`  ${label}FN ${r.name}: ${x.category} ${x.file}:${x.function}:${x.line} ${x.reason}`);
  }
}

async function main(): Promise<void> {
  const args = process.argv.slice(2);
  const mode = parseLlmMode(args, ROOT);
  const skip = new Set<number>();
  args.forEach((a, i) => { if (a === '--llm') skip.add(i + 1); });
  const only = args.filter((a, i) => !a.startsWith('-') && !skip.has(i));
  const names = caseNames(CASES, only);
  const llm = mode ? await setupLlm(mode) : null;
  const det: CaseResult[] = [];
  const withLlm: LlmCaseResult[] = [];
  try {
    for (const n of names) {
      const r = await runCase(n, { casesDir: CASES, work: WORK, ...(llm ? { llm: (name: string) => llm.forCase(name, join(CASES, name, 'repo')) } : {}) });
      det.push(r.det);
      if (r.llm) withLlm.push(r.llm);
    }
  } finally {
    await llm?.close();
  }
  const overall = overallOf(det);
  console.log(`${pad('case', 26)}${pad('TP', 4)}${pad('FP', 4)}${pad('FN', 4)}${pad('P', 7)}${pad('R', 7)}${pad('F1', 7)}s`);
  for (const r of det) console.log(`${row(r.name, r)}${r.seconds.toFixed(1)}`);
  console.log(row('overall (micro)', overall));
  const blind = det.filter((r) => r.blind);
  const blindOverall = blind.length ? overallOf(blind) : null;
  if (blindOverall) console.log(row('blind cases (micro)', blindOverall));
  printDetails('', det);
  for (const r of det) {
    const over = r.iterationMs !== null && r.sumMsPerIter > r.iterationMs + 1e-6;
    console.log(`  ms/iter ${r.name}: findings sum ${r.sumMsPerIter} of a ${r.iterationMs ?? '?'} ms iteration${over ? '  EXCEEDS THE ITERATION' : ''}${r.meanRelativeMsError !== null ? `; mean |reported - planted| / planted ${r.meanRelativeMsError}` : ''}`);
  }
  let llmOverall: Overall | null = null;
  if (llm && mode) {
    llmOverall = overallOf(withLlm);
    const src = llm.source;
    console.log(`\nLLM mode (${mode.kind}${mode.kind !== 'live' ? ` ${relative(ROOT, mode.dir) || mode.dir}` : ''}): ${src.provider} ${src.model}${src.scripted ? ' — SCRIPTED transcripts, not a real model' : ''}`);
    console.log(`${pad('case', 26)}${pad('TP', 4)}${pad('FP', 4)}${pad('FN', 4)}${pad('P', 7)}${pad('R', 7)}${pad('F1', 7)}reviews`);
    for (const r of withLlm) console.log(`${row(r.name, r)}${r.reviews.filter((x) => x.verdict === 'confirmed').length} confirmed, ${r.reviews.filter((x) => x.verdict === 'rejected').length} rejected`);
    console.log(row('overall (micro)', llmOverall));
    printDetails('LLM ', withLlm);
    for (const r of withLlm) for (const n of r.notes.filter((x) => /^LLM (finding|review|findings)/.test(x))) console.log(`  ${r.name}: ${n}`);
    const tokens = withLlm.reduce((a, r) => a + r.inputTokens + r.outputTokens, 0);
    console.log(`deterministic P/R/F1 ${overall.precision.toFixed(3)}/${overall.recall.toFixed(3)}/${overall.f1.toFixed(3)}  vs  LLM ${llmOverall.precision.toFixed(3)}/${llmOverall.recall.toFixed(3)}/${llmOverall.f1.toFixed(3)}  (${tokens} tokens)`);
  }
  if (!only.length) {
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    const prev = existsSync(RESULTS) ? (JSON.parse(readFileSync(RESULTS, 'utf8')) as { llm?: unknown; first?: Record<string, FirstScore> }) : {};
    // the first score of every case is kept as it was: a later run adds the first score of a new case only
    const first: Record<string, FirstScore> = { ...(prev.first ?? {}) };
    for (const r of det) {
      first[r.name] ??= {
        generatedAt: new Date().toISOString(), commit: gitHead(), blind: r.blind,
        tp: r.tp, fp: r.fp, fn: r.fn, precision: r.precision, recall: r.recall, f1: r.f1,
        falsePositives: r.falsePositives.map((x) => `${x.category} ${x.file}:${x.function}:${x.line} (${x.reason})`),
        falseNegatives: r.falseNegatives.map((x) => `${x.category} ${x.file}:${x.function}:${x.line} (${x.reason})`),
      };
    }
    const firstBlind = det.filter((r) => r.blind).map((r) => first[r.name]!);
    const llmSection = llm && mode && llmOverall
      ? {
        generatedAt: new Date().toISOString(), mode: mode.kind, ...(mode.kind !== 'live' ? { transcripts: relative(ROOT, mode.dir) } : {}), source: llm.source,
        overall: llmOverall, atLeastDeterministic: atLeastAsGood(llmOverall, overall),
        usage: { inputTokens: withLlm.reduce((a, r) => a + r.inputTokens, 0), outputTokens: withLlm.reduce((a, r) => a + r.outputTokens, 0) },
        cases: withLlm,
      }
      : prev.llm;
    writeFileSync(RESULTS, JSON.stringify({
      generatedAt: new Date().toISOString(), overall,
      ...(blindOverall ? { blind: { first: firstOverall(firstBlind), latest: blindOverall } } : {}),
      first, cases: det, ...(llmSection ? { llm: llmSection } : {}),
    }, null, 2) + '\n');
    console.log(`wrote ${RESULTS}`);
  }
  if (llmOverall && !atLeastAsGood(llmOverall, overall)) {
    console.error(`\nFAIL: the LLM mode scores LOWER than the deterministic mode (P/R/F1 ${llmOverall.precision}/${llmOverall.recall}/${llmOverall.f1} < ${overall.precision}/${overall.recall}/${overall.f1})`);
    process.exit(1);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
