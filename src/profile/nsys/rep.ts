// `.nsys-rep` reports (and the older `.qdrep`): Nsight Systems' own format, which only NVIDIA's `nsys` reads.
// With nsys on the PATH (or SYSIGHT_NSYS / the sysight.nsysPath setting), the report is exported once to a
// temporary SQLite file, read by the SQLite reader and removed; openProfile caches the model under the report's
// own identity, so later opens need neither nsys nor the export. Without nsys: one line saying what to run.
import { spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { CancelledError, UserError } from '../../core/errors.js';
import type { ProfileModel } from '../../core/profile.js';
import { findOnPath } from '../find-on-path.js';
import type { ProfileReader, ReadOptions } from '../reader-types.js';
import { readNsysSqlite } from './reader.js';

export const NSYS_REP = /\.(nsys-rep|qdrep)$/i;

/** The nsys executable: SYSIGHT_NSYS (a path or a name on the PATH), else `nsys` on the PATH. */
export function findNsys(env: NodeJS.ProcessEnv = process.env): string | undefined {
  const set = env.SYSIGHT_NSYS?.trim();
  if (set) return set.includes('/') ? set : findOnPath(set, env);
  return findOnPath('nsys', env);
}

function sqliteName(rep: string): string {
  return basename(rep).replace(NSYS_REP, '.sqlite');
}

/** Runs `nsys export --type sqlite` on `rep` into `out`; progress from its percentage lines; cancellable. */
function exportWithNsys(nsys: string, rep: string, out: string, opts: ReadOptions): Promise<void> {
  return new Promise((resolve, reject) => {
    if (opts.signal?.aborted) return reject(new CancelledError());
    const child = spawn(nsys, ['export', '--type', 'sqlite', '--force-overwrite', 'true', '--output', out, rep], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stderrTail = '';
    const onAbort = () => child.kill('SIGTERM');
    opts.signal?.addEventListener('abort', onAbort, { once: true });
    const onOutput = (chunk: Buffer) => {
      for (const m of chunk.toString('utf8').matchAll(/(\d{1,3})%/g)) {
        const pct = Math.min(100, Number(m[1]));
        opts.onProgress?.(0.5 * (pct / 100), `exporting ${basename(rep)} with nsys (${pct}%)`);
      }
    };
    child.stdout.on('data', onOutput);
    child.stderr.on('data', (chunk: Buffer) => {
      onOutput(chunk);
      stderrTail = (stderrTail + chunk.toString('utf8')).slice(-2000);
    });
    child.on('error', (e) => {
      opts.signal?.removeEventListener('abort', onAbort);
      reject(new UserError(`cannot run ${nsys} to export ${rep}: ${(e as NodeJS.ErrnoException).code ?? e.message}`));
    });
    child.on('close', (code, sig) => {
      opts.signal?.removeEventListener('abort', onAbort);
      if (opts.signal?.aborted) return reject(new CancelledError());
      if (code === 0) return resolve();
      const last = stderrTail.trim().split('\n').pop()?.trim();
      reject(new UserError(`nsys export failed on ${rep} (${sig ?? `exit ${code}`})${last ? `: ${last}` : ''}`));
    });
  });
}

export async function readNsysRep(path: string, opts: ReadOptions = {}): Promise<ProfileModel> {
  const nsys = findNsys();
  if (!nsys) {
    throw new UserError(`${basename(path)} is an Nsight Systems report, which needs NVIDIA's nsys to read and nsys was not found: ` +
      `run \`nsys export --type sqlite --output ${sqliteName(path)} ${path}\` where nsys is installed and open the .sqlite, ` +
      'or set sysight.nsysPath (SYSIGHT_NSYS) to the nsys executable');
  }
  const dir = mkdtempSync(join(tmpdir(), 'sysight-nsys-rep-'));
  try {
    const out = join(dir, sqliteName(path));
    opts.onProgress?.(0, `exporting ${basename(path)} with nsys`);
    await exportWithNsys(nsys, path, out, opts);
    const model = await readNsysSqlite(out, {
      ...opts,
      onProgress: (f, m) => opts.onProgress?.(0.5 + 0.5 * f, m),
    });
    model.meta.source = path;
    model.meta.notes.push(`exported from ${basename(path)} with ${nsys} (nsys export --type sqlite)`);
    return model;
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

export const nsysRepReader: ProfileReader = {
  name: 'nsys-rep',
  sniff: (_head, path) => NSYS_REP.test(path),
  read: (path, opts) => readNsysRep(path, opts),
};
