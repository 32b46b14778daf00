// Local HTTP servers (127.0.0.1, random port) that speak the real wire formats of OpenAI chat completions
// and Anthropic messages, JSON and SSE, for tests with the real SDKs pointed at them. A script decides each
// reply from the request it received.
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export type Dialect = 'openai' | 'anthropic';

export interface ReceivedRequest {
  n: number;
  path: string;
  headers: IncomingMessage['headers'];
  body: Record<string, unknown>;
}

export interface ScriptedAnswer {
  content?: string;
  toolCalls?: Array<{ id?: string; name: string; arguments: unknown }>;
  usage?: { input: number; output: number };
}

export type Reply =
  | { answer: ScriptedAnswer; stream?: boolean }
  | { status: number; body: unknown; headers?: Record<string, string> }
  /** raw bytes with a content type (malformed bodies) */
  | { raw: string; contentType?: string; status?: number }
  /** wait before replying */
  | { delayMs: number; then: Reply }
  /** send some SSE events then keep the connection open (abort mid-stream) */
  | { partialStream: ScriptedAnswer };

export type Script = (req: ReceivedRequest) => Reply;

export interface FakeLlm {
  url: string;
  /** base URL for the SDK: `${url}/v1` for OpenAI, `url` for Anthropic */
  baseUrl: string;
  requests: ReceivedRequest[];
  close(): Promise<void>;
}

const sse = (res: ServerResponse) => {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache', connection: 'keep-alive' });
};

function openaiJson(a: ScriptedAnswer, model: string) {
  return {
    id: 'chatcmpl-test', object: 'chat.completion', created: 1, model,
    choices: [{
      index: 0, finish_reason: a.toolCalls?.length ? 'tool_calls' : 'stop', logprobs: null,
      message: {
        role: 'assistant', content: a.content ?? null, refusal: null,
        ...(a.toolCalls?.length ? { tool_calls: a.toolCalls.map((c, i) => ({ id: c.id ?? `call_${i}`, type: 'function', function: { name: c.name, arguments: JSON.stringify(c.arguments) } })) } : {}),
      },
    }],
    usage: { prompt_tokens: a.usage?.input ?? 11, completion_tokens: a.usage?.output ?? 7, total_tokens: (a.usage?.input ?? 11) + (a.usage?.output ?? 7) },
  };
}

/** OpenAI SSE chunks: content in pieces, each tool call's arguments split across several deltas, usage, [DONE]. */
export function openaiChunks(a: ScriptedAnswer, model: string): string[] {
  const base = { id: 'chatcmpl-test', object: 'chat.completion.chunk', created: 1, model };
  const out: unknown[] = [{ ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] }];
  const text = a.content ?? '';
  for (let i = 0; i < text.length; i += 5) out.push({ ...base, choices: [{ index: 0, delta: { content: text.slice(i, i + 5) }, finish_reason: null }] });
  (a.toolCalls ?? []).forEach((c, i) => {
    const args = JSON.stringify(c.arguments);
    out.push({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: i, id: c.id ?? `call_${i}`, type: 'function', function: { name: c.name, arguments: '' } }] }, finish_reason: null }] });
    for (let j = 0; j < args.length; j += 4) out.push({ ...base, choices: [{ index: 0, delta: { tool_calls: [{ index: i, function: { arguments: args.slice(j, j + 4) } }] }, finish_reason: null }] });
  });
  out.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: a.toolCalls?.length ? 'tool_calls' : 'stop' }] });
  out.push({ ...base, choices: [], usage: { prompt_tokens: a.usage?.input ?? 11, completion_tokens: a.usage?.output ?? 7, total_tokens: 18 } });
  return [...out.map((o) => `data: ${JSON.stringify(o)}\n\n`), 'data: [DONE]\n\n'];
}

function anthropicJson(a: ScriptedAnswer, model: string) {
  const content: unknown[] = [];
  if (a.content) content.push({ type: 'text', text: a.content });
  (a.toolCalls ?? []).forEach((c, i) => content.push({ type: 'tool_use', id: c.id ?? `toolu_${i}`, name: c.name, input: c.arguments }));
  return {
    id: 'msg_test', type: 'message', role: 'assistant', model, content,
    stop_reason: a.toolCalls?.length ? 'tool_use' : 'end_turn', stop_sequence: null,
    usage: { input_tokens: a.usage?.input ?? 11, output_tokens: a.usage?.output ?? 7 },
  };
}

