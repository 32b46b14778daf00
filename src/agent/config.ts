// `.sysight/config.yaml`: one LLM configuration per stage (analyze, optimize, learn). `provider: none`
// (the default) keeps a stage deterministic. Keys are `$ENV_VAR` references, never literals.
//
//   analyze:
//     provider: openai_compatible      # openai_compatible | anthropic | replay | none
//     model: gpt-4o-mini
//     base_url: https://api.openai.com/v1
//     api_key: $OPENAI_API_KEY
//     temperature: 0
//     max_tokens: 2000
//     timeout_s: 120
//     max_turns: 8
//     context_tokens: 32000
//     stream: false
//     record: .sysight/transcripts     # optional: record every exchange for replay
//   optimize: { provider: replay, path: .sysight/transcripts }
//
// Environment overrides (the benchmark uses them; they win over the file for the stages they name):
//   SYSIGHT_LLM_PROVIDER, SYSIGHT_LLM_MODEL, SYSIGHT_LLM_BASE_URL, SYSIGHT_LLM_API_KEY, SYSIGHT_LLM_STAGES
//   (comma list, default all), SYSIGHT_LLM_RECORD (dir), SYSIGHT_LLM_REPLAY (dir: provider replay).
import { existsSync, readFileSync } from 'node:fs';
import { isAbsolute, join, resolve } from 'node:path';
import { parse } from 'yaml';
import { UserError } from '../core/errors.js';
import { registerSecret } from '../core/secrets.js';
import { SYSIGHT_DIR } from '../core/run.js';

export const STAGES = ['analyze', 'optimize', 'learn'] as const;
export type Stage = (typeof STAGES)[number];
export const PROVIDERS = ['openai_compatible', 'anthropic', 'replay', 'none'] as const;
export type ProviderKind = (typeof PROVIDERS)[number];

export interface StageConfig {
  stage: Stage;
  provider: ProviderKind;
  model: string;
  baseUrl?: string;
  /** the resolved key (never logged; registered with scrubSecrets) */
  apiKey?: string;
  /** the variable it came from, for messages */
  apiKeyEnv?: string;
  temperature: number;
  maxTokens: number;
  timeoutS: number;
  maxRetries: number;
  maxTurns: number;
  contextTokens: number;
  stream: boolean;
  /** absolute directory to record transcripts to */
  record?: string;
  /** absolute directory of transcripts (provider replay) */
  path?: string;
}

export type AgentConfig = Record<Stage, StageConfig>;

export function configPath(repo: string): string {
  return join(repo, SYSIGHT_DIR, 'config.yaml');
}

const KEYS = new Set(['provider', 'model', 'base_url', 'api_key', 'temperature', 'max_tokens', 'timeout_s', 'max_retries', 'max_turns', 'context_tokens', 'stream', 'record', 'path']);

function defaults(stage: Stage): StageConfig {
  return { stage, provider: 'none', model: '', temperature: 0, maxTokens: 2000, timeoutS: 120, maxRetries: 4, maxTurns: 8, contextTokens: 32_000, stream: false };
}

function num(where: string, v: unknown, lo: number, hi: number): number {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < lo || v > hi) throw new UserError(`${where} must be a number between ${lo} and ${hi}`);
  return v;
}

function str(where: string, v: unknown): string {
  if (typeof v !== 'string' || !v.trim()) throw new UserError(`${where} must be a non-empty string`);
  return v.trim();
}

/** `$NAME` or `${NAME}` → the variable's value. A literal key is refused. */
export function resolveKeyRef(where: string, v: unknown, env: NodeJS.ProcessEnv): { key: string; env: string } {
  const s = str(where, v);
  const m = /^\$(?:\{([A-Za-z_][A-Za-z0-9_]*)\}|([A-Za-z_][A-Za-z0-9_]*))$/.exec(s);
  if (!m) throw new UserError(`${where}: a literal key is not allowed in the config file; put it in an environment variable and write api_key: "$MY_KEY_VAR"`);
  const name = (m[1] ?? m[2])!;
  const key = env[name];
  if (!key) throw new UserError(`${where}: environment variable ${name} is not set`);
  registerSecret(key);
  return { key, env: name };
}

function dir(repo: string, v: unknown, where: string): string {
  const s = str(where, v);
  return isAbsolute(s) ? s : resolve(repo, s);
}

