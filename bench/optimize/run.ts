// Optimize benchmark: every case under bench/optimize/cases is copied into a fresh git repository and put
// through the real CLI (`sysight agent-loop --rounds R --runs N --json`). Scores, out of 100:
//   correctness 40  accepted patches apply to the case in order, their smoke run passed and numerics matched
//   performance 30  mean measured end-to-end speed-up on the cases with a real planted issue (full at >= 30%)
//   judgment    20  F1 of accepted-vs-not decisions against expected.json (traps and unplanted accepts count)
//   minimality  10  lines changed per accepted patch (full marks at <= 8 lines)
// Per case it also measures the case's hand fix (train.hand.py, when there is one) against the original
// with the same sequential A/B measurement, and reports the share of the hand fix's speed-up the loop got.
// Usage: npm run bench:optimize [-- --only a,b] [-- --hog] (env BENCH_JOBS=2, BENCH_ROUNDS=1, BENCH_RUNS=3,
// BENCH_TRIAL_BUDGET=40 seconds per trial). --hog starts one busy process per core for the whole bench
// (the 'loaded' table, written to bench/results/optimize-loaded.json) and stops them at the end.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { measureInterleaved } from '../../src/sandbox/measure.js';

interface Issue { id: string; lines: [number, number]; category: string; expect: 'accept' | 'reject'; trap?: boolean; why: string }
interface Expected { description: string; issues: Issue[] }
interface Trial { patchId: string; findingId: string; pattern: string; verdict: string; reason: string; smokeOk: boolean; numericsOk: boolean | null; measurement: { speedup: number; runs: number; spentMs?: number; budgetMs?: number } | null; stack?: { members: Array<{ patchId: string }> } }
interface Finding { id: string; file: string; line: number; pattern: string }

const ROOT = join(__dirname, '..', '..');
const CASES = join(ROOT, 'bench', 'optimize', 'cases');
const CLI = process.env.BENCH_CLI ?? join(ROOT, 'bin', 'sysight.js');
const PY = process.env.BENCH_PYTHON ?? '/usr/bin/python3';
const JOBS = Number(process.env.BENCH_JOBS ?? 2);
const ROUNDS = process.env.BENCH_ROUNDS ?? '1';
const RUNS = process.env.BENCH_RUNS ?? '3';
const TRIAL_BUDGET = process.env.BENCH_TRIAL_BUDGET ?? '40';
const HOG = process.argv.includes('--hog');

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, { cwd, encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function makeRepo(name: string): string {
  const dir = mkdtempSync(join(tmpdir(), `obench-${name}-`));
  cpSync(join(CASES, name), dir, { recursive: true, filter: (p) => !p.endsWith('expected.json') && !p.endsWith('.bin') && !p.endsWith('.hand.py') });
  writeFileSync(join(dir, 'README.md'), `# ${name}\n\n\`\`\`\npython train.py\n\`\`\`\n`);
  writeFileSync(join(dir, '.gitignore'), '*.bin\n.sysight/\n');
  git(dir, 'init', '-q');
  git(dir, 'add', '.');
  git(dir, '-c', 'user.name=bench', '-c', 'user.email=bench@local', 'commit', '-q', '-m', 'case');
  return dir;
}

function runCli(repo: string, tmp: string): Promise<{ code: number | null; stdout: string; stderr: string; seconds: number }> {
  const t0 = Date.now();
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [CLI, 'agent-loop', '--repo', repo, '--python', PY, '--rounds', ROUNDS, '--runs', RUNS, '--trial-budget', TRIAL_BUDGET, '--json'], {
      env: { ...process.env, SYSIGHT_SAMPLE_US: '300', TMPDIR: tmp },
    });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (d) => { stdout += d; });
    child.stderr.on('data', (d) => { stderr += d; });
    child.on('close', (code) => resolve({ code, stdout, stderr, seconds: (Date.now() - t0) / 1000 }));
  });
}

