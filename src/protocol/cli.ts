// The extension ↔ CLI contract, written once and used by both sides: the command lines the extension runs
// (`sysight analyze | agent-loop | optimize`), the environment it hands the child (the LLM key never on a
// command line) and the progress lines the CLI writes on stderr. src/extension/engine.ts builds with it;
// src/cli/commands/loop.ts parses with it (test/integration/cli-contract.test.ts runs one against the other).
import type { ProgressEvent } from '../core/run.js';

/** Environment variables the CLI reads. */
export const CLI_ENV = {
  python: 'SYSIGHT_PYTHON',
  llmProvider: 'SYSIGHT_LLM_PROVIDER',
  llmModel: 'SYSIGHT_LLM_MODEL',
  llmBaseUrl: 'SYSIGHT_LLM_BASE_URL',
  llmApiKey: 'SYSIGHT_LLM_API_KEY',
} as const;

export type LlmProviderName = 'none' | 'openai_compatible' | 'anthropic';

export interface LlmEnvSettings {
  provider: LlmProviderName;
  model: string;
  baseUrl: string;
  /** handed to the child in its environment only */
  apiKey: string | undefined;
}

/** The measured-trial settings the extension passes on every loop command. */
export interface TrialSettings {
  python: string;
  /** A/B pairs before the first look of the sequential measurement */
  runs: number;
  /** wall-clock budget of each trial's measured pairs (`--trial-budget`, seconds) */
  trialBudgetSeconds?: number | undefined;
}

function budgetArgs(r: TrialSettings): string[] {
  return r.trialBudgetSeconds !== undefined ? ['--trial-budget', String(r.trialBudgetSeconds)] : [];
}

/** `--findings <id,…>`: the option that limits optimize / agent-loop to some findings. */
export const FINDINGS_OPTION = '--findings';

/** `sysight analyze <profile> --repo <repo>` */
export function analyzeArgs(r: { profile: string; repo: string }): string[] {
  return ['analyze', r.profile, '--repo', r.repo];
}

/** `sysight agent-loop --repo <repo> [--profile P] --python <py> --rounds <n> --runs <n> [--trial-budget <s>] --min-gain <x>` */
export function agentLoopArgs(r: TrialSettings & { repo: string; profile?: string | undefined; rounds: number; minGain: number }): string[] {
  return ['agent-loop', '--repo', r.repo, ...(r.profile ? ['--profile', r.profile] : []), '--python', r.python,
    '--rounds', String(r.rounds), '--runs', String(r.runs), ...budgetArgs(r), '--min-gain', String(r.minGain)];
}

/** `sysight optimize <run-id> --repo <repo> --python <py> --runs <n> [--trial-budget <s>] [--findings <id,…>]` */
export function optimizeArgs(r: TrialSettings & { runId: string; repo: string; findingIds?: readonly string[] | undefined }): string[] {
  return ['optimize', r.runId, '--repo', r.repo, '--python', r.python, '--runs', String(r.runs), ...budgetArgs(r),
    ...(r.findingIds?.length ? [FINDINGS_OPTION, formatFindingIds(r.findingIds)] : [])];
}

/** Finding ids joined for `--findings` (an id is `category|file|function|pattern|hash`: it holds no comma). */
export function formatFindingIds(ids: readonly string[]): string {
  const bad = ids.find((id) => id.includes(',') || !id.trim());
  if (bad !== undefined) throw new Error(`a finding id cannot be empty or hold a comma: "${bad}"`);
  return ids.join(',');
}

/** The ids of `--findings a,b`: trimmed, without empties or repeats; null when none is left. */
export function parseFindingIds(value: string): string[] | null {
  const ids = [...new Set(value.split(',').map((s) => s.trim()).filter(Boolean))];
  return ids.length ? ids : null;
}

/** The child's environment for a loop: the interpreter and the LLM settings (the key only here, never logged). */
export function loopEnv(python: string, llm: LlmEnvSettings): Record<string, string> {
  return { [CLI_ENV.python]: python, ...llmEnv(llm) };
}

export function llmEnv(s: LlmEnvSettings): Record<string, string> {
  const env: Record<string, string> = { [CLI_ENV.llmProvider]: s.provider };
  if (s.model) env[CLI_ENV.llmModel] = s.model;
  if (s.baseUrl) env[CLI_ENV.llmBaseUrl] = s.baseUrl;
  if (s.apiKey) env[CLI_ENV.llmApiKey] = s.apiKey;
  return env;
}

const STAGES: readonly ProgressEvent['stage'][] = ['warmup', 'profile', 'analyze', 'optimize', 'execute', 'learn', 'report'];

/** The stderr line the CLI writes for a progress event: `[stage] message`. */
export function formatProgressLine(e: ProgressEvent): string {
  return `[${e.stage}] ${e.message}`;
}

/** A stderr line of the CLI as a progress event: `[stage] message`, a JSON ProgressEvent, else the text itself. */
export function parseProgressLine(line: string): ProgressEvent | null {
  const t = line.trim();
  if (!t) return null;
  if (t.startsWith('{')) {
    try {
      const e = JSON.parse(t) as Partial<ProgressEvent>;
      if (typeof e.stage === 'string' && STAGES.includes(e.stage) && typeof e.message === 'string') {
        return { stage: e.stage, message: e.message, ...(typeof e.fraction === 'number' ? { fraction: e.fraction } : {}) };
      }
    } catch { /* plain text */ }
  }
  const staged = /^\[(\w+)\]\s*(.*)$/.exec(t);
  const stage = STAGES.find((s) => s === staged?.[1]);
  if (staged && stage) return { stage, message: staged[2] ?? '' };
  return { stage: 'analyze', message: t.replace(/^sysight:\s*(error:\s*)?/, '') };
}
