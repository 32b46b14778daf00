// Transcripts: record every exchange to `.sysight/transcripts/<stage>-<hash>.jsonl`, replay it offline by
// the request's hash, so LLM runs and benchmarks are reproducible.
import { appendFileSync, existsSync, mkdirSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/errors.js';
import { sha256Hex } from '../../core/hash.js';
import { readJsonLines } from '../../core/json-lines.js';
import { scrubSecrets } from '../../core/secrets.js';
import type { ChatRequest, ChatResponse, LlmProvider } from '../types.js';

/** JSON with sorted keys, so equal requests hash equally. */
export function stableStringify(v: unknown): string {
  if (v === null || typeof v !== 'object') return JSON.stringify(v) ?? 'null';
  if (Array.isArray(v)) return `[${v.map(stableStringify).join(',')}]`;
  const o = v as Record<string, unknown>;
  return `{${Object.keys(o).filter((k) => o[k] !== undefined).sort().map((k) => `${JSON.stringify(k)}:${stableStringify(o[k])}`).join(',')}}`;
}

/** What the model sees decides the hash (not the model name, temperature or transport). */
export function requestHash(req: ChatRequest): string {
  return sha256Hex(stableStringify({ system: req.system, messages: req.messages, tools: req.tools ?? [], toolChoice: req.toolChoice ?? 'auto' })).slice(0, 16);
}

export interface TranscriptLine {
  hash: string;
  stage: string;
  provider: string;
  model: string;
  request: { system: string; messages: ChatRequest['messages']; tools: ChatRequest['tools']; toolChoice?: ChatRequest['toolChoice']; maxTokens: number; temperature?: number };
  response: ChatResponse;
}

export class RecordingProvider implements LlmProvider {
  readonly name: string;
  readonly model: string;
  constructor(private inner: LlmProvider, private dir: string, private stage: string) {
    this.name = inner.name;
    this.model = inner.model;
  }

  async chat(req: ChatRequest): Promise<ChatResponse> {
    const response = await this.inner.chat(req);
    const hash = requestHash(req);
    const line: TranscriptLine = {
      hash, stage: this.stage, provider: this.inner.name, model: this.inner.model,
      request: { system: req.system, messages: req.messages, tools: req.tools, ...(req.toolChoice ? { toolChoice: req.toolChoice } : {}), maxTokens: req.maxTokens, ...(req.temperature !== undefined ? { temperature: req.temperature } : {}) },
      response,
    };
    mkdirSync(this.dir, { recursive: true });
    appendFileSync(join(this.dir, `${this.stage}-${hash}.jsonl`), scrubSecrets(JSON.stringify(line)) + '\n');
    return response;
  }
}

export class ReplayProvider implements LlmProvider {
  readonly name = 'replay';
  private byHash: Map<string, ChatResponse> | null = null;
  private recordedModel: string | null = null;
  /** `model` given in the config, else the model the transcripts were recorded with */
  constructor(private dir: string, private stage: string, private configuredModel?: string) {}

  get model(): string {
    if (this.configuredModel) return this.configuredModel;
    try {
      this.load();
    } catch {
      /* reported by chat() */
    }
    return this.recordedModel ?? 'replay';
  }

  private load(): Map<string, ChatResponse> {
    if (this.byHash) return this.byHash;
    if (!existsSync(this.dir)) throw new UserError(`replay: no transcripts directory ${this.dir} (record first: set record: in .sysight/config.yaml)`);
    const m = new Map<string, ChatResponse>();
    for (const f of readdirSync(this.dir).filter((f) => f.startsWith(`${this.stage}-`) && f.endsWith('.jsonl')).sort()) {
      for (const l of readJsonLines<Partial<TranscriptLine>>(join(this.dir, f), () => true)) {
        if (typeof l.hash === 'string' && l.response && typeof l.response.content === 'string') m.set(l.hash, l.response);
        if (typeof l.model === 'string') this.recordedModel ??= l.model;
      }
    }
    this.byHash = m;
    return m;
  }

  async chat(req: ChatRequest): Promise<ChatResponse> {
    const hash = requestHash(req);
    const r = this.load().get(hash);
    if (!r) throw (new UserError(`replay: no recorded ${this.stage} response for request ${hash} in ${this.dir} (the prompt, tools or inputs changed since recording; record again)`));
    return { ...r, costUsd: 0 };
  }
}