function changedLines(diff: string): number {
  return diff.split('\n').filter((l) => /^[+-]/.test(l) && !/^(\+\+\+|---) /.test(l)).length;
}

/** The hand fix (train.hand.py) against the original, same seed, same sequential measurement as a trial. */
async function measureHandFix(name: string, tmp: string): Promise<{ speedup: number; low: number; high: number; pairs: number; lines: number } | null> {
  const hand = join(CASES, name, 'train.hand.py');
  if (!existsSync(hand)) return null;
  const a = join(tmp, 'hand-a');
  const b = join(tmp, 'hand-b');
  for (const d of [a, b]) cpSync(join(CASES, name), d, { recursive: true, filter: (p) => !p.endsWith('expected.json') && !p.endsWith('.hand.py') });
  cpSync(hand, join(b, 'train.py'));
  const before = readFileSync(join(a, 'train.py'), 'utf8');
  const lines = changedLines(createTwoFilesPatch('a/train.py', 'b/train.py', before, readFileSync(hand, 'utf8')));
  try {
    const m = await measureInterleaved({ command: [PY, 'train.py'], baselineDir: a, candidateDir: b, runs: Number(RUNS), budgetMs: Number(TRIAL_BUDGET) * 1000, minGain: 0.01 });
    const x = m.measurement;
    return { speedup: x.speedup, low: x.speedupInterval.low, high: x.speedupInterval.high, pairs: x.runs, lines };
  } catch (e) {
    process.stderr.write(`${name}: the hand fix could not be measured: ${e instanceof Error ? e.message : String(e)}\n`);
    return null;
  }
}

async function runCase(name: string) {
  const expected = JSON.parse(readFileSync(join(CASES, name, 'expected.json'), 'utf8')) as Expected;
  const repo = makeRepo(name);
  const tmp = mkdtempSync(join(tmpdir(), `obench-tmp-${name}-`));
  try {
    const handFix = await measureHandFix(name, tmp);
    const r = await runCli(repo, tmp);
    let run: { id: string; status: string; rounds: Array<{ trials: Trial[] }>; final?: { speedup: number | null; interval: { low: number; high: number } | null; verdict: string; reason: string } ; error?: string } | null = null;
    try { run = JSON.parse(r.stdout); } catch { run = null; }
    if (!run) return { name, expected, handFix, error: `exit ${r.code}: ${r.stderr.trim().split('\n').slice(-3).join(' | ')}`, seconds: r.seconds, trials: [], final: null, patches: [] as Array<{ id: string; applies: boolean; lines: number }> };
    const runDir = join(repo, '.sysight', 'runs', run.id);
    // one trial per finding, in the round's order; findings of one pattern in one function share an id
    // (the fingerprint leaves the line out), so each trial takes the next finding with its id, costliest first
    const mapped = run.rounds.flatMap((round, k) => {
      const path = join(runDir, `findings-round${k + 1}.json`);
      const pool = existsSync(path) ? (JSON.parse(readFileSync(path, 'utf8')).findings as Array<Finding & { impact: { msPerIter: number } }>) : [];
      pool.sort((a, b) => b.impact.msPerIter - a.impact.msPerIter);
      return round.trials.map((t) => {
        const i = pool.findIndex((x) => x.id === t.findingId);
        return { t, f: i >= 0 ? pool.splice(i, 1)[0] : undefined };
      });
    }).map(({ t, f }) => {
      const issue = f ? expected.issues.find((i) => f.line >= i.lines[0] && f.line <= i.lines[1]) : undefined;
      return { ...t, file: f?.file ?? '?', line: f?.line ?? 0, issue: issue?.id ?? null, memberIssues: [] as Array<string | null> };
    });
    // a stack (several patches measured together) stands for its members' issues: accepted, they all landed
    for (const t of mapped) if (t.stack) t.memberIssues = t.stack.members.map((m) => mapped.find((x) => !x.stack && x.patchId === m.patchId)?.issue ?? null);
    const trials = mapped;
    const patches = trials.filter((t) => t.verdict === 'accepted').map((t) => {
      const diffPath = join(runDir, 'patches', `${t.patchId}.diff`);
      const diff = existsSync(diffPath) ? readFileSync(diffPath, 'utf8') : '';
      let applies = false;
      // accepted patches stack: each applies on top of the ones accepted before it (applied for real: the repo is a temp copy)
      if (diff) { try { execFileSync('git', ['apply', diffPath], { cwd: repo, stdio: 'ignore' }); applies = true; } catch { applies = false; } }
      return { id: t.patchId, applies, lines: changedLines(diff) };
    });
    return { name, expected, handFix, error: run.error ?? (r.code === 0 ? null : `exit ${r.code}`), seconds: r.seconds, trials, final: run.final ?? null, patches };
  } finally {
    rmSync(repo, { recursive: true, force: true });
    rmSync(tmp, { recursive: true, force: true });
  }
}

