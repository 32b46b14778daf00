// Errors the user caused (bad input, bad usage) versus bugs. The CLI prints a UserError as one line and
// exits with its code; anything else is a bug and is reported as such.

export type ExitCode = 0 | 1 | 2 | 3 | 130;

export class UserError extends Error {
  override readonly name = 'UserError';
  constructor(message: string, readonly exitCode: ExitCode = 2) {
    super(message);
  }
}

/**
 * The file can be read but is not a profile: a SQLite database that is not an Nsight Systems export, a gzip or
 * JSON file that is not a PyTorch profiler trace. A damaged or empty profile is a plain UserError. The editor
 * offers to reopen such a file with VS Code's default editor (src/extension/non-profile.ts).
 */
export class NotAProfileError extends UserError {
  readonly notProfile = true;
}

/** Raised when an AbortSignal fires; told apart from failure everywhere. */
export class CancelledError extends Error {
  override readonly name = 'CancelledError';
  constructor(message = 'cancelled') {
    super(message);
  }
}

export function throwIfAborted(signal?: AbortSignal): void {
  if (signal?.aborted) throw new CancelledError();
}

export function isCancelled(e: unknown): e is CancelledError {
  return e instanceof CancelledError || (e instanceof Error && e.name === 'AbortError');
}

/** One line, no stack: for messages shown to the user. */
export function oneLine(e: unknown): string {
  const msg = e instanceof Error ? e.message : String(e);
  return msg.split('\n')[0]!.trim();
}
