// `npm run bench:analyze`: for each case in bench/analyze/cases/<name>/ (a small repo, the profile its code would
// produce — a generator scenario.yaml for nsys cases, a kineto.yaml description for Kineto traces — and truth.json
// written from the code), generate the profile into bench/work/analyze/, run the analyzer in-process and score its
// findings against the truth at exact category + file + function + line. Decoys reported count as false
// positives. Prints a table and writes bench/results/analyze.json.
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { analyzeProfile } from '../../src/analyze/index.js';
import type { Finding } from '../../src/core/findings.js';
import { loadScenarioFile, writeNsysProfile } from '../../src/profile/generator/index.js';
import { openProfile } from '../../src/profile/open.js';
import { writeKinetoTrace, type KinetoDescription } from './kineto-writer.js';

// bundled into bench/work/analyze.cjs, so the repository is two levels up
const ROOT = resolve(__dirname, '..', '..');
const CASES = join(ROOT, 'bench', 'analyze', 'cases');
const WORK = join(ROOT, 'bench', 'work', 'analyze');
const RESULTS = join(ROOT, 'bench', 'results', 'analyze.json');

interface TruthEntry { category: string; file: string; function: string; line: number; why: string }
interface Truth { description?: string; findings: TruthEntry[]; decoys: Array<Omit<TruthEntry, 'category'>> }

const key = (f: { category: string; file: string; function: string; line: number }) => `${f.category}|${f.file}|${f.function}|${f.line}`;

export async function profileOf(caseDir: string, name: string): Promise<string> {
  mkdirSync(WORK, { recursive: true });
  const scenario = join(caseDir, 'scenario.yaml');
  if (existsSync(scenario)) {
    const out = join(WORK, `${name}.sqlite`);
    writeNsysProfile(loadScenarioFile(scenario), out);
    return out;
  }
  const kineto = join(caseDir, 'kineto.yaml');
  if (existsSync(kineto)) {
    const out = join(WORK, `${name}.pt.trace.json`);
    writeKinetoTrace(parseYaml(readFileSync(kineto, 'utf8')) as KinetoDescription, out);
    return out;
  }
  throw new Error(`${caseDir}: no scenario.yaml or kineto.yaml`);
}

interface CaseResult {
  name: string; description: string; tp: number; fp: number; fn: number; precision: number; recall: number; f1: number;
  truePositives: Array<TruthEntry & { pattern: string; msPerIter: number; localizedBy: string }>;
  falsePositives: Array<{ category: string; file: string; function: string; line: number; pattern: string; msPerIter: number; localizedBy: string; decoy: boolean; reason: string }>;
  falseNegatives: Array<TruthEntry & { reason: string }>;
  notes: string[]; seconds: number;
}

const ratio = (a: number, b: number) => (b === 0 ? 1 : a / b);
const f1 = (p: number, r: number) => (p + r === 0 ? 0 : (2 * p * r) / (p + r));
const r3 = (x: number) => Math.round(x * 1000) / 1000;

