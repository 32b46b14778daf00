// OpenAI-compatible chat completions (OpenAI, DeepSeek, Groq, vLLM, llama.cpp …) through the `openai` SDK.
import OpenAI from 'openai';
import type { ChatCompletionChunk, ChatCompletionMessageParam, ChatCompletionTool, ChatCompletionToolChoiceOption } from 'openai/resources/chat/completions';
import { CancelledError } from '../../core/errors.js';
import type { ChatRequest, ChatResponse, ToolCall, ToolChoice } from '../types.js';
import { chatResponse, malformed, parseArguments, SdkProvider, sdkOptions, withRetries } from './common.js';

const NAME = 'openai_compatible';

function toMessages(req: ChatRequest): ChatCompletionMessageParam[] {
  const out: ChatCompletionMessageParam[] = [];
  if (req.system) out.push({ role: 'system', content: req.system });
  for (const m of req.messages) {
    if (m.role === 'user') out.push({ role: 'user', content: m.content });
    else if (m.role === 'tool') out.push({ role: 'tool', tool_call_id: m.toolCallId, content: m.content });
    else {
      out.push({
        role: 'assistant',
        content: m.content || null,
        ...(m.toolCalls?.length
          ? { tool_calls: m.toolCalls.map((c) => ({ id: c.id, type: 'function' as const, function: { name: c.name, arguments: JSON.stringify(c.arguments) } })) }
          : {}),
      });
    }
  }
  return out;
}

function toChoice(c: ToolChoice): ChatCompletionToolChoiceOption {
  if (typeof c === 'string') return c;
  return { type: 'function', function: { name: c.name } };
}

export class OpenAiCompatibleProvider extends SdkProvider {
  readonly name = NAME;
  private readonly client = new OpenAI(sdkOptions(this.o));

  chat(req: ChatRequest): Promise<ChatResponse> {
    const tools: ChatCompletionTool[] | undefined = req.tools?.length
      ? req.tools.map((t) => ({ type: 'function', function: { name: t.name, description: t.description, parameters: t.parameters } }))
      : undefined;
    const body = {
      model: this.model,
      messages: toMessages(req),
      max_tokens: req.maxTokens,
      ...(req.temperature !== undefined ? { temperature: req.temperature } : {}),
      ...(tools ? { tools } : {}),
      ...(tools && req.toolChoice ? { tool_choice: toChoice(req.toolChoice) } : {}),
    };
    return withRetries(NAME, this.o, req.signal, async (signal) => {
      const opts = { signal };
      if (req.stream) {
        const stream = await this.client.chat.completions.create({ ...body, stream: true, stream_options: { include_usage: true } }, opts);
        return this.assemble(stream, signal);
      }
      const r = await this.client.chat.completions.create({ ...body, stream: false }, opts);
      const choice = r.choices?.[0];
      if (!choice || !choice.message) throw malformed(NAME, 'no choices[0].message');
      const toolCalls: ToolCall[] = [];
      for (const c of choice.message.tool_calls ?? []) {
        if (c.type !== 'function') continue;
        toolCalls.push({ id: c.id, name: c.function.name, ...parseArguments(c.function.arguments) });
      }
      const usage = { inputTokens: r.usage?.prompt_tokens ?? 0, outputTokens: r.usage?.completion_tokens ?? 0 };
      return chatResponse(this.model, choice.message.content ?? '', toolCalls, usage, r.model, choice.finish_reason ?? undefined);
    });
  }

  private async assemble(stream: AsyncIterable<ChatCompletionChunk>, signal?: AbortSignal): Promise<ChatResponse> {
    let content = '';
    let model: string | undefined;
    let stop: string | undefined;
    const usage = { inputTokens: 0, outputTokens: 0 };
    const calls = new Map<number, { id: string; name: string; args: string }>();
    let chunks = 0;
    for await (const chunk of stream) {
      chunks++;
      if (!chunk || typeof chunk !== 'object') throw malformed(NAME, 'a stream chunk is not an object');
      model ??= chunk.model;
      if (chunk.usage) {
        usage.inputTokens = chunk.usage.prompt_tokens ?? 0;
        usage.outputTokens = chunk.usage.completion_tokens ?? 0;
      }
      for (const choice of chunk.choices ?? []) {
        if (choice.index !== 0) continue;
        const d = choice.delta ?? {};
        if (typeof d.content === 'string') content += d.content;
        for (const tc of d.tool_calls ?? []) {
          const cur = calls.get(tc.index) ?? { id: '', name: '', args: '' };
          if (tc.id) cur.id = tc.id;
          if (tc.function?.name) cur.name += tc.function.name;
          if (tc.function?.arguments) cur.args += tc.function.arguments;
          calls.set(tc.index, cur);
        }
        if (choice.finish_reason) stop = choice.finish_reason;
      }
    }
    if (signal?.aborted) throw new CancelledError(`${NAME}: stream interrupted`);
    if (chunks === 0) throw malformed(NAME, 'empty stream');
    const toolCalls = [...calls.entries()].sort((a, b) => a[0] - b[0]).map(([i, c]) => {
      if (!c.name) throw malformed(NAME, `tool call ${i} has no name`);
      return { id: c.id || `call_${i}`, name: c.name, ...parseArguments(c.args) };
    });
    return chatResponse(this.model, content, toolCalls, usage, model, stop);
  }
}
