// The learn stage against scripted models on local servers speaking the OpenAI and Anthropic wire formats
// (the real SDKs): lessons that pass the guard rails reach the wiki, the others are dropped with a note,
// secrets never reach the model or the wiki, and a recorded exchange replays offline.
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { parsePage, writeLesson } from '../memory/wiki.js';
import { makeRepo, removeRepo } from '../source/testing.js';
import { loadAgentConfig, resolveKeyRef, type StageConfig } from './config.js';
import { claimedPercents, learnFromTrials, trialOutcome, verifyLesson, type LearnTrial, type ProposedLesson } from './learn.js';
import { AnthropicProvider } from './providers/anthropic.js';
import { OpenAiCompatibleProvider } from './providers/openai.js';
import { RecordingProvider, ReplayProvider } from './providers/replay.js';
import { conversationOf, startFakeLlm, type Dialect, type FakeLlm, type Script } from './testing/fake-llm.js';
import type { LlmProvider } from './types.js';

// neither looks like a key to the pattern scrubber: only their registration (config key, secret env name) removes them
const KEY = 'plainlearnkey0123456789abcdef';
const ENV_SECRET = 'Zq9internalDbPass7781xyz';
let repo = '';
let server: FakeLlm | null = null;
// the key reaches the provider the way the config gives it: through an $ENV_VAR reference
beforeAll(() => expect(resolveKeyRef('learn.api_key', '$LEARN_KEY', { LEARN_KEY: KEY }).key).toBe(KEY));
beforeEach(() => {
  repo = makeRepo({ 'train.py': 'import torch\n\n\ndef get_batch(data):\n    return [x for x in data]\n' });
});
afterEach(async () => {
  await server?.close();
  server = null;
  removeRepo(repo);
});

const trial = (over: Partial<LearnTrial>): LearnTrial => ({
  id: 't1.1', round: 1, patchId: 'cm-aaaa1111', findingId: 'C7|train.py|get_batch|C7.element-loop', category: 'C7', pattern: 'C7.element-loop',
  file: 'train.py', function: 'get_batch', line: 5, verdict: 'accepted', reason: 'speed-up +12.0% [+10.1%, +13.9%] above 1%', smokeOk: true, numericsOk: true,
  speedup: 0.12, interval: { low: 0.101, high: 0.139, level: 0.95 }, baselineMs: 11.2, candidateMs: 10, rationale: 'vectorize the batch', diff: '--- a/train.py\n+++ b/train.py\n', ...over,
});
const TRIALS: LearnTrial[] = [
  trial({}),
  trial({ id: 't1.2', patchId: 'cm-bbbb2222', findingId: 'C3|train.py|get_batch|C3.item-in-loop', category: 'C3', pattern: 'C3.item-in-loop', verdict: 'rejected', reason: 'speed-up -5.0% [-7.0%, -3.0%] not above 1%', speedup: -0.05, interval: { low: -0.07, high: -0.03, level: 0.95 } }),
  trial({ id: 't1.3', patchId: 'cm-cccc3333', findingId: 'C5|train.py|get_batch|C5.clone', category: 'C5', pattern: 'C5.clone', verdict: 'rejected', reason: 'numerics changed: loss differs at step 2', numericsOk: false, speedup: 0.2, interval: { low: 0.1, high: 0.3, level: 0.95 } }),
];
const lesson = (over: Partial<ProposedLesson>): ProposedLesson => ({ page: 'vectorize-batches', title: 'Vectorize per-element batch assembly', text: 'Building the batch with slicing instead of a Python loop was 12% faster.', appliesTo: 'C7.element-loop', effect: 'speedup', evidence: ['t1.1'], ...over });

