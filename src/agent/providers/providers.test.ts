// The real `openai` and `@anthropic-ai/sdk` clients against local servers speaking each wire format.
import { afterEach, describe, expect, it } from 'vitest';
import { CancelledError, UserError } from '../../core/errors.js';
import { errorBody, startFakeLlm, type Dialect, type FakeLlm, type Script } from '../testing/fake-llm.js';
import type { ChatRequest, LlmProvider } from '../types.js';
import { AnthropicProvider } from './anthropic.js';
import { backoffDelay, costOf, retryAfterMs } from './common.js';
import { OpenAiCompatibleProvider } from './openai.js';

const KEY = 'sk-test-SECRETKEY1234567890abcdef';
let server: FakeLlm | null = null;
afterEach(async () => {
  await server?.close();
  server = null;
});

async function setup(dialect: Dialect, script: Script, o: { timeoutS?: number; maxRetries?: number; model?: string } = {}): Promise<LlmProvider> {
  server = await startFakeLlm(dialect, script);
  const opts = { model: o.model ?? (dialect === 'openai' ? 'gpt-4o-mini' : 'claude-3-5-haiku-latest'), apiKey: KEY, baseUrl: server.baseUrl, timeoutS: o.timeoutS ?? 10, maxRetries: o.maxRetries ?? 3, backoffMs: 5 };
  return dialect === 'openai' ? new OpenAiCompatibleProvider(opts) : new AnthropicProvider(opts);
}

const tools = [{ name: 'read_file', description: 'read a file', parameters: { type: 'object', properties: { path: { type: 'string' } }, required: ['path'] } }];
const req = (extra: Partial<ChatRequest> = {}): ChatRequest => ({ system: 'be brief', messages: [{ role: 'user', content: 'hi' }], tools, maxTokens: 100, temperature: 0, ...extra });

