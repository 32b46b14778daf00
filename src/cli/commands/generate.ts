// `sysight generate <scenario.json|yaml> --out F` or `sysight generate --preset NAME --out F`: writes a synthetic
// Nsight Systems SQLite export (same tables, columns and types as a real one) from a scenario.
import type { Command } from 'commander';
import { UserError, isCancelled } from '../../core/errors.js';
import { cliSignal } from '../main.js';
import {
  PRESET_NAMES, type Scenario, loadScenarioFile, presetScenario, validateScenario, writeNsysProfile,
} from '../../profile/generator/index.js';

interface Opts {
  out?: string;
  preset?: string;
  iterations?: string;
  seed?: string;
  json?: boolean;
}

function positiveInt(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${what} must be a positive integer (got "${v}")`);
  return n;
}

export function register(program: Command): void {
  program
    .command('generate')
    .description(`write a synthetic Nsight Systems .sqlite profile from a scenario file or a preset (${PRESET_NAMES.join(', ')})`)
    .argument('[scenario]', 'scenario file (.json, .yaml or .yml)')
    .option('-o, --out <file>', 'output .sqlite file')
    .option('--preset <name>', `built-in scenario: ${PRESET_NAMES.join(' | ')}`)
    .option('--iterations <n>', 'override the number of iterations')
    .option('--seed <n>', 'override the random seed (jitter)')
    .option('--json', 'print the result as JSON')
    .action((file: string | undefined, opts: Opts) => {
      if (!opts.out) throw new UserError('--out <file> is required');
      if (!file === !opts.preset) throw new UserError('give either a scenario file or --preset NAME (not both)');
      let sc: Scenario = file ? loadScenarioFile(file) : presetScenario(opts.preset!);
      if (opts.iterations) sc = { ...sc, iterations: { ...sc.iterations, count: positiveInt(opts.iterations, '--iterations') } };
      if (opts.seed) sc = { ...sc, seed: positiveInt(opts.seed, '--seed') };
      validateScenario(sc);
      const t0 = Date.now();
      let stats;
      try {
        stats = writeNsysProfile(sc, opts.out, { signal: cliSignal() });
      } catch (e) {
        if (e instanceof UserError || isCancelled(e)) throw e;
        const code = (e as NodeJS.ErrnoException).code;
        if (code) throw new UserError(`cannot write ${opts.out}: ${code}`);
        throw e;
      }
      const seconds = (Date.now() - t0) / 1000;
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ out: opts.out, scenario: sc.name ?? null, ...stats, seconds })}\n`);
      } else {
        process.stdout.write(
          `wrote ${opts.out}: ${stats.rows} rows, ${(stats.durationNs / 1e9).toFixed(3)} s of timeline, ` +
            `${stats.processes} process(es), in ${seconds.toFixed(1)} s\n`,
        );
      }
    });
}