type CaseResult = Awaited<ReturnType<typeof runCase>>;

function score(results: CaseResult[]) {
  let tp = 0, fp = 0, fn = 0, tn = 0;
  const decisions: Array<{ case: string; issue: string; expect: string; got: string; trap: boolean; ok: boolean }> = [];
  for (const c of results) {
    for (const i of c.expected.issues) {
      const mine = c.trials.filter((t) => t.issue === i.id || t.memberIssues.includes(i.id));
      const accepted = mine.some((t) => t.verdict === 'accepted');
      const got = accepted ? 'accept' : mine.length ? `reject (${mine.map((t) => t.verdict).join(',')})` : 'reject (not proposed)';
      if (i.expect === 'accept') accepted ? tp++ : fn++;
      else accepted ? fp++ : tn++;
      decisions.push({ case: c.name, issue: i.id, expect: i.expect, got, trap: !!i.trap, ok: accepted === (i.expect === 'accept') });
    }
    for (const t of c.trials.filter((x) => x.verdict === 'accepted' && !x.issue && (!x.stack || x.memberIssues.includes(null)))) {
      fp++;
      decisions.push({ case: c.name, issue: `(unplanted ${t.pattern} @ line ${t.line})`, expect: 'reject', got: 'accept', trap: false, ok: false });
    }
  }
  const f1 = tp + fp + fn === 0 ? 1 : (2 * tp) / (2 * tp + fp + fn);
  const caseOk = results.map((c) => {
    if (c.error) return 0;
    const acc = c.trials.filter((t) => t.verdict === 'accepted');
    if (!acc.length) return c.trials.some((t) => t.verdict === 'error') ? 0.5 : 1;
    const good = acc.filter((t) => t.smokeOk && t.numericsOk !== false && c.patches.find((p) => p.id === t.patchId)?.applies).length;
    return (good / acc.length) * (c.final && c.final.verdict === 'error' ? 0.5 : 1);
  });
  const correctness = 40 * (caseOk.reduce((a, b) => a + b, 0) / Math.max(1, results.length));
  const perfCases = results.filter((c) => c.expected.issues.some((i) => i.expect === 'accept'));
  const speedups = perfCases.map((c) => Math.max(0, c.final?.speedup ?? 0));
  const meanSpeedup = speedups.reduce((a, b) => a + b, 0) / Math.max(1, speedups.length);
  const performance = 30 * Math.min(1, meanSpeedup / 0.3);
  const judgment = 20 * f1;
  const patches = results.flatMap((c) => c.patches);
  const minimality = patches.length ? 10 * (patches.reduce((a, p) => a + Math.min(1, 8 / Math.max(1, p.lines)), 0) / patches.length) : 0;
  return { correctness, performance, judgment, minimality, total: correctness + performance + judgment + minimality, f1, tp, fp, fn, tn, meanSpeedup, decisions };
}

