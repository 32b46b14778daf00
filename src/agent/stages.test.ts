// The LLM stages against a scripted model on a local OpenAI-speaking server: the guard rails decide what
// survives, whatever the model says.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { ModelBuilder } from '../profile/queries/model-builder.js';
import type { Finding, LocalizedFindingSet } from '../core/findings.js';
import type { ProfileModel } from '../core/profile.js';
import { applyPatchToText } from '../sandbox/apply.js';
import { indexRepo, type RepoIndex } from '../source/index.js';
import { makeRepo, py, removeRepo } from '../source/testing.js';
import { loadAgentConfig } from './config.js';
import { OpenAiCompatibleProvider } from './providers/openai.js';
import { combineVerdict, llmFindings, llmJudge, llmPlanPatch, metricValues, refineFindings, type ProposedFinding, type StageContext } from './stages.js';
import { conversationOf, startFakeLlm, type FakeLlm, type Script } from './testing/fake-llm.js';

const SRC = py`
  import torch

  def step(model, x, opt):
      loss = model(x)
      loss.backward()
      opt.step()
      print(loss.item())

  def reduce_grads(grads):
      total = sum(g.norm() for g in grads)
      return total

  def sync_point():
      torch.cuda.synchronize()
`;

let repo = '';
let index: RepoIndex;
let model: ProfileModel;
let server: FakeLlm | null = null;
beforeAll(async () => {
  repo = makeRepo({ 'train.py': SRC });
  index = await indexRepo(repo);
  model = new ModelBuilder().kernel('gemm', 0, 5_000_000).kernel('gemm', 6_000_000, 9_000_000).kernel('relu', 9_000_000, 9_500_000).build();
});
afterAll(() => {
  index.dispose();
  removeRepo(repo);
});
afterEach(async () => {
  await server?.close();
  server = null;
});

async function ctxFor(script: Script): Promise<StageContext> {
  server = await startFakeLlm('openai', script);
  const config = { ...loadAgentConfig(repo, {}).analyze, provider: 'openai_compatible' as const, model: 'gpt-4o-mini', maxTurns: 4 };
  return { provider: new OpenAiCompatibleProvider({ model: 'gpt-4o-mini', apiKey: 'k', baseUrl: server.baseUrl, maxRetries: 0 }), config, repo: index.root, model, index: () => Promise.resolve(index), gpu: true };
}

const finding = (over: Partial<Finding> = {}): Finding => ({
  id: 'C3|train.py|step|C3.item-in-loop', category: 'C3', pattern: 'C3.item-in-loop', title: 'sync', file: 'train.py', function: 'step', line: 7,
  severity: 'high', impact: { msPerIter: 3, pctOfIter: 30 }, confidence: 0.8, localizedBy: 'callchain',
  evidence: [{ kind: 'source', file: 'train.py', line: 7, text: '    print(loss.item())', why: '.item() syncs' }], ...over,
});
const set = (findings: Finding[]): LocalizedFindingSet => ({ schemaVersion: 1, profile: 'p', repo, iterationMs: 10, iterations: 1, gpu: true, findings, unconfirmed: [], notes: [] });
const answer = (v: unknown): Script => () => ({ answer: { content: JSON.stringify(v) } });

describe('llmJudge', () => {
  it('returns the verdicts for known findings and retries an unknown id once', async () => {
    const f = finding();
    const ctx = await ctxFor((r) => (conversationOf(r.body).turn === 0
      ? { answer: { content: JSON.stringify({ verdicts: [{ id: 'made-up', verdict: 'rejected', reason: 'x' }] }) } }
      : { answer: { content: JSON.stringify({ verdicts: [{ id: f.id, verdict: 'rejected', reason: 'the print runs once per epoch' }] }) } }));
    const r = await llmJudge([f], ctx);
    expect(r.reviews).toEqual([{ findingId: f.id, verdict: 'rejected', reason: 'the print runs once per epoch' }]);
    expect(conversationOf(server!.requests[1]!.body).lastUser).toContain('unknown finding id "made-up"');
    expect(conversationOf(server!.requests[0]!.body).task).toContain(f.id);
  });

  it('never turns a "not safe" judge verdict into a safe one', () => {
    const det = { findingId: 'f', real: true, safe: false, reason: 'the value drives control flow' };
    expect(combineVerdict(det, { findingId: 'f', verdict: 'confirmed', reason: 'looks right' })).toMatchObject({ real: true, safe: false });
    expect(combineVerdict({ ...det, safe: true }, { findingId: 'f', verdict: 'rejected', reason: 'not hot' })).toEqual({ findingId: 'f', real: false, safe: false, reason: 'LLM rejected: not hot' });
    expect(combineVerdict({ ...det, safe: true })).toMatchObject({ real: true, safe: true });
  });
});

