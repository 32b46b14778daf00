// `sysight diff <before> <after> [--format text|markdown|json] [--exit-on-regression] [--threshold PCT]`:
// compares two profiles of the same kind and prints a verdict. Exit 0 normally; with --exit-on-regression,
// exit 1 on a likely regression of at least PCT % (default 0: any likely regression) or when the two cannot be
// compared; exit 2 for bad input (unreadable files, profiles of different kinds, bad options).
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import {
  type DiffFormat, type DiffSide, type ProfileDiff, DIFF_SIDE, DIFF_SIDE_VERSION, comparesWhole, diffSide, diffSides, formatDiff,
  packDiffSide, unpackDiffSide,
} from '../../profile/diff/index.js';
import { readCachedBinary, writeCachedBinary, type CacheOutcome } from '../../profile/cache/index.js';
import { openProfile } from '../../profile/open.js';
import { cliSignal } from '../signal.js';

interface Opts {
  format?: string;
  json?: boolean;
  exitOnRegression?: boolean;
  threshold?: string;
  minEffect?: string;
  limit?: string;
}

function pctOption(v: string | undefined, name: string, dflt: number): number {
  if (v === undefined) return dflt;
  const n = Number(v);
  if (v.trim() === '' || !Number.isFinite(n) || n < 0) throw new UserError(`--${name} must be a number >= 0 (percent), got "${v}"`);
  return n;
}

/** The CI gate: true when the diff should fail the build. */
export function gateFails(d: ProfileDiff, thresholdPct: number): boolean {
  if (d.verdict === 'incomparable') return true;
  return d.verdict === 'likely regression' && (d.stepTime?.deltaPct ?? Infinity) >= thresholdPct;
}

/**
 * One side of the diff: kept in the profile's cache entry by an earlier diff of the same file (its step metrics,
 * a few MB at most, instead of the model's columns and the pass over them), or computed from the opened profile
 * and then kept. `fresh`: always from the profile.
 */
async function sideOf(path: string, signal: AbortSignal | undefined, fresh = false): Promise<DiffSide> {
  const params = { v: DIFF_SIDE_VERSION };
  const kept = fresh ? undefined : readCachedBinary(path, DIFF_SIDE, params, {}, unpackDiffSide);
  if (kept) return kept;
  let cache: CacheOutcome | undefined;
  const side = diffSide(await openProfile(path, { signal, onCacheOutcome: (o) => { cache = o; } }));
  if (cache && cache !== 'off') writeCachedBinary(path, DIFF_SIDE, params, packDiffSide(side));
  return side;
}

export function register(program: Command): void {
  program
    .command('diff')
    .description('compare two profiles (two nsys exports or two PyTorch traces) step by step, with a noise-aware verdict')
    .argument('<before>', 'baseline profile (.sqlite, .json, .json.gz)')
    .argument('<after>', 'profile to judge against the baseline')
    .option('--format <fmt>', 'text | markdown | json', 'text')
    .option('--json', 'same as --format json')
    .option('--exit-on-regression', 'exit 1 on a likely regression (≥ --threshold %) or when the profiles cannot be compared')
    .option('--threshold <pct>', 'smallest step-time regression, in % of the baseline median, that fails --exit-on-regression', '0')
    .option('--min-effect <pct>', 'smallest step-time change, in %, that can be called likely', '1')
    .option('--limit <n>', 'kernels listed per table', '10')
    .addHelpText('after', '\nExample (CI gate): sysight diff base.sqlite pr.sqlite --exit-on-regression --threshold 3')
    .action(async (before: string, after: string, opts: Opts) => {
      const format = (opts.json ? 'json' : opts.format ?? 'text') as DiffFormat;
      if (!['text', 'markdown', 'json'].includes(format)) throw new UserError(`--format must be text, markdown or json, got "${opts.format}"`);
      const threshold = pctOption(opts.threshold, 'threshold', 0);
      const minEffectPct = pctOption(opts.minEffect, 'min-effect', 1);
      const limit = Number(opts.limit ?? '10');
      if (!Number.isInteger(limit) || limit < 1) throw new UserError(`--limit must be a positive integer, got "${opts.limit}"`);
      const signal = cliSignal();
      let a = await sideOf(before, signal);
      let b = await sideOf(after, signal);
      // kept sides hold the whole-profile metrics only when they have fewer than two steps themselves
      if (comparesWhole(a, b)) {
        if (!a.whole && !a.wholeOf) a = await sideOf(before, signal, true);
        if (!b.whole && !b.wholeOf) b = await sideOf(after, signal, true);
      }
      const d = diffSides(a, b, { minEffectPct, limit });
      process.stdout.write(`${formatDiff(d, format)}\n`);
      if (opts.exitOnRegression && gateFails(d, threshold)) {
        process.stderr.write(`sysight diff: gate failed: ${d.headline}\n`);
        process.exitCode = 1;
      }
    });
}