describe('verifyLesson', () => {
  it('keeps a lesson true to its cited trials', () => {
    expect(verifyLesson(lesson({}), TRIALS, repo)).toEqual({ ok: true });
    expect(verifyLesson(lesson({ page: 'defer-item', appliesTo: 'C3.*', effect: 'slowdown', text: 'Deferring .item() was 5% slower here.', evidence: ['t1.2'] }), TRIALS, repo)).toEqual({ ok: true });
    expect(verifyLesson(lesson({ page: 'mixed', appliesTo: '*', effect: 'mixed', text: 'one won, one lost', evidence: ['t1.1', 't1.2'] }), TRIALS, repo)).toEqual({ ok: true });
    expect(verifyLesson(lesson({ page: 'clone', appliesTo: 'C5', effect: 'failed', text: 'dropping the clone changed the loss', evidence: ['t1.3'] }), TRIALS, repo)).toEqual({ ok: true });
  });

  it.each([
    [{ evidence: ['t9.9'] }, /cites "t9\.9", not a trial of this run/],
    [{ evidence: ['t1.1', 'run-42'] }, /cites "run-42"/],
    [{ evidence: ['t1.2'], appliesTo: 'C3.*' }, /claims speedup against the measured verdict: t1\.2 was rejected \(-5\.0%\)/],
    [{ evidence: ['t1.3'], appliesTo: 'C5.*', text: 'fast' }, /claims speedup against the measured verdict: t1\.3 was rejected/],
    [{ effect: 'no-gain' as const }, /claims no-gain against the measured verdict: t1\.1 was accepted/],
    [{ effect: 'mixed' as const }, /a mixed lesson needs an accepted and a not-accepted trial/],
    [{ text: 'This made the step 40% faster.' }, /claims 40% but no cited trial measured that \(t1\.1: 12\.0%\)/],
    [{ text: 'A speed-up of 25% was seen.' }, /claims 25%/],
    [{ page: '../../etc/passwd' }, /invalid page id/],
    [{ page: 'index' }, /invalid page id/],
    [{ page: `key-${'sk-' + 'abcdefghijklmnop1234'}` }, /^the page id carries a secret$/],
    [{ text: 'Kept: 12% faster, well above the 1% minimum gain.' }, null],
    [{ appliesTo: 'everything in train.py' }, /is not a finding pattern/],
    [{ appliesTo: 'C3.*' }, /matches none of its cited trials \(C7\.element-loop\)/],
  ] as Array<[Partial<ProposedLesson>, RegExp | null]>)('judges %j', (over, re) => {
    const v = verifyLesson(lesson(over), TRIALS, repo);
    if (re === null) expect(v).toEqual({ ok: true });
    else expect('dropped' in v && v.dropped).toMatch(re);
  });

  it('refuses to overwrite a trial record page', () => {
    writeLesson(repo, { fingerprint: 'f', category: 'C7', pattern: 'C7.x', file: 'a.py', function: 'f', verdict: 'accepted', speedup: 0.1, interval: null, reason: 'r', runId: 'r1', lesson: 'l' });
    const slug = readdirSync(join(repo, '.sysight', 'wiki')).find((f) => f !== 'index.md')!.slice(0, -3);
    expect(verifyLesson(lesson({ page: slug }), TRIALS, repo)).toEqual({ dropped: `${slug} is a trial record page; a lesson needs its own page id` });
  });

  it('reads speed-up claims and outcomes', () => {
    expect(claimedPercents('12% faster; a speed-up of 3.5 %, GPU idle 40% of the time, regression: -2%')).toEqual([12, 3.5, 2]);
    expect(claimedPercents('not above the 1% minimum gain; below the required 2% speed-up')).toEqual([]);
    expect(TRIALS.map(trialOutcome)).toEqual(['speedup', 'slowdown', 'failed']);
    expect(trialOutcome(trial({ verdict: 'skipped', speedup: null, interval: null }))).toBe('untested');
    expect(trialOutcome(trial({ verdict: 'rejected', speedup: 0.004, interval: { low: -0.01, high: 0.02, level: 0.95 } }))).toBe('no-gain');
  });
});

async function provider(dialect: Dialect, script: Script): Promise<LlmProvider> {
  server = await startFakeLlm(dialect, script);
  const o = { model: dialect === 'openai' ? 'gpt-4o-mini' : 'claude-sonnet-4-0', apiKey: KEY, baseUrl: server.baseUrl, maxRetries: 0 };
  return dialect === 'openai' ? new OpenAiCompatibleProvider(o) : new AnthropicProvider(o);
}

