// The abort signal of the running CLI command: main() sets it (SIGINT/SIGTERM abort it), the commands read it.
// Its own module so the commands never import main.ts, which imports them.
let current: AbortSignal | undefined;

export function setCliSignal(signal: AbortSignal | undefined): void {
  current = signal;
}

/** The abort signal of the running CLI command (SIGINT/SIGTERM). */
export function cliSignal(): AbortSignal | undefined {
  return current;
}