/** One busy process per core for the whole bench (the 'loaded' table). */
function startHog(): ChildProcess[] {
  return cpus().map(() => spawn(process.execPath, ['-e', 'for (;;) {}'], { stdio: 'ignore' }));
}

/** Per case: share of the hand fix's speed-up reached, accepted regressions, inconclusive trials, budget spent, lines. */
function perCase(c: CaseResult) {
  const traps = new Set(c.expected.issues.filter((i) => i.expect === 'reject').map((i) => i.id));
  const accepted = c.trials.filter((t) => t.verdict === 'accepted');
  const finalSlower = c.final && c.final.speedup !== null && c.final.interval && c.final.interval.high < 0;
  const regressions = accepted.filter((t) => (t.issue && traps.has(t.issue)) || t.memberIssues.some((i) => i !== null && traps.has(i))).length + (finalSlower ? accepted.length : 0);
  const loop = c.final?.speedup ?? 0;
  const hand = c.handFix?.speedup ?? null;
  return {
    share: hand !== null && hand > 0 ? Math.max(0, loop) / hand : null,
    regressions,
    inconclusive: c.trials.filter((t) => t.verdict === 'inconclusive').length,
    stacks: `${c.trials.filter((t) => t.stack && t.verdict === 'accepted').length}/${c.trials.filter((t) => t.stack && t.verdict !== 'skipped').length}`,
    spentS: c.trials.reduce((a, t) => a + (t.measurement?.spentMs ?? 0), 0) / 1000,
    pairs: c.trials.reduce((a, t) => a + (t.measurement?.runs ?? 0), 0),
    lines: c.patches.map((p) => p.lines),
  };
}

