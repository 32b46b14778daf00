// What the HTTP providers share: SDK client options, retries with backoff, error wording, price table, argument
// parsing, the neutral response.
import { CancelledError, UserError } from '../../core/errors.js';
import { scrubSecrets } from '../../core/secrets.js';
import type { ChatRequest, ChatResponse, LlmProvider, ToolCall, Usage } from '../types.js';

export interface HttpProviderOptions {
  model: string;
  apiKey?: string;
  baseUrl?: string;
  /** per request, seconds (default 120) */
  timeoutS?: number;
  /** retries after the first attempt on 429 / 5xx / network errors (default 4) */
  maxRetries?: number;
  /** first backoff delay in ms (default 500); doubles each retry, with jitter */
  backoffMs?: number;
  /** longest wait honoured from Retry-After, ms (default 60 000) */
  maxRetryAfterMs?: number;
}

/** USD per million tokens (input, output). Prefix match on the model name, longest first. */
export const PRICES: Record<string, { input: number; output: number }> = {
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4.1': { input: 2, output: 8 },
  'o4-mini': { input: 1.1, output: 4.4 },
  'o3': { input: 2, output: 8 },
  'deepseek-chat': { input: 0.27, output: 1.1 },
  'deepseek-reasoner': { input: 0.55, output: 2.19 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'claude-3-5-sonnet': { input: 3, output: 15 },
  'claude-3-7-sonnet': { input: 3, output: 15 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-opus-4': { input: 15, output: 75 },
  'claude-haiku-4': { input: 1, output: 5 },
};

/** Cost in USD, or undefined when the model is not in the price table ("unknown price"). */
export function costOf(model: string, u: Usage): number | undefined {
  const key = Object.keys(PRICES).sort((a, b) => b.length - a.length).find((k) => model === k || model.startsWith(k + '-') || model.startsWith(k));
  if (!key) return undefined;
  const p = PRICES[key]!;
  return (u.inputTokens * p.input + u.outputTokens * p.output) / 1e6;
}

export function priceLabel(model: string, costUsd: number | undefined): string {
  return costUsd === undefined ? `unknown price for ${model}` : `$${costUsd.toFixed(4)}`;
}

/** The bits of an SDK error we look at (both SDKs' APIError have these). */
interface SdkErrorLike {
  name?: string;
  status?: number;
  headers?: Headers | Record<string, string> | undefined;
  message?: string;
  error?: unknown;
}

function header(h: SdkErrorLike['headers'], name: string): string | null {
  if (!h) return null;
  if (typeof (h as Headers).get === 'function') return (h as Headers).get(name);
  const rec = h as Record<string, string>;
  return rec[name] ?? rec[name.toLowerCase()] ?? null;
}

/** Retry-After (seconds or an HTTP date; also retry-after-ms) → ms, or null. */
export function retryAfterMs(h: SdkErrorLike['headers'], now = Date.now()): number | null {
  const ms = header(h, 'retry-after-ms');
  if (ms && /^\d+(\.\d+)?$/.test(ms)) return Number(ms);
  const v = header(h, 'retry-after');
  if (!v) return null;
  if (/^\d+(\.\d+)?$/.test(v.trim())) return Number(v) * 1000;
  const t = Date.parse(v);
  return Number.isNaN(t) ? null : Math.max(0, t - now);
}

export type ErrorKind = 'abort' | 'timeout' | 'connection' | 'status' | 'other';

export function classify(e: unknown): { kind: ErrorKind; status?: number } {
  const err = e as SdkErrorLike;
  const names = [(e as object)?.constructor?.name, err?.name];
  const is = (n: string) => names.includes(n);
  if (is('APIUserAbortError') || is('AbortError') || e instanceof CancelledError) return { kind: 'abort' };
  if (is('APIConnectionTimeoutError')) return { kind: 'timeout' };
  if (is('APIConnectionError')) return { kind: 'connection' };
  if (typeof err?.status === 'number') return { kind: 'status', status: err.status };
  return { kind: 'other' };
}

export function retryable(c: { kind: ErrorKind; status?: number }): boolean {
  if (c.kind === 'timeout' || c.kind === 'connection') return true;
  if (c.kind !== 'status') return false;
  return c.status === 408 || c.status === 409 || c.status === 429 || (c.status! >= 500 && c.status! < 600);
}

/** The server's own message, one line, secrets scrubbed, never the key. */
function serverMessage(e: unknown, apiKey?: string): string {
  const err = e as SdkErrorLike;
  let msg = '';
  const body = err?.error as { error?: { message?: unknown }; message?: unknown } | undefined;
  if (body && typeof body === 'object') {
    const m = (body.error && typeof body.error === 'object' ? body.error.message : undefined) ?? body.message;
    if (typeof m === 'string') msg = m;
  }
  if (!msg) msg = (err?.message ?? String(e)).replace(/^\d{3}\s+/, '');
  msg = msg.split('\n')[0]!.trim();
  if (apiKey && apiKey.length >= 4) msg = msg.split(apiKey).join('[redacted]');
  return scrubSecrets(msg).slice(0, 300);
}

/** One-line UserError: "anthropic: 401 invalid x-api-key". */
export function toUserError(provider: string, e: unknown, apiKey?: string, timeoutS?: number): Error {
  if (e instanceof UserError || e instanceof CancelledError) return e;
  const c = classify(e);
  if (c.kind === 'abort') return new CancelledError(`${provider}: request cancelled`);
  if (c.kind === 'timeout') return new UserError(`${provider}: request timed out${timeoutS ? ` after ${timeoutS} s` : ''}`);
  if (c.kind === 'connection') return new UserError(`${provider}: cannot connect: ${serverMessage(e, apiKey)}`);
  if (c.kind === 'status') return new UserError(`${provider}: ${c.status} ${serverMessage(e, apiKey)}`);
  if (e instanceof SyntaxError) return new UserError(`${provider}: malformed response: ${serverMessage(e, apiKey)}`);
  return new UserError(`${provider}: ${serverMessage(e, apiKey)}`);
}

function sleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) return reject(new CancelledError());
    const t = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    const onAbort = () => {
      clearTimeout(t);
      reject(new CancelledError());
    };
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}

