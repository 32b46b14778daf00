// The naive path of the profile benchmark: sql.js reads the whole file into memory and runs the aggregates.
// Usage: node bench/work/profile-sqljs.cjs FILE QUERIES_JSON  ->  one JSON line like profile_native.py's.
import { readFileSync } from 'node:fs';
import initSqlJs from 'sql.js';

async function main(): Promise<void> {
  const [path, queriesJson] = process.argv.slice(2);
  const queries = JSON.parse(queriesJson!) as Record<string, string>;
  const t0 = performance.now();
  const SQL = await initSqlJs();
  const db = new SQL.Database(readFileSync(path!));
  db.exec('SELECT count(*) FROM sqlite_master');
  const t1 = performance.now();
  const per: Record<string, number> = {};
  const rows: Record<string, number> = {};
  for (const [name, sql] of Object.entries(queries)) {
    const q0 = performance.now();
    rows[name] = db.exec(sql)[0]?.values.length ?? 0;
    per[name] = (performance.now() - q0) / 1000;
  }
  const t2 = performance.now();
  db.close();
  process.stdout.write(`${JSON.stringify({
    open_s: (t1 - t0) / 1000, summary_s: (t2 - t1) / 1000, queries_s: per, result_rows: rows,
    self_maxrss_kb: process.resourceUsage().maxRSS,
  })}\n`);
}

main().catch((e) => {
  process.stderr.write(`profile-sqljs: ${(e as Error).message}\n`);
  process.exit(1);
});