function parseStage(repo: string, stage: Stage, raw: unknown, env: NodeJS.ProcessEnv): StageConfig {
  const c = defaults(stage);
  if (raw === undefined || raw === null) return c;
  if (typeof raw !== 'object' || Array.isArray(raw)) throw new UserError(`${stage}: expected a mapping (provider, model, …)`);
  const r = raw as Record<string, unknown>;
  for (const k of Object.keys(r)) if (!KEYS.has(k)) throw new UserError(`${stage}.${k}: unknown setting (known: ${[...KEYS].join(', ')})`);
  const p = r.provider ?? 'none';
  if (typeof p !== 'string' || !(PROVIDERS as readonly string[]).includes(p)) throw new UserError(`${stage}.provider must be one of ${PROVIDERS.join(', ')}`);
  c.provider = p as ProviderKind;
  if (r.temperature !== undefined) c.temperature = num(`${stage}.temperature`, r.temperature, 0, 2);
  if (r.max_tokens !== undefined) c.maxTokens = Math.floor(num(`${stage}.max_tokens`, r.max_tokens, 1, 1_000_000));
  if (r.timeout_s !== undefined) c.timeoutS = num(`${stage}.timeout_s`, r.timeout_s, 0.1, 3600);
  if (r.max_retries !== undefined) c.maxRetries = Math.floor(num(`${stage}.max_retries`, r.max_retries, 0, 10));
  if (r.max_turns !== undefined) c.maxTurns = Math.floor(num(`${stage}.max_turns`, r.max_turns, 1, 100));
  if (r.context_tokens !== undefined) c.contextTokens = Math.floor(num(`${stage}.context_tokens`, r.context_tokens, 1000, 10_000_000));
  if (r.stream !== undefined) {
    if (typeof r.stream !== 'boolean') throw new UserError(`${stage}.stream must be true or false`);
    c.stream = r.stream;
  }
  if (c.provider === 'none') return c;
  if (r.record !== undefined) c.record = dir(repo, r.record, `${stage}.record`);
  if (c.provider === 'replay') {
    c.path = dir(repo, r.path ?? '.sysight/transcripts', `${stage}.path`);
    c.model = typeof r.model === 'string' && r.model.trim() ? r.model.trim() : 'replay';
    return c;
  }
  c.model = str(`${stage}.model`, r.model);
  if (r.base_url !== undefined) {
    const u = str(`${stage}.base_url`, r.base_url);
    if (!/^https?:\/\/[^\s]+$/.test(u)) throw new UserError(`${stage}.base_url must be an http(s) URL`);
    c.baseUrl = u;
  }
  if (r.api_key !== undefined) {
    const k = resolveKeyRef(`${stage}.api_key`, r.api_key, env);
    c.apiKey = k.key;
    c.apiKeyEnv = k.env;
  } else if (!c.baseUrl) {
    throw new UserError(`${stage}.api_key is required for ${c.provider} without a base_url (write api_key: "$MY_KEY_VAR")`);
  }
  return c;
}

function applyEnv(repo: string, cfg: AgentConfig, env: NodeJS.ProcessEnv): void {
  const replay = env.SYSIGHT_LLM_REPLAY;
  const provider = replay ? 'replay' : env.SYSIGHT_LLM_PROVIDER;
  if (!provider) return;
  const stages = (env.SYSIGHT_LLM_STAGES ?? STAGES.join(',')).split(',').map((s) => s.trim()).filter(Boolean);
  for (const s of stages) {
    if (!(STAGES as readonly string[]).includes(s)) throw new UserError(`SYSIGHT_LLM_STAGES: unknown stage ${s} (known: ${STAGES.join(', ')})`);
    const raw: Record<string, unknown> = { provider };
    if (replay) raw.path = replay;
    if (env.SYSIGHT_LLM_MODEL) raw.model = env.SYSIGHT_LLM_MODEL;
    if (env.SYSIGHT_LLM_BASE_URL) raw.base_url = env.SYSIGHT_LLM_BASE_URL;
    if (env.SYSIGHT_LLM_API_KEY) raw.api_key = '$SYSIGHT_LLM_API_KEY';
    if (env.SYSIGHT_LLM_RECORD) raw.record = env.SYSIGHT_LLM_RECORD;
    const prev = cfg[s as Stage];
    const next = parseStage(repo, s as Stage, raw, env);
    cfg[s as Stage] = { ...next, temperature: prev.temperature, maxTokens: prev.maxTokens, timeoutS: prev.timeoutS, maxRetries: prev.maxRetries, maxTurns: prev.maxTurns, contextTokens: prev.contextTokens, stream: prev.stream };
  }
}

/** Reads `.sysight/config.yaml` (absent → every stage `none`) and the SYSIGHT_LLM_* overrides. */
export function loadAgentConfig(repo: string, env: NodeJS.ProcessEnv = process.env): AgentConfig {
  const file = configPath(repo);
  let doc: unknown = {};
  if (existsSync(file)) {
    try {
      doc = parse(readFileSync(file, 'utf8')) ?? {};
    } catch (e) {
      throw new UserError(`${file}: invalid YAML: ${(e as Error).message.split('\n')[0]}`);
    }
    if (typeof doc !== 'object' || Array.isArray(doc)) throw new UserError(`${file}: expected a mapping with analyze / optimize / learn`);
  }
  const d = doc as Record<string, unknown>;
  for (const k of Object.keys(d)) if (!(STAGES as readonly string[]).includes(k)) throw new UserError(`${file}: unknown section ${k} (known: ${STAGES.join(', ')})`);
  const cfg = {} as AgentConfig;
  for (const s of STAGES) {
    try {
      cfg[s] = parseStage(repo, s, d[s], env);
    } catch (e) {
      if (e instanceof UserError) throw new UserError(`${existsSync(file) ? file : 'config'}: ${e.message}`);
      throw e;
    }
  }
  applyEnv(repo, cfg, env);
  return cfg;
}

/** A one-line description without the key: "openai_compatible gpt-4o-mini @ http://… (key from $OPENAI_API_KEY)". */
export function describeStage(c: StageConfig): string {
  if (c.provider === 'none') return 'none (deterministic)';
  if (c.provider === 'replay') return `replay from ${c.path}`;
  return `${c.provider} ${c.model}${c.baseUrl ? ` @ ${c.baseUrl}` : ''}${c.apiKeyEnv ? ` (key from $${c.apiKeyEnv})` : ''}${c.record ? `, recording to ${c.record}` : ''}`;
}