function config(over: Partial<StageConfig> = {}): StageConfig {
  return { ...loadAgentConfig(repo, {}).learn, provider: 'openai_compatible', model: 'gpt-4o-mini', maxTurns: 5, ...over };
}

/** A model that reads the knowledge base, then answers: one true lesson, one contradicting, one fabricated, one leaking secrets. */
const script: Script = (r) => {
  const c = conversationOf(r.body);
  if (c.turn === 0) return { answer: { content: 'Reading the knowledge base.', toolCalls: [{ id: 'w1', name: 'wiki_pages', arguments: {} }] } };
  if (c.turn === 1) {
    const existing = /^(\S+)\s+lesson/m.exec(c.toolResults[0] ?? '')?.[1];
    return { answer: { toolCalls: [existing ? { id: 'w2', name: 'wiki_read', arguments: { page: existing } } : { id: 'w2', name: 'read_file', arguments: { path: 'train.py' } }] } };
  }
  const ids = [...c.task.matchAll(/"trial": "(t\d+\.\d+)"/g)].map((m) => m[1]!);
  const accepted = /"trial": "(t\d+\.\d+)"[^}]*?"verdict": "accepted"/.exec(c.task)?.[1] ?? ids[0]!;
  return {
    answer: {
      content: JSON.stringify({
        lessons: [
          { page: 'vectorize-batches', title: 'Vectorize per-element batch assembly', text: `Slicing instead of the element loop: 12% faster (${accepted}). Seen in the log: key ${KEY}, db pass ${ENV_SECRET}`, appliesTo: 'C7.element-loop', effect: 'speedup', evidence: [accepted] },
          { page: 'defer-item', title: 'Deferring .item() speeds up the loop', text: 'Moving .item() out of the loop is 5% faster.', appliesTo: 'C3.*', effect: 'speedup', evidence: ['t1.2'] },
          { page: 'imagined', title: 'AMP always helps', text: 'Turn on AMP.', appliesTo: 'C5.*', effect: 'speedup', evidence: ['t7.1'] },
        ],
      }),
    },
  };
};

