// The stage loop against a local OpenAI- or Anthropic-speaking server with the real SDKs.
import { existsSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { UserError } from '../core/errors.js';
import { makeRepo, removeRepo } from '../source/testing.js';
import { compact, runLoop } from './loop.js';
import { AnthropicProvider } from './providers/anthropic.js';
import { OpenAiCompatibleProvider } from './providers/openai.js';
import { RecordingProvider, ReplayProvider } from './providers/replay.js';
import { conversationOf, startFakeLlm, type Dialect, type FakeLlm, type Script } from './testing/fake-llm.js';
import { agentTools } from './tools.js';
import type { ChatMessage, LlmProvider } from './types.js';

let repo = '';
let server: FakeLlm | null = null;
beforeAll(() => {
  repo = makeRepo({ 'train.py': 'import torch\n\ndef step(x):\n    return x.item()\n' });
});
afterAll(() => removeRepo(repo));
afterEach(async () => {
  await server?.close();
  server = null;
});

const SCHEMA = { type: 'object', required: ['answer'], additionalProperties: false, properties: { answer: { type: 'string', enum: ['sync', 'none'] } } };

async function provider(dialect: Dialect, script: Script): Promise<LlmProvider> {
  server = await startFakeLlm(dialect, script);
  const o = { model: 'test-model', apiKey: 'sk-testtesttesttest1234', baseUrl: server.baseUrl, timeoutS: 10, maxRetries: 0 };
  return dialect === 'openai' ? new OpenAiCompatibleProvider(o) : new AnthropicProvider(o);
}

const tools = () => agentTools({ profile: false, knowledge: false });

describe.each(['openai', 'anthropic'] as const)('runLoop (%s)', (dialect) => {
  it('calls a tool, feeds its output back, and validates the final JSON', async () => {
    const p = await provider(dialect, (r) => {
      const c = conversationOf(r.body);
      if (c.turn === 0) return { answer: { toolCalls: [{ id: 't1', name: 'read_file', arguments: { path: 'train.py', start: 3, end: 4 } }] } };
      return { answer: { content: c.toolResults[0]!.includes('x.item()') ? 'Found it.\n```json\n{"answer": "sync"}\n```' : '{"answer": "none"}' } };
    });
    const r = await runLoop<{ answer: string }>({ provider: p, system: 's', prompt: 'find the sync', tools: tools(), ctx: { repo }, schema: SCHEMA, stream: dialect === 'anthropic' });
    expect(r.output).toEqual({ answer: 'sync' });
    expect(r.turns).toBe(2);
    expect(r.toolCalls).toBe(1);
    expect(r.usage).toEqual({ inputTokens: 22, outputTokens: 14 });
    expect(r.costUsd).toBeUndefined(); // test-model has no price
  });

  it('sends an invalid answer back once with the error, then accepts the fix', async () => {
    const p = await provider(dialect, (r) => (conversationOf(r.body).turn === 0 ? { answer: { content: '{"answer": "maybe"}' } } : { answer: { content: '{"answer": "none"}' } }));
    const r = await runLoop<{ answer: string }>({ provider: p, system: 's', prompt: 'q', tools: tools(), ctx: { repo }, schema: SCHEMA });
    expect(r.output).toEqual({ answer: 'none' });
    expect(conversationOf(server!.requests[1]!.body).lastUser).toMatch(/^Your answer was not accepted: \$\.answer: must be one of "sync", "none"/);
  });

  it('drops an answer that is invalid twice', async () => {
    const p = await provider(dialect, () => ({ answer: { content: 'I think it is sync.' } }));
    const r = await runLoop<{ answer: string }>({ provider: p, system: 's', prompt: 'q', tools: tools(), ctx: { repo }, schema: SCHEMA });
    expect(r.output).toBeNull();
    expect(r.error).toBe('invalid answer dropped: the answer contains no JSON value');
    expect(server!.requests).toHaveLength(2);
  });

  it('stops at the turn limit, forbidding tools on the last turn', async () => {
    const p = await provider(dialect, () => ({ answer: { toolCalls: [{ name: 'list_files', arguments: {} }] } }));
    const r = await runLoop<{ answer: string }>({ provider: p, system: 's', prompt: 'q', tools: tools(), ctx: { repo }, schema: SCHEMA, maxTurns: 3 });
    expect(r.output).toBeNull();
    expect(r.turns).toBe(3);
    const last = server!.requests[2]!.body;
    expect(dialect === 'openai' ? last.tool_choice : last.tool_choice).toEqual(dialect === 'openai' ? 'none' : { type: 'none' });
  });

  it('passes a tool error back to the model instead of failing', async () => {
    const p = await provider(dialect, (r) => (conversationOf(r.body).turn === 0 ? { answer: { toolCalls: [{ name: 'read_file', arguments: { path: '../../etc/passwd' } }] } } : { answer: { content: '{"answer":"none"}' } }));
    const r = await runLoop<{ answer: string }>({ provider: p, system: 's', prompt: 'q', tools: tools(), ctx: { repo }, schema: SCHEMA });
    expect(r.output).toEqual({ answer: 'none' });
    expect(conversationOf(server!.requests[1]!.body).toolResults[0]).toMatch(/^error: path escapes the repo/);
  });
});

describe('context budget', () => {
  it('compacts the oldest tool outputs first and keeps the task and the latest turns', () => {
    const big = 'y'.repeat(4000);
    const msgs: ChatMessage[] = [
      { role: 'user', content: 'task ' + big },
      { role: 'assistant', content: 'a1', toolCalls: [{ id: '1', name: 'read_file', arguments: {} }] },
      { role: 'tool', toolCallId: '1', name: 'read_file', content: 'old ' + big },
      { role: 'assistant', content: 'a2 ' + big, toolCalls: [{ id: '2', name: 'read_file', arguments: {} }] },
      { role: 'tool', toolCallId: '2', name: 'read_file', content: 'mid ' + big },
      { role: 'assistant', content: 'a3', toolCalls: [{ id: '3', name: 'read_file', arguments: {} }] },
      { role: 'tool', toolCallId: '3', name: 'read_file', content: 'new ' + big },
    ];
    const n = compact(msgs, 100, 3500);
    expect(n).toBe(2);
    expect(msgs[2]!.content).toMatch(/^\[compacted: 4004 chars; began: old y+…\]$/);
    expect(msgs[4]!.content).toMatch(/^\[compacted/);
    expect(msgs[0]!.content.length).toBe(4005);
    expect(msgs[6]!.content.length).toBe(4004);
    expect(msgs[3]!.content.length).toBe(4003); // tools were enough
    const tight = compact(msgs, 100, 2500);
    expect(tight).toBe(1);
    expect(msgs[3]!.content).toMatch(/^\[compacted/);
  });

  it('gives up with a clear error when even the compacted context does not fit', async () => {
    const p = await provider('openai', () => ({ answer: { toolCalls: [{ name: 'read_file', arguments: { path: 'train.py' } }] } }));
    const r = await runLoop({ provider: p, system: 's', prompt: 'z'.repeat(20_000), tools: tools(), ctx: { repo }, schema: SCHEMA, contextTokens: 1000 });
    expect(r.output).toBeNull();
    expect(r.error).toMatch(/^context budget exceeded: about \d+ tokens needed, 1000 allowed$/);
    expect(server!.requests).toHaveLength(0);
  });
});

describe('record and replay', () => {
  it('records against the server, then replays with the server stopped', async () => {
    const dir = join(repo, '.sysight', 'transcripts');
    const script: Script = (r) => (conversationOf(r.body).turn === 0 ? { answer: { toolCalls: [{ id: 'k', name: 'search', arguments: { pattern: 'item' } }] } } : { answer: { content: '{"answer":"sync"}' } });
    const live = await provider('openai', script);
    const rec = new RecordingProvider(live, dir, 'analyze');
    const first = await runLoop<{ answer: string }>({ provider: rec, system: 's', prompt: 'replay me', tools: tools(), ctx: { repo }, schema: SCHEMA });
    expect(first.output).toEqual({ answer: 'sync' });
    const files = readdirSync(dir);
    expect(files).toHaveLength(2);
    for (const f of files) expect(f).toMatch(/^analyze-[0-9a-f]{16}\.jsonl$/);
    const line = JSON.parse(readFileSync(join(dir, files[0]!), 'utf8').trim().split('\n')[0]!);
    expect(line).toMatchObject({ stage: 'analyze', provider: 'openai_compatible', model: 'test-model' });
    expect(JSON.stringify(line)).not.toContain('sk-testtesttesttest1234');
    await server!.close();
    server = null;

    const replay = new ReplayProvider(dir, 'analyze');
    const again = await runLoop<{ answer: string }>({ provider: replay, system: 's', prompt: 'replay me', tools: tools(), ctx: { repo }, schema: SCHEMA });
    expect(again.output).toEqual({ answer: 'sync' });
    expect(again.messages).toEqual(first.messages);

    // a different prompt is a miss, told clearly
    const miss = runLoop({ provider: replay, system: 's', prompt: 'something else', tools: tools(), ctx: { repo }, schema: SCHEMA });
    await expect(miss).rejects.toBeInstanceOf(UserError);
    await expect(runLoop({ provider: replay, system: 's', prompt: 'something else', tools: tools(), ctx: { repo }, schema: SCHEMA })).rejects.toThrow(/^replay: no recorded analyze response for request [0-9a-f]{16} in .*transcripts \(the prompt, tools or inputs changed since recording; record again\)$/);
    await expect(new ReplayProvider(join(repo, 'nowhere'), 'analyze').chat({ system: '', messages: [], maxTokens: 1 })).rejects.toThrow(/^replay: no transcripts directory/);
    rmSync(dir, { recursive: true, force: true });
    expect(existsSync(dir)).toBe(false);
  });
});