/** Backoff before retry `attempt` (0-based): Retry-After when given (capped), else base·2^n with full jitter. */
export function backoffDelay(attempt: number, e: unknown, o: HttpProviderOptions, rand = Math.random): number {
  const ra = retryAfterMs((e as SdkErrorLike)?.headers);
  if (ra !== null) return Math.min(ra, o.maxRetryAfterMs ?? 60_000);
  const base = (o.backoffMs ?? 500) * 2 ** attempt;
  return Math.min(30_000, base / 2 + rand() * (base / 2));
}

/** Thrown when the whole-request deadline (which also covers a stalled stream) passes. */
class RequestDeadline extends Error {
  override readonly name = 'APIConnectionTimeoutError';
}

/**
 * Runs `call` with retries on 429 / 5xx / timeouts / connection errors; no retry on other 4xx. Each attempt
 * gets its own signal that fires on the caller's abort or when `timeoutS` passes (so a stream that stops
 * sending mid-way times out too).
 */
export async function withRetries<T>(provider: string, o: HttpProviderOptions, signal: AbortSignal | undefined, call: (attempt: AbortSignal) => Promise<T>): Promise<T> {
  const retries = o.maxRetries ?? 4;
  const timeoutMs = (o.timeoutS ?? 120) * 1000;
  for (let attempt = 0; ; attempt++) {
    if (signal?.aborted) throw new CancelledError(`${provider}: request cancelled`);
    const ac = new AbortController();
    let timedOut = false;
    const onAbort = () => ac.abort();
    signal?.addEventListener('abort', onAbort, { once: true });
    const timer = setTimeout(() => {
      timedOut = true;
      ac.abort();
    }, timeoutMs);
    try {
      return await call(ac.signal);
    } catch (e0) {
      const e = timedOut && !signal?.aborted ? new RequestDeadline() : e0;
      const c = classify(e);
      if (signal?.aborted || (c.kind === 'abort' && !timedOut)) throw new CancelledError(`${provider}: request cancelled`);
      if (attempt >= retries || !retryable(c)) throw toUserError(provider, e, o.apiKey, o.timeoutS ?? 120);
      await sleep(backoffDelay(attempt, e, o), signal);
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', onAbort);
    }
  }
}

/** Tool-call arguments as the model sent them (a JSON text) → an object, or an error note. */
export function parseArguments(text: string | undefined | null): { arguments: Record<string, unknown>; argumentsError?: string } {
  if (!text || !text.trim()) return { arguments: {} };
  try {
    const v = JSON.parse(text) as unknown;
    if (v && typeof v === 'object' && !Array.isArray(v)) return { arguments: v as Record<string, unknown> };
    return { arguments: {}, argumentsError: 'arguments are not a JSON object' };
  } catch (e) {
    return { arguments: {}, argumentsError: `arguments are not valid JSON: ${(e as Error).message.split('\n')[0]}` };
  }
}

/** A malformed answer (a body the SDK parsed but that lacks what the wire format promises). */
export function malformed(provider: string, what: string): UserError {
  return new UserError(`${provider}: malformed response: ${what}`);
}

/** The SDK client options both providers use: our own retries (withRetries), the configured timeout and endpoint. */
export function sdkOptions(o: HttpProviderOptions): { apiKey: string; baseURL?: string; timeout: number; maxRetries: 0 } {
  return { apiKey: o.apiKey || 'no-key', ...(o.baseUrl ? { baseURL: o.baseUrl } : {}), timeout: (o.timeoutS ?? 120) * 1000, maxRetries: 0 };
}

/** The neutral answer of one call: text, tool calls, tokens and their price under `model`, the model that answered. */
export function chatResponse(model: string, content: string, toolCalls: ToolCall[], usage: Usage, answeredBy?: string, stop?: string | null): ChatResponse {
  const cost = costOf(model, usage);
  return { content, toolCalls, usage, ...(cost !== undefined ? { costUsd: cost } : {}), ...(answeredBy ? { model: answeredBy } : {}), ...(stop ? { stopReason: stop } : {}) };
}

/** What both SDK providers hold: the configured options and model; each adds its client and wire format. */
export abstract class SdkProvider implements LlmProvider {
  abstract readonly name: string;
  readonly model: string;
  constructor(protected readonly o: HttpProviderOptions) {
    this.model = o.model;
  }
  abstract chat(req: ChatRequest): Promise<ChatResponse>;
}