describe('llmFindings guard rails', () => {
  const base: ProposedFinding = { category: 'C6', title: 'grad norm reduction', file: 'train.py', function: 'reduce_grads', line: 10, query: 'top-kernels', args: {}, metric: 'totalNs', reason: 'norm per grad' };

  it('keeps a proposal at a real file:function:line whose cited query shows a cost', async () => {
    const ctx = await ctxFor(answer({ findings: [base] }));
    const r = await llmFindings(set([finding()]), ctx);
    expect(r.discarded).toEqual([]);
    expect(r.kept).toHaveLength(1);
    const k = r.kept[0]!;
    expect(k).toMatchObject({ category: 'C6', file: 'train.py', function: 'reduce_grads', line: 10, localizedBy: 'llm', pattern: 'llm.C6', confidence: 0.3 });
    expect(k.evidence[0]).toMatchObject({ kind: 'profile', query: 'top-kernels', values: { totalNs: 8_000_000 } });
    expect(k.impact.msPerIter).toBe(8);
    expect(k.evidence[1]).toMatchObject({ kind: 'source', text: '    total = sum(g.norm() for g in grads)' });
  });

  it.each([
    [{ file: 'nope.py' }, /nope\.py is not a Python file of the repo/],
    [{ file: '../etc/passwd' }, /escapes the repo/],
    [{ function: 'missing' }, /no function missing in train\.py/],
    [{ line: 4 }, /line 4 is outside reduce_grads \(9-11\)/],
    [{ line: 99 }, /train\.py has \d+ lines, not 99/],
    [{ query: 'teleport' }, /unknown profile query teleport/],
    [{ metric: 'bogusNs' }, /top-kernels shows no cost for bogusNs \(no such value in its result\)/],
    [{ query: 'profile_nccl' , metric: 'totalNs' }, /nccl shows no cost for totalNs/],
    [{ args: { limit: 'ten' } }, /bad arguments for top-kernels/],
    [{ category: 'C3', function: 'step', line: 7 }, /already found: C3 in train\.py:step/],
  ] as Array<[Partial<ProposedFinding>, RegExp]>)('discards %j', async (over, re) => {
    const ctx = await ctxFor(answer({ findings: [{ ...base, ...over }] }));
    const r = await llmFindings(set([finding()]), ctx);
    expect(r.kept).toEqual([]);
    expect(r.discarded).toHaveLength(1);
    expect(r.discarded[0]!.reason).toMatch(re);
  });

  it('finds metric values anywhere in a result', () => {
    expect(metricValues({ a: [{ totalNs: 3 }, { totalNs: 5, nested: { totalNs: 7 } }], totalNs: 'x' }, 'totalNs')).toEqual([3, 5, 7]);
  });
});

