// StageConfig → LlmProvider (or null for `provider: none`).
import type { StageConfig } from '../config.js';
import type { LlmProvider } from '../types.js';
import { AnthropicProvider } from './anthropic.js';
import { OpenAiCompatibleProvider } from './openai.js';
import { RecordingProvider, ReplayProvider } from './replay.js';

export { AnthropicProvider } from './anthropic.js';
export { OpenAiCompatibleProvider } from './openai.js';
export { RecordingProvider, ReplayProvider, requestHash, stableStringify } from './replay.js';
export { costOf, priceLabel, PRICES, type HttpProviderOptions } from './common.js';

export function createProvider(c: StageConfig): LlmProvider | null {
  if (c.provider === 'none') return null;
  if (c.provider === 'replay') return new ReplayProvider(c.path!, c.stage, c.model === 'replay' ? undefined : c.model);
  const o = { model: c.model, timeoutS: c.timeoutS, maxRetries: c.maxRetries, ...(c.apiKey ? { apiKey: c.apiKey } : {}), ...(c.baseUrl ? { baseUrl: c.baseUrl } : {}) };
  const p: LlmProvider = c.provider === 'anthropic' ? new AnthropicProvider(o) : new OpenAiCompatibleProvider(o);
  return c.record ? new RecordingProvider(p, c.record, c.stage) : p;
}
