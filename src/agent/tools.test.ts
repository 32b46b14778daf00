import { mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ModelBuilder } from '../profile/queries/model-builder.js';
import { appendLedger } from '../memory/ledger.js';
import { writeLearnedLesson } from '../memory/lessons.js';
import { QUERIES } from '../profile/queries/registry.js';
import { indexRepo, type RepoIndex } from '../source/index.js';
import { makeRepo, py, removeRepo } from '../source/testing.js';
import { agentTools, capOutput, queryToolName, runTool, type ToolContext } from './tools.js';

let repo = '';
let outside = '';
let index: RepoIndex;
let ctx: ToolContext;
const tools = agentTools();

beforeAll(async () => {
  repo = makeRepo({
    'train.py': py`
      import torch

      def step(model, x):
          y = model(x)
          return y.item()

      def train(model, data):
          for x in data:
              step(model, x)
    `,
    'big.txt': Array.from({ length: 3000 }, (_, i) => `line ${i + 1} ${'x'.repeat(20)}`).join('\n'),
    'pkg/util.py': 'def helper():\n    return 1\n',
  });
  outside = mkdtempSync(join(tmpdir(), 'sysight-outside-'));
  writeFileSync(join(outside, 'secret.txt'), 'TOP SECRET\n');
  symlinkSync(join(outside, 'secret.txt'), join(repo, 'link.txt'));
  symlinkSync(outside, join(repo, 'linkdir'));
  index = await indexRepo(repo);
  const model = new ModelBuilder().kernel('gemm', 0, 5000).kernel('gemm', 6000, 9000).kernel('relu', 9000, 9500).build();
  ctx = { repo, model, index: () => Promise.resolve(index) };
});
afterAll(() => {
  index?.dispose();
  removeRepo(repo);
  rmSync(outside, { recursive: true, force: true });
});

const call = (name: string, args: Record<string, unknown>) => runTool(tools, name, args, ctx);

