// The provider-neutral chat contract every LLM provider implements (OpenAI-compatible, Anthropic, replay).

/** A JSON schema (the subset src/agent/schema.ts validates; providers pass it through untouched). */
export type JsonSchema = { [k: string]: unknown };

export interface ToolSpec {
  name: string;
  description: string;
  /** JSON schema of the arguments object */
  parameters: JsonSchema;
}

export interface ToolCall {
  id: string;
  name: string;
  /** parsed arguments; `{}` when the model sent none */
  arguments: Record<string, unknown>;
  /** set when the model's argument text was not a JSON object */
  argumentsError?: string;
}

export type ChatMessage =
  | { role: 'user'; content: string }
  | { role: 'assistant'; content: string; toolCalls?: ToolCall[] }
  | { role: 'tool'; toolCallId: string; name: string; content: string };

export type ToolChoice = 'auto' | 'none' | 'required' | { name: string };

export interface ChatRequest {
  system: string;
  messages: ChatMessage[];
  tools?: ToolSpec[];
  toolChoice?: ToolChoice;
  maxTokens: number;
  temperature?: number;
  signal?: AbortSignal;
  /** stream the answer (SSE); the result is the same, assembled */
  stream?: boolean;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface ChatResponse {
  content: string;
  toolCalls: ToolCall[];
  usage: Usage;
  /** USD for this call; undefined when the model's price is unknown */
  costUsd?: number;
  /** the model that answered (as the provider reports it) */
  model?: string;
  stopReason?: string;
}

export interface LlmProvider {
  /** "openai_compatible", "anthropic", "replay" */
  readonly name: string;
  readonly model: string;
  chat(req: ChatRequest): Promise<ChatResponse>;
}