describe.each(['openai', 'anthropic'] as const)('%s wire format', (dialect) => {
  for (const stream of [false, true]) {
    it(`round-trips a tool call and its result (${stream ? 'SSE' : 'JSON'})`, async () => {
      const p = await setup(dialect, (r) =>
        r.n === 1
          ? { answer: { content: 'let me look', toolCalls: [{ id: 'c1', name: 'read_file', arguments: { path: 'train.py', nested: { a: [1, 2] } } }], usage: { input: 100, output: 20 } } }
          : { answer: { content: 'done: {"ok":true}', usage: { input: 150, output: 5 } } });
      const first = await p.chat(req({ stream }));
      expect(first.toolCalls).toEqual([{ id: 'c1', name: 'read_file', arguments: { path: 'train.py', nested: { a: [1, 2] } } }]);
      expect(first.content).toBe('let me look');
      expect(first.usage).toEqual({ inputTokens: 100, outputTokens: 20 });
      expect(first.costUsd).toBeGreaterThan(0);
      const second = await p.chat(req({
        stream,
        messages: [{ role: 'user', content: 'hi' }, { role: 'assistant', content: first.content, toolCalls: first.toolCalls }, { role: 'tool', toolCallId: 'c1', name: 'read_file', content: '1| import torch' }],
      }));
      expect(second.content).toBe('done: {"ok":true}');
      expect(second.toolCalls).toEqual([]);
      const sent = server!.requests[1]!.body;
      if (dialect === 'openai') {
        expect(server!.requests[1]!.path).toBe('/v1/chat/completions');
        expect(server!.requests[1]!.headers.authorization).toBe(`Bearer ${KEY}`);
        const msgs = sent.messages as Array<Record<string, unknown>>;
        expect(msgs[0]).toEqual({ role: 'system', content: 'be brief' });
        expect(msgs[2]!.tool_calls).toEqual([{ id: 'c1', type: 'function', function: { name: 'read_file', arguments: JSON.stringify({ path: 'train.py', nested: { a: [1, 2] } }) } }]);
        expect(msgs[3]).toEqual({ role: 'tool', tool_call_id: 'c1', content: '1| import torch' });
        expect((sent.tools as unknown[])[0]).toMatchObject({ type: 'function', function: { name: 'read_file' } });
      } else {
        expect(server!.requests[1]!.path).toBe('/v1/messages');
        // this SDK version sends the key as x-api-key or as a bearer token
        expect(`${server!.requests[1]!.headers['x-api-key'] ?? ''} ${server!.requests[1]!.headers.authorization ?? ''}`).toContain(KEY);
        expect(sent.system).toBe('be brief');
        const msgs = sent.messages as Array<{ role: string; content: Array<Record<string, unknown>> }>;
        expect(msgs.map((m) => m.role)).toEqual(['user', 'assistant', 'user']);
        expect(msgs[1]!.content[1]).toEqual({ type: 'tool_use', id: 'c1', name: 'read_file', input: { path: 'train.py', nested: { a: [1, 2] } } });
        expect(msgs[2]!.content[0]).toEqual({ type: 'tool_result', tool_use_id: 'c1', content: '1| import torch' });
        expect((sent.tools as unknown[])[0]).toMatchObject({ name: 'read_file', input_schema: { type: 'object' } });
      }
      expect(sent.stream === true).toBe(stream);
    });
  }

  it('401: one line with provider and status, no retry, never the key', async () => {
    const p = await setup(dialect, () => ({ status: 401, body: errorBody(dialect, 401, `invalid x-api-key ${KEY}`) }));
    const err = await p.chat(req()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    const msg = (err as Error).message;
    expect(msg).toMatch(new RegExp(`^${dialect === 'openai' ? 'openai_compatible' : 'anthropic'}: 401 invalid x-api-key`));
    expect(msg).not.toContain(KEY);
    expect(msg).not.toContain('SECRETKEY');
    expect(msg.includes('\n')).toBe(false);
    expect(server!.requests).toHaveLength(1);
  });

  it('400 is not retried', async () => {
    const p = await setup(dialect, () => ({ status: 400, body: errorBody(dialect, 400, 'max_tokens too large') }));
    await expect(p.chat(req())).rejects.toThrow(/: 400 max_tokens too large$/);
    expect(server!.requests).toHaveLength(1);
  });

  it('429 with Retry-After, then success', async () => {
    const p = await setup(dialect, (r) => (r.n === 1 ? { status: 429, body: errorBody(dialect, 429, 'slow down'), headers: { 'retry-after': '0' } } : { answer: { content: 'ok' } }));
    expect((await p.chat(req())).content).toBe('ok');
    expect(server!.requests).toHaveLength(2);
  });

  it('500 twice, then success (streaming)', async () => {
    const p = await setup(dialect, (r) => (r.n <= 2 ? { status: 500, body: errorBody(dialect, 500, 'overloaded') } : { answer: { content: 'fine' } }));
    expect((await p.chat(req({ stream: true }))).content).toBe('fine');
    expect(server!.requests).toHaveLength(3);
  });

  it('gives up after the retries with the last status', async () => {
    const p = await setup(dialect, () => ({ status: 503, body: errorBody(dialect, 503, 'unavailable') }), { maxRetries: 2 });
    await expect(p.chat(req())).rejects.toThrow(/: 503 unavailable$/);
    expect(server!.requests).toHaveLength(3);
  });

  it('a slow response times out (and the timeout is retried, then reported)', async () => {
    const p = await setup(dialect, () => ({ delayMs: 5000, then: { answer: { content: 'late' } } }), { timeoutS: 0.3, maxRetries: 1 });
    await expect(p.chat(req())).rejects.toThrow(/request timed out after 0.3 s$/);
    expect(server!.requests).toHaveLength(2);
  });

  it('a stream that stalls mid-way times out too', async () => {
    const p = await setup(dialect, () => ({ partialStream: { content: 'this stream stops sending' } }), { timeoutS: 0.5, maxRetries: 0 });
    await expect(p.chat(req({ stream: true }))).rejects.toThrow(/request timed out after 0.5 s$/);
  });

  it('a malformed JSON body is a one-line error, not a crash', async () => {
    const p = await setup(dialect, () => ({ raw: '{"choices": [ this is not json' }), { maxRetries: 0 });
    const err = await p.chat(req()).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(UserError);
    expect((err as Error).message).toMatch(/malformed response/);
  });

  it('a well-formed body without the promised fields is malformed', async () => {
    const p = await setup(dialect, () => ({ raw: JSON.stringify({ id: 'x', unexpected: true }) }), { maxRetries: 0 });
    await expect(p.chat(req())).rejects.toThrow(/malformed response: no (choices\[0\]\.message|content array)/);
  });

  it('abort mid-stream cancels without retrying', async () => {
    const p = await setup(dialect, () => ({ partialStream: { content: 'partial answer that never ends' } }));
    const ac = new AbortController();
    const pending = p.chat(req({ stream: true, signal: ac.signal }));
    for (let i = 0; i < 200 && server!.requests.length === 0; i++) await new Promise((r) => setTimeout(r, 10));
    await new Promise((r) => setTimeout(r, 50));
    ac.abort();
    await expect(pending).rejects.toBeInstanceOf(CancelledError);
    expect(server!.requests).toHaveLength(1);
  });

  it('an unknown model has no cost (unknown price)', async () => {
    const p = await setup(dialect, () => ({ answer: { content: 'x' } }), { model: 'local-llama-3' });
    const r = await p.chat(req());
    expect(r.costUsd).toBeUndefined();
    expect(r.usage.inputTokens).toBe(11);
  });
});

describe('retry helpers', () => {
  it('reads Retry-After in seconds, ms and as a date', () => {
    expect(retryAfterMs(new Headers({ 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(new Headers({ 'retry-after-ms': '150' }))).toBe(150);
    expect(retryAfterMs(new Headers({ 'retry-after': new Date(10_000).toUTCString() }), 4_000)).toBe(6000);
    expect(retryAfterMs(new Headers({}))).toBeNull();
  });
  it('backs off exponentially with jitter, honouring Retry-After up to a cap', () => {
    const o = { model: 'm', backoffMs: 100 };
    expect(backoffDelay(0, {}, o, () => 0)).toBe(50);
    expect(backoffDelay(3, {}, o, () => 1)).toBe(800);
    expect(backoffDelay(0, { headers: new Headers({ 'retry-after': '3' }) }, o)).toBe(3000);
    expect(backoffDelay(0, { headers: new Headers({ 'retry-after': '999' }) }, { ...o, maxRetryAfterMs: 5000 })).toBe(5000);
  });
  it('prices known models by prefix', () => {
    expect(costOf('gpt-4o-mini-2024-07-18', { inputTokens: 1e6, outputTokens: 1e6 })).toBeCloseTo(0.75);
    expect(costOf('gpt-4o', { inputTokens: 1e6, outputTokens: 0 })).toBeCloseTo(2.5);
    expect(costOf('mystery', { inputTokens: 1, outputTokens: 1 })).toBeUndefined();
  });
});