/** Anthropic SSE events: message_start, text and tool_use blocks (input_json_delta pieces), message_delta, message_stop. */
export function anthropicEvents(a: ScriptedAnswer, model: string, complete = true): string[] {
  const ev = (type: string, data: object) => `event: ${type}\ndata: ${JSON.stringify({ type, ...data })}\n\n`;
  const out = [ev('message_start', { message: { id: 'msg_test', type: 'message', role: 'assistant', model, content: [], stop_reason: null, stop_sequence: null, usage: { input_tokens: a.usage?.input ?? 11, output_tokens: 1 } } }), ev('ping', {})];
  let index = 0;
  if (a.content) {
    out.push(ev('content_block_start', { index, content_block: { type: 'text', text: '' } }));
    for (let i = 0; i < a.content.length; i += 5) out.push(ev('content_block_delta', { index, delta: { type: 'text_delta', text: a.content.slice(i, i + 5) } }));
    out.push(ev('content_block_stop', { index }));
    index++;
  }
  (a.toolCalls ?? []).forEach((c, i) => {
    const args = JSON.stringify(c.arguments);
    out.push(ev('content_block_start', { index, content_block: { type: 'tool_use', id: c.id ?? `toolu_${i}`, name: c.name, input: {} } }));
    for (let j = 0; j < args.length; j += 4) out.push(ev('content_block_delta', { index, delta: { type: 'input_json_delta', partial_json: args.slice(j, j + 4) } }));
    out.push(ev('content_block_stop', { index }));
    index++;
  });
  if (!complete) return out;
  out.push(ev('message_delta', { delta: { stop_reason: a.toolCalls?.length ? 'tool_use' : 'end_turn', stop_sequence: null }, usage: { output_tokens: a.usage?.output ?? 7 } }));
  out.push(ev('message_stop', {}));
  return out;
}

export async function startFakeLlm(dialect: Dialect, script: Script): Promise<FakeLlm> {
  const requests: ReceivedRequest[] = [];
  const open = new Set<ServerResponse>();
  const timers = new Set<NodeJS.Timeout>();
  const send = (res: ServerResponse, r: Reply, model: string): void => {
    if ('delayMs' in r) {
      const t = setTimeout(() => {
        timers.delete(t);
        if (!res.destroyed) send(res, r.then, model);
      }, r.delayMs);
      timers.add(t);
      return;
    }
    if ('status' in r && 'body' in r) {
      res.writeHead(r.status, { 'content-type': 'application/json', ...(r.headers ?? {}) });
      res.end(JSON.stringify(r.body));
      return;
    }
    if ('raw' in r) {
      res.writeHead(r.status ?? 200, { 'content-type': r.contentType ?? 'application/json' });
      res.end(r.raw);
      return;
    }
    if ('partialStream' in r) {
      sse(res);
      const parts = dialect === 'openai' ? openaiChunks(r.partialStream, model).slice(0, 3) : anthropicEvents(r.partialStream, model, false);
      for (const p of parts) res.write(p);
      return; // left open: the client must abort
    }
    if (r.stream) {
      sse(res);
      for (const p of dialect === 'openai' ? openaiChunks(r.answer, model) : anthropicEvents(r.answer, model)) res.write(p);
      res.end();
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(dialect === 'openai' ? openaiJson(r.answer, model) : anthropicJson(r.answer, model)));
  };
  const server: Server = createServer((req, res) => {
    open.add(res);
    res.on('close', () => open.delete(res));
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      let body: Record<string, unknown> = {};
      try {
        body = JSON.parse(Buffer.concat(chunks).toString('utf8')) as Record<string, unknown>;
      } catch {
        /* a test may send nothing */
      }
      const rec: ReceivedRequest = { n: requests.length + 1, path: req.url ?? '', headers: req.headers, body };
      requests.push(rec);
      let reply: Reply;
      try {
        reply = script(rec);
      } catch (e) {
        reply = { status: 500, body: { error: { message: `script failed: ${(e as Error).message}` } } };
      }
      // a streamed request gets a streamed answer
      if ('answer' in reply && reply.stream === undefined) reply = { ...reply, stream: body.stream === true };
      send(res, reply, typeof body.model === 'string' ? body.model : 'test-model');
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url,
    baseUrl: dialect === 'openai' ? `${url}/v1` : url,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        for (const t of timers) clearTimeout(t);
        for (const r of open) r.destroy();
        server.close(() => resolve());
        server.closeAllConnections?.();
      }),
  };
}

/** Error bodies as each API shapes them. */
export function errorBody(dialect: Dialect, status: number, message: string): unknown {
  const type = status === 401 ? 'authentication_error' : status === 429 ? 'rate_limit_error' : status >= 500 ? 'api_error' : 'invalid_request_error';
  return dialect === 'openai' ? { error: { message, type, param: null, code: null } } : { type: 'error', error: { type, message } };
}

/** The conversation a request carries, dialect-neutral: the first user text and how many assistant turns came before. */
export function conversationOf(body: Record<string, unknown>): { task: string; turn: number; lastUser: string; toolResults: string[] } {
  const msgs = (body.messages ?? []) as Array<{ role: string; content: unknown }>;
  const text = (c: unknown): string =>
    typeof c === 'string' ? c : Array.isArray(c) ? c.map((b: { type?: string; text?: string; content?: unknown }) => (b.type === 'text' ? b.text ?? '' : b.type === 'tool_result' ? text(b.content) : '')).join('') : '';
  const users = msgs.filter((m) => m.role === 'user');
  const toolResults: string[] = [];
  for (const m of msgs) {
    if (m.role === 'tool') toolResults.push(text(m.content));
    if (m.role === 'user' && Array.isArray(m.content)) for (const b of m.content as Array<{ type?: string; content?: unknown }>) if (b.type === 'tool_result') toolResults.push(text(b.content));
  }
  return { task: text(users[0]?.content), turn: msgs.filter((m) => m.role === 'assistant').length, lastUser: text(users[users.length - 1]?.content), toolResults };
}