async function main() {
  const hog = HOG ? startHog() : [];
  const stopHog = () => { for (const h of hog) if (h.pid !== undefined) { try { process.kill(h.pid, 'SIGKILL'); } catch { /* gone */ } } };
  process.on('exit', stopHog);
  const loadBefore = loadavg();
  const onlyIdx = process.argv.indexOf('--only');
  const only = onlyIdx > 0 ? new Set(process.argv[onlyIdx + 1]!.split(',')) : null;
  const names = readdirSync(CASES).filter((n) => existsSync(join(CASES, n, 'expected.json')) && (!only || only.has(n))).sort();
  const t0 = Date.now();
  const results: CaseResult[] = [];
  let next = 0;
  await Promise.all(Array.from({ length: Math.max(1, JOBS) }, async () => {
    while (next < names.length) {
      const name = names[next++]!;
      const r = await runCase(name);
      process.stderr.write(`${name}: ${r.error ?? 'ok'} (${r.seconds.toFixed(0)} s)\n`);
      results.push(r);
    }
  }));
  stopHog();
  const loadAfter = loadavg();
  results.sort((a, b) => a.name.localeCompare(b.name));
  const s = score(results);
  const table = results.map((c) => ({ name: c.name, ...perCase(c), loopSpeedup: c.final?.speedup ?? null, handFix: c.handFix }));
  const pct = (x: number | null | undefined) => (x === null || x === undefined ? '-' : `${(x * 100).toFixed(1)}%`);
  console.log(`${HOG ? 'LOADED' : 'QUIET'} table (${HOG ? `${hog.length} busy processes started by the bench, ` : ''}load average ${loadBefore[0]!.toFixed(1)} at start, ${loadAfter[0]!.toFixed(1)} at end; ${cpus().length} cores)`);
  console.log('| case | hand fix speed-up [CS] | hand lines | loop speed-up | share of hand fix | accepted regressions | inconclusive trials | stacks accepted/tried | pairs | budget spent | loop lines per accepted patch |');
  console.log('|---|---|---:|---:|---:|---:|---:|---:|---:|---:|---|');
  for (const r of table) {
    const h = r.handFix;
    console.log(`| ${r.name} | ${h ? `${pct(h.speedup)} [${pct(h.low)}, ${pct(h.high)}]` : '-'} | ${h?.lines ?? '-'} | ${pct(r.loopSpeedup)} | ${r.share === null ? '-' : pct(r.share)} | ${r.regressions} | ${r.inconclusive} | ${r.stacks} | ${r.pairs} | ${r.spentS.toFixed(0)} s | ${r.lines.join(', ') || '-'} |`);
  }
  const pad = (x: string, n: number) => x.padEnd(n);
  console.log(`${pad('case', 22)}${pad('trials (pattern@line verdict)', 70)}${pad('speed-up', 10)}lines`);
  for (const c of results) {
    const tr = c.error ? `ERROR ${c.error}` : c.trials.map((t) => `${t.pattern}@${t.line} ${t.verdict}`).join('; ') || '(no trials)';
    const sp = c.final?.speedup != null ? `${(c.final.speedup * 100).toFixed(1)}%` : '-';
    console.log(`${pad(c.name, 22)}${pad(tr.slice(0, 68), 70)}${pad(sp, 10)}${c.patches.map((p) => p.lines).join(',') || '-'}`);
  }
  console.log('\ndecisions:');
  for (const d of s.decisions) console.log(`  ${d.ok ? 'ok  ' : 'MISS'} ${pad(d.case, 22)}${pad(d.issue + (d.trap ? ' [trap]' : ''), 34)}expect ${pad(d.expect, 7)} got ${d.got}`);
  console.log(`\ncorrectness ${s.correctness.toFixed(1)}/40  performance ${s.performance.toFixed(1)}/30 (mean speed-up ${(s.meanSpeedup * 100).toFixed(1)}%)  judgment ${s.judgment.toFixed(1)}/20 (F1 ${s.f1.toFixed(2)}: tp ${s.tp} fp ${s.fp} fn ${s.fn} tn ${s.tn})  minimality ${s.minimality.toFixed(1)}/10`);
  console.log(`TOTAL ${s.total.toFixed(1)}/100 in ${((Date.now() - t0) / 1000).toFixed(0)} s`);
  const outDir = join(ROOT, 'bench', 'results');
  mkdirSync(outDir, { recursive: true });
  // a subset (--only) is written beside the full results, never over them
  const file = `optimize${HOG ? '-loaded' : '-quiet'}${only ? '-subset' : ''}.json`;
  writeFileSync(join(outDir, file), JSON.stringify({
    createdAt: new Date().toISOString(), rounds: Number(ROUNDS), runs: Number(RUNS), trialBudgetS: Number(TRIAL_BUDGET), python: PY, seconds: (Date.now() - t0) / 1000,
    machine: { cores: cpus().length, loadAverageAtStart: loadBefore, loadAverageAtEnd: loadAfter, hogProcesses: hog.length },
    table,
    score: { correctness: s.correctness, performance: s.performance, judgment: s.judgment, minimality: s.minimality, total: s.total, f1: s.f1, tp: s.tp, fp: s.fp, fn: s.fn, tn: s.tn, meanSpeedup: s.meanSpeedup },
    decisions: s.decisions,
    cases: results.map((c) => ({ name: c.name, error: c.error, seconds: c.seconds, final: c.final, patches: c.patches,
      trials: c.trials.map((t) => ({ pattern: t.pattern, line: t.line, issue: t.issue, ...(t.stack ? { stack: t.stack.members.map((m) => m.patchId), memberIssues: t.memberIssues } : {}), verdict: t.verdict, reason: t.reason, smokeOk: t.smokeOk, numericsOk: t.numericsOk, speedup: t.measurement?.speedup ?? null, pairs: t.measurement?.runs ?? null, spentMs: t.measurement?.spentMs ?? null })) })),
  }, null, 2) + '\n');
}

main().catch((e) => { console.error(e instanceof Error ? e.message : String(e)); process.exit(1); });