async function runCase(name: string): Promise<CaseResult> {
  const t0 = Date.now();
  const dir = join(CASES, name);
  const truth = JSON.parse(readFileSync(join(dir, 'truth.json'), 'utf8')) as Truth;
  const profile = await profileOf(dir, name);
  const model = await openProfile(profile);
  const set = await analyzeProfile(model, join(dir, 'repo'), { profilePath: profile });
  const want = new Map(truth.findings.map((t) => [key(t), t]));
  const decoyAt = new Map(truth.decoys.map((d) => [`${d.file}|${d.line}`, d]));
  const found = new Set<string>();
  const res: CaseResult = { name, description: truth.description ?? '', tp: 0, fp: 0, fn: 0, precision: 0, recall: 0, f1: 0, truePositives: [], falsePositives: [], falseNegatives: [], notes: set.notes, seconds: 0 };
  for (const f of set.findings) {
    const k = key(f);
    const t = want.get(k);
    if (t && !found.has(k)) {
      found.add(k);
      res.truePositives.push({ ...t, pattern: f.pattern, msPerIter: f.impact.msPerIter, localizedBy: f.localizedBy });
      continue;
    }
    const d = decoyAt.get(`${f.file}|${f.line}`);
    const near = truth.findings.find((x) => x.file === f.file && x.line === f.line);
    res.falsePositives.push({
      category: f.category, file: f.file, function: f.function, line: f.line, pattern: f.pattern, msPerIter: f.impact.msPerIter, localizedBy: f.localizedBy,
      decoy: !!d,
      reason: d ? `decoy: ${d.why}` : near ? `right line, truth says ${near.category} ${near.function}` : t ? 'duplicate' : 'not in the truth',
    });
  }
  for (const t of truth.findings) {
    if (found.has(key(t))) continue;
    const u = set.unconfirmed.find((x) => key(x) === key(t));
    const other = set.findings.find((x) => x.file === t.file && x.line === t.line);
    res.falseNegatives.push({ ...t, reason: u ? `unconfirmed: ${u.evidence.filter((e) => e.kind === 'profile').map((e) => (e as { summary: string }).summary).join('; ')}`
      : other ? `reported as ${other.category} ${other.function}` : 'no catalogue match on this line' });
  }
  res.tp = res.truePositives.length; res.fp = res.falsePositives.length; res.fn = res.falseNegatives.length;
  res.precision = r3(ratio(res.tp, res.tp + res.fp)); res.recall = r3(ratio(res.tp, res.tp + res.fn)); res.f1 = r3(f1(res.precision, res.recall));
  res.seconds = r3((Date.now() - t0) / 1000);
  return res;
}

async function main(): Promise<void> {
  const only = process.argv.slice(2).filter((a) => !a.startsWith('-'));
  const names = readdirSync(CASES).filter((n) => existsSync(join(CASES, n, 'truth.json')) && (!only.length || only.includes(n))).sort();
  const results: CaseResult[] = [];
  for (const n of names) results.push(await runCase(n));
  const tp = results.reduce((a, r) => a + r.tp, 0), fp = results.reduce((a, r) => a + r.fp, 0), fn = results.reduce((a, r) => a + r.fn, 0);
  const P = r3(ratio(tp, tp + fp)), R = r3(ratio(tp, tp + fn));
  const overall = { tp, fp, fn, precision: P, recall: R, f1: r3(f1(P, R)), decoysReported: results.reduce((a, r) => a + r.falsePositives.filter((x) => x.decoy).length, 0) };
  const pad = (s: string | number, n: number) => String(s).padEnd(n);
  console.log(`${pad('case', 26)}${pad('TP', 4)}${pad('FP', 4)}${pad('FN', 4)}${pad('P', 7)}${pad('R', 7)}${pad('F1', 7)}s`);
  for (const r of results) console.log(`${pad(r.name, 26)}${pad(r.tp, 4)}${pad(r.fp, 4)}${pad(r.fn, 4)}${pad(r.precision.toFixed(2), 7)}${pad(r.recall.toFixed(2), 7)}${pad(r.f1.toFixed(2), 7)}${r.seconds.toFixed(1)}`);
  console.log(`${pad('overall (micro)', 26)}${pad(tp, 4)}${pad(fp, 4)}${pad(fn, 4)}${pad(P.toFixed(2), 7)}${pad(R.toFixed(2), 7)}${pad(overall.f1.toFixed(2), 7)}`);
  for (const r of results) {
    for (const x of r.falsePositives) console.log(`  FP ${r.name}: ${x.category} ${x.file}:${x.function}:${x.line} [${x.pattern}, ${x.msPerIter} ms/iter, ${x.localizedBy}] ${x.reason}`);
    for (const x of r.falseNegatives) console.log(`  FN ${r.name}: ${x.category} ${x.file}:${x.function}:${x.line} ${x.reason}`);
  }
  if (!only.length) {
    mkdirSync(join(ROOT, 'bench', 'results'), { recursive: true });
    writeFileSync(RESULTS, JSON.stringify({ generatedAt: new Date().toISOString(), overall, cases: results }, null, 2) + '\n');
    console.log(`wrote ${RESULTS}`);
  }
}

main().catch((e) => {
  console.error(e instanceof Error ? e.message : String(e));
  process.exit(1);
});
