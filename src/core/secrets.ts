// The one redaction helper and the secrets it knows: everything written (ledger, wiki, transcripts, LLM text in
// runs, logs) goes through scrubSecrets. Pure; the registered values live in this module only.

/** Values registered as secrets (API keys read from the environment). */
const registeredSecrets = new Set<string>();

/** Registers a secret value (an API key read from the environment) so every scrubSecrets call removes it. */
export function registerSecret(value: string | undefined | null): void {
  if (value && value.length >= 8) registeredSecrets.add(value);
}

/** Names of environment variables whose values are secrets (API keys, tokens, passwords, credentials). */
export const SECRET_ENV_NAME = /(API_?KEY|_KEY$|^KEY$|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|PRIVATE)/i;

/** Registers the values of every secret-looking variable of an environment (see SECRET_ENV_NAME). */
export function registerSecretEnv(env: Record<string, string | undefined>): void {
  for (const [k, v] of Object.entries(env)) if (SECRET_ENV_NAME.test(k)) registerSecret(v);
}

/** The one redaction helper: applied to everything written (ledger, wiki, transcripts, LLM text in runs). */
export function scrubSecrets(s: string): string {
  for (const v of registeredSecrets) if (s.includes(v)) s = s.split(v).join('[redacted]');
  return s
    .replace(/\b(sk|pk|rk)-[A-Za-z0-9_-]{12,}\b/g, '[redacted]')
    .replace(/\b(gsk|xai|hf)_[A-Za-z0-9]{16,}\b/g, '[redacted]')
    .replace(/\bAIza[0-9A-Za-z_-]{30,}\b/g, '[redacted]')
    .replace(/\b(api[_-]?key|x-api-key|token|secret|password)(["']?\s*[=:]\s*)("?)[^\s"',}]+/gi, '$1$2$3[redacted]')
    .replace(/\bBearer\s+[A-Za-z0-9._-]{8,}/g, 'Bearer [redacted]');
}
