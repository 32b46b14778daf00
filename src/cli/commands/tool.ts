// `sysight tool <query> <profile> [--limit N] [--<param> value] [--json]`: every registered profile query,
// one subcommand each, built from the query registry (name, description, params).
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { findCaptureTrace } from '../../profile/graphs/find-capture.js';
import { openProfile } from '../../profile/open.js';
import type { OpenOptions } from '../../profile/open.js';
import { readCachedResult, writeCachedResult, type CacheOutcome } from '../../profile/cache/index.js';
import { ALL_QUERIES, type QueryDef } from '../../profile/queries/registry.js';
import { kebab } from '../../profile/queries/util.js';
import { cliSignal } from '../signal.js';

/**
 * Opens the profile, runs the query and prints a readable table, or JSON with `json`. With `timings`, the JSON
 * object also carries `timings: {openMs, summaryMs, cache}` (reading the profile, running the query, and whether
 * the profile cache answered: hit, miss, stale, damaged or off; `result: "cached"` when the answer itself came
 * from the cache). A query with `formatCached` keeps its answer in the profile's cache entry.
 */
export async function runQuery(q: QueryDef, profile: string, args: Record<string, unknown>, json: boolean,
  opts: { timings?: boolean; countOnly?: OpenOptions['countOnly'] } = {}): Promise<void> {
  const t0 = performance.now();
  const key = { args, countOnly: opts.countOnly ?? [] };
  const print = (result: unknown, text: () => string, timings: Record<string, unknown>) => {
    const out = opts.timings && result !== null && typeof result === 'object' && !Array.isArray(result) ? { ...(result as object), timings } : result;
    process.stdout.write(json ? `${JSON.stringify(out, null, 2)}\n` : `${text()}\n`);
  };
  const formatCached = q.formatCached?.bind(q);
  const cached = formatCached ? readCachedResult(profile, q.name, key) : undefined;
  if (formatCached && cached) {
    print(cached.value, () => formatCached(cached.value), { openMs: Math.round(performance.now() - t0), summaryMs: 0, cache: 'hit', result: 'cached' });
    return;
  }
  let cache: CacheOutcome | undefined;
  const model = await openProfile(profile, {
    signal: cliSignal(), onCacheOutcome: (o) => { cache = o; }, ...(opts.countOnly ? { countOnly: opts.countOnly } : {}),
  });
  const t1 = performance.now();
  const result = q.run(model, args);
  const t2 = performance.now();
  if (formatCached && cache && cache !== 'off') writeCachedResult(profile, q.name, key, result);
  print(result, () => q.format(result, model), { openMs: Math.round(t1 - t0), summaryMs: Math.round(t2 - t1), ...(cache ? { cache } : {}) });
}

export function register(program: Command): void {
  const tool = program
    .command('tool')
    .description('run one profile query on a profile (see `sysight tool list`)')
    .addHelpText('after', '\nExample: sysight tool top-kernels report.sqlite --limit 10 --json\nParameters of every query: sysight tool list');

  tool
    .command('list')
    .description('list the profile queries and their parameters')
    .option('--json', 'machine-readable output')
    .action((opts: { json?: boolean }) => {
      if (opts.json) {
        const list = ALL_QUERIES.map((q) => ({ name: q.name, description: q.description, params: q.params }));
        process.stdout.write(`${JSON.stringify(list, null, 2)}\n`);
        return;
      }
      const lines = ALL_QUERIES.map((q) => {
        const flags = q.params.map((p) => `--${kebab(p.name)} <${p.type}>`);
        const w = Math.max(0, ...flags.map((f) => f.length));
        const params = q.params.map((p, i) => `    ${flags[i]!.padEnd(w)}  ${p.description}${p.default !== undefined ? ` (default ${p.default})` : ''}`);
        return [`${q.name}: ${q.description}`, ...params].join('\n');
      });
      process.stdout.write(`${lines.join('\n\n')}\n`);
    });

  for (const q of ALL_QUERIES) {
    const c = tool
      .command(q.name)
      .description(q.description)
      .argument('<profile>', 'Nsight Systems .sqlite export or PyTorch profiler .json/.json.gz trace')
      .option('--json', 'machine-readable output');
    if (q.name === 'graphs') c.option('--capture <trace>', 'the trace recorded while the graphs were captured (gives every replayed node its capture-time line; default: the one beside the profile with "capture" in its name and the same rank)');
    for (const p of q.params) {
      const flag = p.type === 'boolean' ? `--${kebab(p.name)}` : `--${kebab(p.name)} <${p.type === 'number' ? 'n' : 'value'}>`;
      c.option(flag, p.description + (p.default !== undefined && p.type !== 'boolean' ? ` (default ${p.default})` : ''));
    }
    c.action(async (profile: string, opts: Record<string, unknown>) => {
      const { json, capture, ...args } = opts;
      if (typeof capture === 'string') args.capture = await openProfile(capture, { signal: cliSignal() });
      else if (q.name === 'graphs') {
        // the capture trace vLLM / Inductor write beside the profile (find-capture.ts), unless --capture names one
        const found = findCaptureTrace(profile);
        if (found.path) {
          process.stderr.write(`capture trace beside the profile: ${found.path} (--capture <trace> to choose another)\n`);
          args.capture = await openProfile(found.path, { signal: cliSignal() });
        } else if (found.candidates.length > 1) {
          process.stderr.write(`several capture traces beside the profile, none taken (choose one with --capture): ${found.candidates.join(', ')}\n`);
        }
      }
      await runQuery(q, profile, args, Boolean(json));
    });
  }

  tool.on('command:*', (operands: string[]) => {
    throw new UserError(`unknown query "${operands[0]}": valid queries are ${ALL_QUERIES.map((q) => q.name).join(', ')}`);
  });
}
