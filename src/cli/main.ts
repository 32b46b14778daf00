// The `sysight` command. Each command lives in src/cli/commands/<name>.ts and exports `register`.
import { Command, CommanderError } from 'commander';
import { UserError, isCancelled, oneLine } from '../core/errors.js';
import { COMMANDS } from './commands/index.js';
import { setCliSignal } from './signal.js';

export function buildProgram(): Command {
  const program = new Command('sysight')
    .description('Find the GPU bottleneck in a profile, locate the source line, patch it, verify it.')
    .version('0.1.0')
    .showHelpAfterError()
    // options belong to the command they follow: `ranks submit … --out <dir>` is submit's --out, not ranks'
    .enablePositionalOptions()
    .exitOverride();
  for (const register of COMMANDS) register(program);
  return program;
}

export async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  const ac = new AbortController();
  // first signal: cancel (every stage cleans up and the command exits 130); a second one: exit at once.
  // A persistent listener, so other handlers (the sandbox's cleanup) see that the signal is handled.
  let signals = 0;
  const onSignal = () => {
    if (++signals === 1) ac.abort();
    else process.exit(130);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  setCliSignal(ac.signal);
  try {
    await program.parseAsync(argv, { from: 'user' });
    return typeof process.exitCode === 'number' ? process.exitCode : 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      // help and version exit 0; usage errors have been printed by commander already
      return e.exitCode === 0 ? 0 : 2;
    }
    if (isCancelled(e)) {
      process.stderr.write('sysight: cancelled\n');
      return 130;
    }
    if (e instanceof UserError) {
      process.stderr.write(`sysight: error: ${oneLine(e)}\n`);
      return e.exitCode;
    }
    process.stderr.write(`sysight: internal error: ${oneLine(e)}\n`);
    if (process.env.SYSIGHT_DEBUG) process.stderr.write(`${(e as Error)?.stack ?? ''}\n`);
    return 3;
  } finally {
    setCliSignal(undefined);
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

/** Entry used by bin/sysight.js: runs and sets the exit code. */
export function run(): void {
  main(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
