// `sysight generate <scenario.json|yaml> --out F` or `sysight generate --preset NAME --out F`: writes a synthetic
// Nsight Systems SQLite export (same tables, columns and types as a real one) from a scenario.
import { writeFileSync } from 'node:fs';
import type { Command } from 'commander';
import { UserError, isCancelled } from '../../core/errors.js';
import { cliSignal } from '../signal.js';
import {
  PRESET_NAMES, type Scenario, captureTrace, loadScenarioFile, presetScenario, validateScenario, writeNsysProfile, writeRankProfiles,
} from '../../profile/generator/index.js';

interface Opts {
  out?: string;
  preset?: string;
  iterations?: string;
  seed?: string;
  json?: boolean;
  ranks?: string;
  outDir?: string;
  straggler?: string;
  slowData?: string;
  slowHost?: string;
  sizeMb?: string;
  runId?: string;
  clockSkewMs?: string;
  captureTrace?: string;
}

function positiveInt(v: string, what: string): number {
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new UserError(`${what} must be a positive integer (got "${v}")`);
  return n;
}

function rankArg(v: string | undefined, what: string): number | undefined {
  if (v === undefined) return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new UserError(`${what} must be a rank number ≥ 0 (got "${v}")`);
  return n;
}

/** `generate --ranks N --out-dir D`: one export per rank of a data-parallel run. */
function generateRanks(opts: Opts): void {
  if (!opts.outDir) throw new UserError('--ranks needs --out-dir <dir>');
  if (opts.preset || opts.out) throw new UserError('--ranks writes its own scenario into --out-dir: drop --preset/--out');
  const sizeMb = opts.sizeMb === undefined ? undefined : Number(opts.sizeMb);
  if (sizeMb !== undefined && !(sizeMb > 0)) throw new UserError(`--size-mb must be a positive number (got "${opts.sizeMb}")`);
  if (opts.clockSkewMs !== undefined && !Number.isFinite(Number(opts.clockSkewMs))) throw new UserError(`--clock-skew-ms must be a number (got "${opts.clockSkewMs}")`);
  const t0 = Date.now();
  const stats = writeRankProfiles(opts.outDir, {
    ranks: positiveInt(opts.ranks!, '--ranks'),
    ...(opts.iterations ? { iterations: positiveInt(opts.iterations, '--iterations') } : {}),
    ...(sizeMb !== undefined ? { sizeMb } : {}),
    ...(opts.seed ? { seed: positiveInt(opts.seed, '--seed') } : {}),
    ...(opts.runId ? { runId: opts.runId } : {}),
    ...(opts.clockSkewMs ? { clockSkewMs: Number(opts.clockSkewMs) } : {}),
    straggler: rankArg(opts.straggler, '--straggler'),
    slowData: rankArg(opts.slowData, '--slow-data'),
    slowHost: rankArg(opts.slowHost, '--slow-host'),
    signal: cliSignal(),
  });
  const seconds = (Date.now() - t0) / 1000;
  if (opts.json) process.stdout.write(`${JSON.stringify({ outDir: opts.outDir, ...stats, seconds })}\n`);
  else {
    process.stdout.write(`wrote ${stats.files.length} rank profiles to ${opts.outDir}: ${stats.iterations} steps each, ` +
      `${stats.rows} rows, ${(stats.durationNs / 1e9).toFixed(3)} s of timeline, in ${seconds.toFixed(1)} s\n`);
  }
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
    .option('--ranks <n>', 'write an N-rank data-parallel run, one export per rank (with --out-dir)')
    .option('--out-dir <dir>', 'folder for the rank exports (rank<r>.sqlite)')
    .option('--straggler <rank>', 'with --ranks: this rank\'s kernels run 1.6× longer (a compute straggler)')
    .option('--slow-data <rank>', 'with --ranks: this rank loads its batches 10× slower on the host')
    .option('--slow-host <rank>', 'with --ranks: this rank\'s Python host work (launches, gaps) runs 30× slower')
    .option('--size-mb <mb>', 'with --ranks: approximate size of each rank export (sets the number of steps)')
    .option('--clock-skew-ms <ms>', 'with --ranks: rank r\'s clock runs r × this many ms ahead (as on different hosts)')
    .option('--run-id <id>', 'with --ranks: the run id recorded in each capture\'s environment')
    .option('--capture-trace <file>', 'also write the PyTorch-profiler trace of the scenario\'s CUDA-graph captures (for `tool graphs --capture`)')
    .action((file: string | undefined, opts: Opts) => {
      if (opts.ranks !== undefined) {
        if (file) throw new UserError('--ranks takes no scenario file');
        generateRanks(opts);
        return;
      }
      if (!opts.out) throw new UserError('--out <file> is required');
      if (!file === !opts.preset) throw new UserError('give either a scenario file or --preset NAME (not both)');
      let sc: Scenario = file ? loadScenarioFile(file) : presetScenario(opts.preset!);
      if (opts.iterations) sc = { ...sc, iterations: { ...sc.iterations, count: positiveInt(opts.iterations, '--iterations') } };
      if (opts.seed) sc = { ...sc, seed: positiveInt(opts.seed, '--seed') };
      validateScenario(sc);
      const capture = opts.captureTrace ? captureTrace(sc) : undefined;
      if (capture === null) throw new UserError('--capture-trace: the scenario has no graph event to capture');
      const t0 = Date.now();
      let stats;
      try {
        stats = writeNsysProfile(sc, opts.out, { signal: cliSignal() });
        if (capture && opts.captureTrace) writeFileSync(opts.captureTrace, `${JSON.stringify(capture)}\n`);
      } catch (e) {
        if (e instanceof UserError || isCancelled(e)) throw e;
        const code = (e as NodeJS.ErrnoException).code;
        if (code) throw new UserError(`cannot write ${(e as NodeJS.ErrnoException).path ?? opts.out}: ${code}`);
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