describe('llmPlanPatch', () => {
  const c6 = finding({ id: 'C6|train.py|reduce_grads|C6.custom', category: 'C6', pattern: 'C6.custom', function: 'reduce_grads', line: 10, evidence: [{ kind: 'source', file: 'train.py', line: 10, text: '    total = sum(g.norm() for g in grads)', why: 'x' }] });
  const diff = ['--- a/train.py', '+++ b/train.py', '@@ -9,3 +9,3 @@', ' def reduce_grads(grads):', '-    total = sum(g.norm() for g in grads)', '+    total = torch.linalg.vector_norm(torch.stack([g.norm() for g in grads]), ord=1)', '     return total', ''].join('\n');

  it('returns an llm PatchPlan that applies cleanly, after one retry of a diff that does not', async () => {
    const bad = diff.replace(' def reduce_grads(grads):', ' def reduce_grad(grads):');
    const ctx = await ctxFor((r) => {
      const c = conversationOf(r.body);
      if (c.turn === 0) return { answer: { toolCalls: [{ name: 'read_file', arguments: { path: 'train.py' } }] } };
      return { answer: { content: JSON.stringify({ diff: c.turn === 1 ? bad : diff, rationale: 'one fused reduction' }) } };
    });
    const r = await llmPlanPatch(c6, ctx);
    expect('plan' in r).toBe(true);
    if (!('plan' in r)) return;
    expect(r.plan).toMatchObject({ source: 'llm', file: 'train.py', findingId: c6.id, linesChanged: 2, rationale: 'one fused reduction' });
    const text = readFileSync(join(repo, 'train.py'), 'utf8');
    expect(applyPatchToText(text, r.plan.diff)).toContain('torch.linalg.vector_norm');
    expect(conversationOf(server!.requests[2]!.body).lastUser).toMatch(/^Your answer was not accepted: patch does not apply/);
  });

  it('refuses a diff touching another file, then gives up', async () => {
    const ctx = await ctxFor(answer({ diff: diff.replace(/train\.py/g, 'other.py'), rationale: 'x' }));
    const r = await llmPlanPatch(c6, ctx);
    expect(r).toMatchObject({ skipped: expect.stringMatching(/^invalid answer dropped: the diff must change only train\.py/) });
  });

  it('does not ask the model when the deterministic judge says no, or a codemod exists', async () => {
    const ctx = await ctxFor(answer({ diff, rationale: 'x' }));
    expect(await llmPlanPatch({ ...c6, confidence: 0.1 }, ctx)).toMatchObject({ skipped: expect.stringMatching(/^judge: confidence 0\.10 is too low/) });
    const sync = finding({ id: 'C3|train.py|sync_point|C3.sync-site', pattern: 'C3.sync-site', function: 'sync_point', line: 14, evidence: [{ kind: 'source', file: 'train.py', line: 14, text: '    torch.cuda.synchronize()', why: 'sync' }] });
    expect(await llmPlanPatch(sync, ctx)).toMatchObject({ skipped: 'a codemod covers this finding' });
    expect(server!.requests).toHaveLength(0);
  });
});

describe('refineFindings', () => {
  it('moves rejected findings to unconfirmed, adds verified ones and accounts tokens', async () => {
    const keep = finding();
    const drop = finding({ id: 'C3|train.py|step|C3.other', pattern: 'C3.other', line: 5 });
    const ctx = await ctxFor((r) => {
      const c = conversationOf(r.body);
      if (c.task.startsWith('Review')) return { answer: { content: JSON.stringify({ verdicts: [{ id: drop.id, verdict: 'rejected', reason: 'backward is not a sync' }, { id: keep.id, verdict: 'confirmed', reason: 'item() per step' }] }) } };
      return { answer: { content: JSON.stringify({ findings: [{ category: 'C6', title: 't', file: 'train.py', function: 'reduce_grads', line: 10, query: 'profile_top_kernels', metric: 'totalNs', reason: 'r' }, { category: 'C1', title: 't', file: 'ghost.py', function: 'f', line: 1, query: 'summary', metric: 'x', reason: 'r' }] }) } };
    });
    const r = (await refineFindings(set([keep, drop]), model, repo, ctx.config, { provider: ctx.provider }))!;
    // sorted by impact: the verified LLM finding (8 ms/iter) before the kept one (3 ms/iter)
    expect(r.set.findings.map((f) => f.id)).toEqual(['C6|train.py|reduce_grads|llm.C6', keep.id]);
    expect(r.set.findings[1]!.review).toEqual({ by: 'llm', model: 'gpt-4o-mini', verdict: 'confirmed', reason: 'item() per step' });
    expect(r.set.unconfirmed.map((f) => [f.id, f.review?.verdict])).toEqual([[drop.id, 'rejected']]);
    expect(r.usage).toEqual({ inputTokens: 22, outputTokens: 14 });
    expect(r.costUsd).toBeGreaterThan(0);
    expect(r.set.notes.some((n) => /^LLM finding discarded: ghost\.py:f:1: ghost\.py is not a Python file/.test(n))).toBe(true);
    expect(r.set.notes.at(-1)).toMatch(/^LLM \(openai_compatible gpt-4o-mini\): 22 input \+ 14 output tokens, \$0\.0000$/);
  });

  it('returns null when the analyze stage is provider none', async () => {
    expect(await refineFindings(set([]), model, repo, loadAgentConfig(repo, {}))).toBeNull();
  });
});
