// Anthropic messages API through `@anthropic-ai/sdk`: tool_use blocks, streaming events.
import Anthropic from '@anthropic-ai/sdk';
import { CancelledError } from '../../core/errors.js';
import type { ChatRequest, ChatResponse, ToolCall, ToolChoice } from '../types.js';
import { chatResponse, malformed, parseArguments, SdkProvider, sdkOptions, withRetries } from './common.js';

const NAME = 'anthropic';

type Block =
  | { type: 'text'; text: string }
  | { type: 'tool_use'; id: string; name: string; input: Record<string, unknown> }
  | { type: 'tool_result'; tool_use_id: string; content: string };
type Msg = { role: 'user' | 'assistant'; content: Block[] };

/** Neutral messages → Anthropic turns (tool results go in a user turn; consecutive same-role turns merge). */
function toMessages(req: ChatRequest): Msg[] {
  const out: Msg[] = [];
  const push = (role: Msg['role'], blocks: Block[]) => {
    const last = out[out.length - 1];
    if (last && last.role === role) last.content.push(...blocks);
    else out.push({ role, content: blocks });
  };
  for (const m of req.messages) {
    if (m.role === 'user') push('user', [{ type: 'text', text: m.content }]);
    else if (m.role === 'tool') push('user', [{ type: 'tool_result', tool_use_id: m.toolCallId, content: m.content }]);
    else {
      const blocks: Block[] = [];
      if (m.content) blocks.push({ type: 'text', text: m.content });
      for (const c of m.toolCalls ?? []) blocks.push({ type: 'tool_use', id: c.id, name: c.name, input: c.arguments });
      if (blocks.length) push('assistant', blocks);
    }
  }
  return out;
}

function toChoice(c: ToolChoice | undefined): Record<string, unknown> | undefined {
  if (!c) return undefined;
  if (c === 'auto') return { type: 'auto' };
  if (c === 'none') return { type: 'none' };
  if (c === 'required') return { type: 'any' };
  return { type: 'tool', name: c.name };
}

interface StreamEvent {
  type: string;
  index?: number;
  message?: { model?: string; usage?: { input_tokens?: number; output_tokens?: number } };
  content_block?: { type: string; id?: string; name?: string; text?: string; input?: unknown };
  delta?: { type?: string; text?: string; partial_json?: string; stop_reason?: string | null };
  usage?: { input_tokens?: number | null; output_tokens?: number };
  error?: { type?: string; message?: string };
}

export class AnthropicProvider extends SdkProvider {
  readonly name = NAME;
  private readonly client = new Anthropic(sdkOptions(this.o));

  chat(req: ChatRequest): Promise<ChatResponse> {
    const body: Record<string, unknown> = {
      model: this.model,
      max_tokens: req.maxTokens,
      messages: toMessages(req),
      ...(req.system ? { system: req.system } : {}),
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(req.tools?.length ? { tools: req.tools.map((t) => ({ name: t.name, description: t.description, input_schema: t.parameters })) } : {}),
      ...(req.tools?.length && req.toolChoice ? { tool_choice: toChoice(req.toolChoice) } : {}),
    };
    // The SDK's typed overloads do not accept a dynamic body; the wire format is what matters here.
    const create = this.client.messages.create.bind(this.client.messages) as unknown as (b: Record<string, unknown>, o: object) => Promise<unknown>;
    return withRetries(NAME, this.o, req.signal, async (signal) => {
      const opts = { signal };
      if (req.stream) return this.assemble((await create({ ...body, stream: true }, opts)) as AsyncIterable<StreamEvent>, signal);
      const r = (await create(body, opts)) as { content?: unknown; usage?: { input_tokens?: number; output_tokens?: number }; model?: string; stop_reason?: string };
      if (!r || !Array.isArray(r.content)) throw malformed(NAME, 'no content array');
      let text = '';
      const toolCalls: ToolCall[] = [];
      for (const b of r.content as Array<{ type: string; text?: string; id?: string; name?: string; input?: unknown }>) {
        if (b.type === 'text') text += b.text ?? '';
        else if (b.type === 'tool_use') {
          const input = b.input && typeof b.input === 'object' && !Array.isArray(b.input) ? (b.input as Record<string, unknown>) : null;
          toolCalls.push({ id: b.id ?? `toolu_${toolCalls.length}`, name: b.name ?? '', arguments: input ?? {}, ...(input ? {} : { argumentsError: 'input is not an object' }) });
        }
      }
      const usage = { inputTokens: r.usage?.input_tokens ?? 0, outputTokens: r.usage?.output_tokens ?? 0 };
      return chatResponse(this.model, text, toolCalls, usage, r.model, r.stop_reason);
    });
  }

  private async assemble(stream: AsyncIterable<StreamEvent>, signal?: AbortSignal): Promise<ChatResponse> {
    let text = '';
    let model: string | undefined;
    let stop: string | undefined;
    let stopped = false;
    const usage = { inputTokens: 0, outputTokens: 0 };
    const blocks = new Map<number, { kind: 'text' | 'tool'; id: string; name: string; json: string }>();
    for await (const ev of stream) {
      if (!ev || typeof ev !== 'object' || typeof ev.type !== 'string') throw malformed(NAME, 'a stream event has no type');
      switch (ev.type) {
        case 'message_start':
          model = ev.message?.model;
          usage.inputTokens = ev.message?.usage?.input_tokens ?? 0;
          usage.outputTokens = ev.message?.usage?.output_tokens ?? 0;
          break;
        case 'content_block_start': {
          const b = ev.content_block;
          if (!b || ev.index === undefined) throw malformed(NAME, 'content_block_start without a block');
          if (b.type === 'tool_use') blocks.set(ev.index, { kind: 'tool', id: b.id ?? '', name: b.name ?? '', json: '' });
          else if (b.type === 'text') {
            blocks.set(ev.index, { kind: 'text', id: '', name: '', json: '' });
            text += b.text ?? '';
          }
          break;
        }
        case 'content_block_delta': {
          const d = ev.delta;
          if (d?.type === 'text_delta') text += d.text ?? '';
          else if (d?.type === 'input_json_delta') {
            const b = blocks.get(ev.index ?? -1);
            if (!b || b.kind !== 'tool') throw malformed(NAME, 'input_json_delta for an unknown block');
            b.json += d.partial_json ?? '';
          }
          break;
        }
        case 'message_delta':
          if (ev.delta?.stop_reason) stop = ev.delta.stop_reason;
          if (ev.usage?.output_tokens !== undefined) usage.outputTokens = ev.usage.output_tokens;
          if (typeof ev.usage?.input_tokens === 'number') usage.inputTokens = ev.usage.input_tokens;
          break;
        case 'message_stop':
          stopped = true;
          break;
        case 'error':
          throw malformed(NAME, `stream error: ${ev.error?.message ?? ev.error?.type ?? 'unknown'}`);
        default:
          break; // ping, content_block_stop, future events
      }
    }
    if (signal?.aborted) throw new CancelledError(`${NAME}: stream interrupted`);
    if (!stopped) throw malformed(NAME, 'the stream ended before message_stop');
    const toolCalls: ToolCall[] = [...blocks.entries()]
      .filter(([, b]) => b.kind === 'tool')
      .sort((a, b) => a[0] - b[0])
      .map(([i, b]) => ({ id: b.id || `toolu_${i}`, name: b.name, ...parseArguments(b.json) }));
    return chatResponse(this.model, text, toolCalls, usage, model, stop);
  }
}
