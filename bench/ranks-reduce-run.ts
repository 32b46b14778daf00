// One measured reduce, in its own process (spawned by bench/ranks-reduce.ts): reads every *.summary.json of a
// folder and reduces them, either as before this change (`--impl v1`: all summaries parsed into one array, then
// the frozen old reduce of test/support/ranks-reduce-v1.ts) or as `sysight ranks <dir>` does now (`--impl
// stream`: forEachRank into a RankReducer, one summary at a time). `--impl none` only starts (Node's own RSS).
// Prints one JSON line: wall time of read + reduce, this process's peak RSS, and a hash of the report.
import { createHash } from 'node:crypto';
import { RankReducer, collectRanks, forEachRank } from '../src/analyze/ranks/index.js';
import type { RanksReport } from '../src/core/ranks.js';
import { reduceRanksV1 } from '../test/support/ranks-reduce-v1.js';

async function main(): Promise<void> {
  const impl = process.argv[process.argv.indexOf('--impl') + 1];
  const dir = process.argv[process.argv.indexOf('--dir') + 1]!;
  const t = performance.now();
  let report: RanksReport | undefined;
  if (impl === 'v1') {
    const { summaries, problems } = await collectRanks([dir]);
    report = reduceRanksV1(summaries, { problems });
  } else if (impl === 'stream') {
    const r = new RankReducer();
    const { problems } = await forEachRank([dir], (s) => r.add(s));
    report = r.finish({ problems });
  }
  const wall = (performance.now() - t) / 1000;
  const json = report ? JSON.stringify(report) : '';
  process.stdout.write(`${JSON.stringify({
    impl, wall_s: wall, peak_rss_mb: process.resourceUsage().maxRSS / 1024, report_sha: createHash('sha256').update(json).digest('hex').slice(0, 16),
    ranks: report?.ranks.length ?? 0, stragglers: report?.stragglers.map((s) => [s.rank, s.reason]) ?? [],
  })}\n`);
}

main().catch((e: unknown) => {
  process.stderr.write(`${e instanceof Error ? e.stack : String(e)}\n`);
  process.exit(1);
});