describe('learnFromTrials', () => {
  it.each(['openai', 'anthropic'] as const)('writes the lessons that pass the guard rails and drops the rest with a reason (%s)', async (dialect) => {
    const p = await provider(dialect, script);
    const trials = TRIALS.map((t, i) => (i === 0 ? { ...t, reason: `${t.reason}; workload printed ${ENV_SECRET} and ${KEY}` } : t));
    const r = (await learnFromTrials(repo, trials, config({ stream: dialect === 'anthropic' }), { runId: 'run-1', provider: p, env: { DB_PASSWORD: ENV_SECRET } }))!;
    expect(r.error).toBeUndefined();
    expect(r.written.map((w) => w.page)).toEqual(['vectorize-batches']);
    expect(r.dropped).toEqual([
      { page: 'defer-item', reason: 'claims speedup against the measured verdict: t1.2 was rejected (-5.0%)' },
      { page: 'imagined', reason: 'cites "t7.1", not a trial of this run (known: t1.1, t1.2, t1.3)' },
    ]);
    expect(r.usage.inputTokens).toBeGreaterThan(0);
    const path = join(repo, '.sysight', 'wiki', 'vectorize-batches.md');
    const page = parsePage(path, 'vectorize-batches');
    expect(page.meta).toMatchObject({ kind: 'lesson', appliesTo: 'C7.element-loop', effect: 'speedup', evidence: [{ trial: 't1.1', runId: 'run-1', patchId: 'cm-aaaa1111', verdict: 'accepted', speedup: 0.12 }] });
    expect(page.body).toContain('| run-1 | t1.1 | cm-aaaa1111 | C7.element-loop | `train.py` | accepted | +12.0% [+10.1%, +13.9%] |');
    expect(readFileSync(join(repo, '.sysight', 'wiki', 'index.md'), 'utf8')).toContain('| [vectorize-batches](vectorize-batches.md) Vectorize per-element batch assembly | C7.element-loop | lesson: speedup | +12.0% |');
    expect(existsSync(join(repo, '.sysight', 'wiki', 'defer-item.md'))).toBe(false);
    // secrets: not in anything sent to the model, not in the wiki
    const sent = JSON.stringify(server!.requests.map((q) => q.body));
    expect(sent.includes(ENV_SECRET)).toBe(false);
    expect(sent.includes(KEY)).toBe(false);
    expect(sent.includes('[redacted]')).toBe(true);
    const wiki = readdirSync(join(repo, '.sysight', 'wiki')).map((f) => readFileSync(join(repo, '.sysight', 'wiki', f), 'utf8')).join('\n');
    expect(wiki.includes(KEY)).toBe(false);
    expect(wiki.includes(ENV_SECRET)).toBe(false);
    expect(wiki).toContain('key [redacted], db pass [redacted]');
  });

  it('updates an existing lesson page, keeping the evidence of earlier runs', async () => {
    let p = await provider('openai', script);
    await learnFromTrials(repo, TRIALS, config(), { runId: 'run-1', provider: p });
    await server!.close();
    p = await provider('openai', script);
    const r = (await learnFromTrials(repo, [trial({ speedup: 0.115, interval: { low: 0.1, high: 0.13, level: 0.95 }, patchId: 'cm-dddd4444' })], config(), { runId: 'run-2', provider: p }))!;
    expect(r.written.map((w) => w.page)).toEqual(['vectorize-batches']);
    // the model read the existing lesson before answering
    expect(server!.requests[1]!.body.messages).toBeDefined();
    expect(JSON.stringify(server!.requests[2]!.body)).toContain('Vectorize per-element batch assembly');
    const page = parsePage(join(repo, '.sysight', 'wiki', 'vectorize-batches.md'), 'vectorize-batches');
    expect((page.meta.evidence as Array<{ runId: string; patchId: string }>).map((e) => `${e.runId}/${e.patchId}`)).toEqual(['run-1/cm-aaaa1111', 'run-2/cm-dddd4444']);
  });

  it('records the exchange and replays it offline to the same pages', async () => {
    const dir = join(repo, '.sysight', 'transcripts');
    const live = new RecordingProvider(await provider('openai', script), dir, 'learn');
    const other = makeRepo({ 'train.py': readFileSync(join(repo, 'train.py'), 'utf8') });
    try {
      const a = (await learnFromTrials(repo, TRIALS, config(), { runId: 'run-1', provider: live }))!;
      await server!.close();
      server = null;
      expect(readdirSync(dir).every((f) => f.startsWith('learn-') && f.endsWith('.jsonl'))).toBe(true);
      const replayCfg = config({ provider: 'replay', path: dir, model: 'replay' });
      const b = (await learnFromTrials(other, TRIALS, replayCfg, { runId: 'run-1', provider: new ReplayProvider(dir, 'learn') }))!;
      expect(b.written.map((w) => w.page)).toEqual(a.written.map((w) => w.page));
      expect(b.dropped).toEqual(a.dropped);
      const body = (r: string) => readFileSync(join(r, '.sysight', 'wiki', 'vectorize-batches.md'), 'utf8').replace(/(updated|by): .*/g, '').replace(/Written by .*\./, '');
      expect(body(other)).toBe(body(repo));
      expect(readdirSync(dir).map((f) => readFileSync(join(dir, f), 'utf8')).join('')).not.toContain(KEY);
    } finally {
      removeRepo(other);
    }
  });

  it('is off for provider none, and asks nothing when no trial was measured', async () => {
    expect(await learnFromTrials(repo, TRIALS, loadAgentConfig(repo, {}).learn, { runId: 'r' })).toBeNull();
    const p = await provider('openai', script);
    const r = (await learnFromTrials(repo, [trial({ verdict: 'skipped', speedup: null, interval: null })], config(), { runId: 'r', provider: p }))!;
    expect(r).toMatchObject({ written: [], error: 'no trial was measured this round' });
    expect(server!.requests).toHaveLength(0);
  });
});
