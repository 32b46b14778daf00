// The analyze benchmark in LLM mode, replayed offline from the committed transcripts (recorded from the
// scripted reviewer, see README): it must score at least as well as the deterministic mode, every finding
// must have been reviewed, and the bench must fail loudly when a review makes the score drop.
import { spawnSync } from 'node:child_process';
import { cpSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startFakeLlm } from '../../src/agent/testing/fake-llm.js';
import { parseLlmMode, setupLlm } from './llm.js';
import { scriptedReviewer } from './scripted-reviewer.js';
import { atLeastAsGood, caseNames, overallOf, runCase, type CaseResult, type LlmCaseResult } from './score.js';

const ROOT = resolve(__dirname, '..', '..');
const CASES = join(ROOT, 'bench', 'analyze', 'cases');
const TRANSCRIPTS = join(ROOT, 'bench', 'analyze', 'transcripts');
const work = mkdtempSync(join(tmpdir(), 'sysight-bench-llm-'));
afterAll(() => rmSync(work, { recursive: true, force: true }));

describe('analyze benchmark, LLM mode (replay)', () => {
  it('scores at least as well as the deterministic mode on every case, having reviewed every finding', async () => {
    const llm = await setupLlm(parseLlmMode(['--llm', `replay:${TRANSCRIPTS}`], ROOT)!);
    expect(llm.source.scripted).toBe(true);
    const det: CaseResult[] = [];
    const withLlm: LlmCaseResult[] = [];
    // the eight regression cases (the blind set is scored deterministically by cases.test.ts and bench:analyze)
    const names = caseNames(CASES).filter((n) => !(JSON.parse(readFileSync(join(CASES, n, 'truth.json'), 'utf8')) as { blind?: boolean }).blind);
    expect(names).toHaveLength(8);
    for (const n of names) {
      const r = await runCase(n, { casesDir: CASES, work: join(work, 'profiles'), llm: (name) => llm.forCase(name, join(CASES, name, 'repo')) });
      det.push(r.det);
      withLlm.push(r.llm!);
      expect(r.llm!.reviews, n).toHaveLength(r.det.tp + r.det.fp);
      expect(r.llm!.notes.filter((x) => /gave no usable answer/.test(x)), n).toEqual([]);
      expect(r.llm!.f1, n).toBeGreaterThanOrEqual(r.det.f1);
    }
    await llm.close();
    const d = overallOf(det);
    const l = overallOf(withLlm);
    expect(atLeastAsGood(l, d)).toBe(true);
    expect(l.recall).toBeGreaterThanOrEqual(d.recall);
    expect(l.precision).toBeGreaterThanOrEqual(d.precision);
    expect(withLlm.reduce((a, r) => a + r.inputTokens, 0)).toBeGreaterThan(0);
  });

  it('runs live against an endpoint given by SYSIGHT_BENCH_LLM_* (here the scripted reviewer on 127.0.0.1)', async () => {
    const server = await startFakeLlm('openai', scriptedReviewer);
    const vars = { SYSIGHT_BENCH_LLM_MODEL: 'scripted-reviewer', SYSIGHT_BENCH_LLM_BASE_URL: server.baseUrl, SYSIGHT_BENCH_LLM_API_KEY: 'bench-live-key-0123456789' };
    Object.assign(process.env, vars);
    try {
      const llm = await setupLlm(parseLlmMode(['--llm', 'live'], ROOT)!);
      expect(llm.source).toMatchObject({ scripted: false, provider: 'openai_compatible', model: 'scripted-reviewer', endpoint: new URL(server.baseUrl).host });
      const r = await runCase('serve-decode', { casesDir: CASES, work: join(work, 'profiles'), llm: (name) => llm.forCase(name, join(CASES, name, 'repo')) });
      await llm.close();
      expect(r.llm!.f1).toBe(r.det.f1);
      expect(r.llm!.reviews.map((x) => x.verdict)).toEqual(['confirmed']);
      expect(server.requests.length).toBeGreaterThanOrEqual(4);
      expect(server.requests[0]!.headers.authorization).toBe(`Bearer ${vars.SYSIGHT_BENCH_LLM_API_KEY}`);
    } finally {
      for (const k of Object.keys(vars)) delete process.env[k];
      await server.close();
    }
  });

  it('fails loudly (exit 1) when the LLM mode scores lower', () => {
    const out = join(work, 'analyze.cjs');
    const b = spawnSync(join(ROOT, 'node_modules', '.bin', 'esbuild'), ['bench/analyze/run.ts', '--bundle', '--platform=node', '--target=node20', '--format=cjs', `--outfile=${out}`,
      '--external:sql.js', '--external:web-tree-sitter', '--external:tree-sitter-python', '--log-level=warning'], { cwd: ROOT, encoding: 'utf8' });
    expect(b.status, b.stderr).toBe(0);
    // the same transcripts, except that the model now proposes a finding at a decoy (a log line that runs every
    // 100 steps) and cites a query that does show a cost, so the guard rails keep it: a false positive
    const dir = join(work, 'tampered');
    cpSync(join(TRANSCRIPTS, 'amp-train'), join(dir, 'amp-train'), { recursive: true });
    cpSync(join(TRANSCRIPTS, 'source.json'), join(dir, 'source.json'));
    let tampered = 0;
    for (const f of readdirSync(join(dir, 'amp-train'))) {
      const p = join(dir, 'amp-train', f);
      const line = JSON.parse(readFileSync(p, 'utf8').trim().split('\n')[0]!) as { response: { content: string } };
      if (!line.response.content.includes('{"findings": []}')) continue;
      const decoy = { category: 'C7', title: 'loss.item() in the log line', file: 'train_amp.py', function: 'train_one_epoch', line: 40, query: 'sync', args: {}, metric: 'totalNs', reason: 'item() syncs' };
      line.response.content = line.response.content.replace('{"findings": []}', JSON.stringify({ findings: [decoy] }));
      writeFileSync(p, JSON.stringify(line) + '\n');
      tampered++;
    }
    expect(tampered).toBe(1);
    // the bundle resolves cases relative to its own folder's grandparent: run it from bench/work's place
    const bundled = join(ROOT, 'bench', 'work', `analyze-test-${process.pid}.cjs`);
    cpSync(out, bundled);
    try {
      const r = spawnSync(process.execPath, [bundled, 'amp-train', '--llm', `replay:${dir}`], { cwd: ROOT, encoding: 'utf8' });
      expect(r.status, r.stdout + r.stderr).toBe(1);
      expect(r.stderr).toMatch(/FAIL: the LLM mode scores LOWER than the deterministic mode/);
      expect(r.stdout).toMatch(/LLM FP amp-train: C7 train_amp\.py:train_one_epoch:40 \[llm\.C7, [\d.]+ ms\/iter, llm\] decoy: /);
      expect(r.stdout).toMatch(/amp-train {17}2 {3}1 {3}0 {3}0\.67 {3}1\.00/);
    } finally {
      rmSync(bundled, { force: true });
    }
  });
});
