// One stage's conversation: the model calls tools until it answers; the answer must be JSON that fits a
// schema (and an optional check). A bad answer is sent back once with the errors, then dropped. The
// context is kept under a token budget (≈ chars/4) by compacting the oldest tool outputs first.
import { throwIfAborted } from '../core/errors.js';
import { scrubSecrets } from '../core/secrets.js';
import { extractJson, validate } from './schema.js';
import { runTool, type AgentTool, type ToolContext } from './tools.js';
import type { ChatMessage, JsonSchema, LlmProvider, Usage } from './types.js';

export interface LoopOptions<T> {
  provider: LlmProvider;
  system: string;
  /** the task */
  prompt: string;
  tools: AgentTool[];
  ctx: ToolContext;
  /** the final answer's JSON schema */
  schema: JsonSchema;
  /** extra checks on a schema-valid answer: error messages (empty = accepted) */
  check?: (value: T) => string[] | Promise<string[]>;
  maxTurns?: number;
  /** context budget in tokens (≈ chars/4) */
  contextTokens?: number;
  maxTokens?: number;
  temperature?: number;
  stream?: boolean;
  /** per tool output, characters */
  toolOutputCap?: number;
}

export interface LoopResult<T> {
  /** the validated answer, or null when the model gave none that fits (see error) */
  output: T | null;
  error?: string;
  turns: number;
  toolCalls: number;
  usage: Usage;
  /** USD, undefined when any call had an unknown price */
  costUsd: number | undefined;
  messages: ChatMessage[];
  /** how many messages were compacted to stay within the budget */
  compacted: number;
}

export function estimateTokens(text: string): number {
  return Math.ceil(text.length / 4);
}

function messageChars(m: ChatMessage): number {
  if (m.role === 'assistant') return m.content.length + JSON.stringify(m.toolCalls ?? []).length;
  return m.content.length;
}

/**
 * Shrinks the conversation in place until it fits: first the oldest tool outputs are cut to a short
 * summary (head + size), then older assistant texts; the first message (the task) and the last two stay
 * whole. Returns how many messages were changed.
 */
export function compact(messages: ChatMessage[], fixedChars: number, budgetTokens: number): number {
  const total = () => fixedChars + messages.reduce((s, m) => s + messageChars(m), 0);
  let changed = 0;
  const protectedFrom = Math.max(1, messages.length - 2);
  for (const pass of ['tool', 'assistant'] as const) {
    for (let i = 1; i < protectedFrom && Math.ceil(total() / 4) > budgetTokens; i++) {
      const m = messages[i]!;
      if (m.role !== pass || m.content.startsWith('[compacted')) continue;
      if (m.content.length <= 240) continue;
      const head = m.content.slice(0, 160).replace(/\s+/g, ' ');
      m.content = `[compacted: ${m.content.length} chars; began: ${head}…]`;
      changed++;
    }
  }
  return changed;
}

export async function runLoop<T>(o: LoopOptions<T>): Promise<LoopResult<T>> {
  const maxTurns = o.maxTurns ?? 8;
  const budget = o.contextTokens ?? 32_000;
  const messages: ChatMessage[] = [{ role: 'user', content: o.prompt }];
  const specs = o.tools.map(({ name, description, parameters }) => ({ name, description, parameters }));
  const fixedChars = o.system.length + JSON.stringify(specs).length;
  const usage: Usage = { inputTokens: 0, outputTokens: 0 };
  let cost: number | undefined = 0;
  let turns = 0;
  let toolCalls = 0;
  let compacted = 0;
  let retried = false;
  const result = (output: T | null, error?: string): LoopResult<T> => ({ output, ...(error ? { error } : {}), turns, toolCalls, usage, costUsd: cost, messages, compacted });

  while (turns < maxTurns) {
    throwIfAborted(o.ctx.signal);
    compacted += compact(messages, fixedChars, budget);
    const need = Math.ceil((fixedChars + messages.reduce((s, m) => s + messageChars(m), 0)) / 4);
    if (need > budget) return result(null, `context budget exceeded: about ${need} tokens needed, ${budget} allowed`);
    // on the last turn the model must answer: no more tools
    const last = turns === maxTurns - 1;
    const r = await o.provider.chat({
      system: o.system, messages: messages.map((m) => ({ ...m })), tools: specs, toolChoice: last ? 'none' : 'auto',
      maxTokens: o.maxTokens ?? 2000, ...(o.temperature !== undefined ? { temperature: o.temperature } : {}),
      ...(o.ctx.signal ? { signal: o.ctx.signal } : {}), ...(o.stream ? { stream: true } : {}),
    });
    turns++;
    usage.inputTokens += r.usage.inputTokens;
    usage.outputTokens += r.usage.outputTokens;
    cost = cost === undefined || r.costUsd === undefined ? undefined : cost + r.costUsd;
    const content = scrubSecrets(r.content);
    if (r.toolCalls.length && !last) {
      messages.push({ role: 'assistant', content, toolCalls: r.toolCalls });
      for (const c of r.toolCalls) {
        toolCalls++;
        const out = c.argumentsError
          ? { output: `error: ${c.argumentsError}` }
          : await runTool(o.tools, c.name, c.arguments, o.ctx, o.toolOutputCap);
        messages.push({ role: 'tool', toolCallId: c.id, name: c.name, content: scrubSecrets(out.output) });
      }
      continue;
    }
    messages.push({ role: 'assistant', content });
    const parsed = extractJson(content);
    let errors: string[];
    if ('error' in parsed) errors = [parsed.error];
    else {
      errors = validate(o.schema, parsed.value);
      if (!errors.length && o.check) errors = await o.check(parsed.value as T);
      if (!errors.length) return result(parsed.value as T);
    }
    if (retried || turns >= maxTurns) return result(null, `invalid answer dropped: ${errors.join('; ')}`);
    retried = true;
    messages.push({ role: 'user', content: `Your answer was not accepted: ${errors.join('; ')}. Answer again with only the JSON object, fixed.` });
  }
  return result(null, `no answer within ${maxTurns} turns`);
}
