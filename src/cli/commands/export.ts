// `sysight export <profile> --out DIR [--force] [--json]`: the profile's model as Apache Arrow IPC files (the
// tables the profile cache holds) for pandas, polars and DuckDB users. See README "Export for notebooks".
import { existsSync, mkdirSync, readdirSync, statSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { UserError } from '../../core/errors.js';
import { writeTables } from '../../profile/cache/index.js';
import { openProfile } from '../../profile/open.js';
import { cliSignal } from '../signal.js';

export function register(program: Command): void {
  program
    .command('export')
    .description('write the profile\'s tables (kernels, runtime, memcpy, nvtx, …) as Apache Arrow IPC files for pandas/polars/DuckDB')
    .argument('<profile>', 'Nsight Systems .sqlite export, nsys arrowdir/parquetdir folder, .nsys-rep, or PyTorch profiler trace')
    .requiredOption('--out <dir>', 'folder for the files (created when missing; must be empty unless --force)')
    .option('--force', 'write into a folder that already has files (same-named files are replaced)')
    .option('--json', 'print the written files as JSON')
    .addHelpText('after', '\nExample: sysight export run.sqlite --out run-tables && python3 -c "import pandas as pd; print(pd.read_feather(\'run-tables/kernels.arrow\').head())"')
    .action(async (profile: string, opts: { out: string; force?: boolean; json?: boolean }) => {
      if (existsSync(opts.out)) {
        if (!statSync(opts.out).isDirectory()) throw new UserError(`--out ${opts.out} is a file, not a folder`);
        if (readdirSync(opts.out).length > 0 && !opts.force) {
          throw new UserError(`--out ${opts.out} is not empty (add --force to write into it)`);
        }
      }
      const signal = cliSignal();
      const model = await openProfile(profile, { ...(signal ? { signal } : {}) });
      mkdirSync(opts.out, { recursive: true });
      const files = await writeTables(opts.out, model, signal);
      const tables = Object.fromEntries(Object.entries(files).filter(([name, f]) => name !== 'callchains' || f.rows > 0)
        .map(([name, f]) => [name, { file: `${name}.arrow`, rows: f.rows, bytes: f.bytes }]));
      writeFileSync(join(opts.out, 'meta.json'), `${JSON.stringify({ profile, tables, meta: model.meta }, null, 2)}\n`);
      if (opts.json) {
        process.stdout.write(`${JSON.stringify({ out: opts.out, tables })}\n`);
        return;
      }
      process.stdout.write(`wrote ${Object.keys(tables).length} tables and meta.json to ${opts.out}\n`);
      for (const [name, t] of Object.entries(tables)) process.stdout.write(`  ${t.file.padEnd(18)} ${String(t.rows).padStart(10)} rows\n`);
      process.stdout.write('name and text columns (nameId, fullNameId, textId, fileId, domainId) are row numbers of strings.arrow\n');
    });
}