describe('agent tools', () => {
  it('exposes every profile query with a JSON schema from its params', () => {
    for (const q of QUERIES) {
      const t = tools.find((x) => x.name === queryToolName(q))!;
      expect(t, q.name).toBeDefined();
      expect(t.parameters).toMatchObject({ type: 'object', additionalProperties: false });
      expect(Object.keys((t.parameters.properties ?? {}) as object).sort()).toEqual(q.params.map((p) => p.name).sort());
      expect(t.name).toMatch(/^[a-zA-Z0-9_-]{1,64}$/);
    }
    for (const n of ['list_files', 'search', 'read_file', 'symbols', 'callers', 'callees', 'wiki_search', 'ledger']) expect(tools.some((t) => t.name === n)).toBe(true);
  });

  it('runs a profile query on the loaded model', async () => {
    const r = await call('profile_top_kernels', {});
    expect(r.ok).toBe(true);
    expect(r.output).toContain('gemm');
    const noModel = await runTool(tools, 'profile_summary', {}, { repo });
    expect(noModel).toEqual({ ok: false, output: 'error: no profile is loaded in this stage' });
  });

  it('rejects arguments that do not fit the schema and unknown tools', async () => {
    expect((await call('read_file', { path: 3 })).output).toMatch(/^error: invalid arguments for read_file: \$\.path: expected string/);
    expect((await call('read_file', { path: 'train.py', bogus: 1 })).output).toMatch(/\$\.bogus: not allowed/);
    expect((await call('rm_rf', {})).output).toMatch(/^error: unknown tool rm_rf/);
  });

  it('reads numbered line ranges and lists, searches, indexes', async () => {
    expect((await call('read_file', { path: 'train.py', start: 3, end: 5 })).output).toBe('train.py lines 3-5 of 9\n3| def step(model, x):\n4|     y = model(x)\n5|     return y.item()');
    expect((await call('list_files', { glob: '*.py' })).output).toBe('pkg/util.py\ntrain.py');
    expect((await call('search', { pattern: '.item()' })).output).toBe('train.py:5: return y.item()');
    expect((await call('search', { pattern: 'def (\\w+)', regex: true, glob: 'pkg/**' })).output).toBe('pkg/util.py:1: def helper():');
    expect((await call('search', { pattern: '(', regex: true })).output).toMatch(/^error: invalid regex/);
    const sym = (await call('symbols', { path: 'train.py' })).output;
    expect(sym).toContain('def step(model, x) 3-5  id=train.py:step');
    expect((await call('callers', { function: 'train.py:step' })).output).toBe('train.py:train calls step at train.py:9 (direct)');
    expect((await call('callees', { function: 'train' })).output).toContain('train.py:9 step → train.py:step');
  });

  it('caps outputs with a marker', async () => {
    const r = await runTool(tools, 'read_file', { path: 'big.txt' }, ctx, 1000);
    expect(r.output.length).toBeLessThan(1100);
    expect(r.output).toMatch(/…\[truncated: \d+ more characters; narrow the request\]$/);
    expect(capOutput('short', 10)).toBe('short');
    // read_file never returns more than 400 lines per call
    expect((await call('read_file', { path: 'big.txt', start: 1, end: 3000 })).output.split('\n')[0]).toBe('big.txt lines 1-400 of 3000');
  });

  it.each([
    ['read_file', { path: '../../etc/passwd' }, /escapes the repo/],
    ['read_file', { path: 'pkg/../../x' }, /escapes the repo/],
    ['read_file', { path: '/etc/passwd' }, /must be relative to the repo/],
    ['read_file', { path: 'link.txt' }, /escapes the repo through a symlink/],
    ['read_file', { path: 'linkdir/secret.txt' }, /escapes the repo through a symlink/],
    ['symbols', { path: '../outside.py' }, /escapes the repo/],
    ['symbols', { path: '/etc/hosts' }, /must be relative/],
    ['callers', { function: '../../x.py:f' }, /escapes the repo/],
    ['callees', { function: 'linkdir/secret.txt:f' }, /through a symlink/],
  ])('%s refuses %j', async (name, args, re) => {
    const r = await call(name, args);
    expect(r.ok).toBe(false);
    expect(r.output).toMatch(re);
    expect(r.output).not.toContain('TOP SECRET');
  });

  it('never lists or searches through a symlink out of the repo', async () => {
    expect((await call('list_files', {})).output).not.toContain('secret');
    expect((await call('search', { pattern: 'TOP SECRET' })).output).toBe('no matches');
  });

  it('reads the ledger for a fingerprint and searches the wiki', async () => {
    appendLedger(repo, { ts: '2026-01-01T00:00:00Z', runId: 'r', round: 1, fingerprint: 'C3|train.py|step|C3.item-in-loop', category: 'C3', pattern: 'C3.item-in-loop', file: 'train.py', codeHash: 'h', patchHash: 'p', verdict: 'accepted', reason: 'faster', speedup: 1.2, interval: null });
    expect((await call('ledger', { fingerprint: 'C3|train.py|step|C3.item-in-loop' })).output).toBe('2026-01-01T00:00:00Z accepted speedup 1.200: faster');
    expect((await call('ledger', { fingerprint: 'nope' })).output).toBe('no trials recorded for this fingerprint');
    expect((await call('wiki_search', { query: 'item' })).output).toBe('no lessons match');
  });

  it('lists and reads wiki pages by id only (no paths)', async () => {
    expect((await call('wiki_pages', {})).output).toBe('the knowledge base is empty');
    writeLearnedLesson(repo, { page: 'defer-sync', title: 'Defer the sync', text: 'it helped', appliesTo: 'C3.*', effect: 'speedup', by: 'llm test', evidence: [{ trial: 't1.1', runId: 'r', round: 1, patchId: 'p', pattern: 'C3.item-in-loop', file: 'train.py', verdict: 'accepted', speedup: 0.1, interval: null }] });
    expect((await call('wiki_pages', {})).output).toBe('defer-sync  lesson  Defer the sync  applies to C3.*  effect speedup');
    expect((await call('wiki_read', { page: 'defer-sync' })).output).toContain('# Defer the sync');
    expect((await call('wiki_read', { page: 'defer-sync.md' })).output).toContain('it helped');
    for (const page of ['../train', '../../etc/passwd', 'index']) expect((await call('wiki_read', { page })).output).toMatch(/^error: no page /);
  });
});
