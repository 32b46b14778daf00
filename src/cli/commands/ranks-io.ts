// Reading and writing rank summaries on disk (the files the map step leaves for the reduce step).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { basename, join } from 'node:path';
import { UserError } from '../../core/errors.js';
import { summarizeProfile } from '../../profile/ranks/index.js';

export interface WrittenSummary {
  rank: number;
  path: string;
}

/**
 * The summary's file name: `rank-<N>.summary.json`; when the rank number is only a guess (GPU order inside the
 * export, or input order), `rank-<N>.<profile name>.summary.json`, so that the maps of several node exports into
 * one folder do not overwrite each other (the reduce numbers such ranks file after file).
 */
export function summaryFileName(rank: number, source: string, weak: boolean): string {
  if (!weak) return `rank-${rank}.summary.json`;
  const stem = basename(source).replace(/\.(sqlite|sqlite3|db|json|json\.gz)$/i, '').replace(/[^A-Za-z0-9_.-]+/g, '_').slice(0, 80);
  return `rank-${rank}.${stem}.summary.json`;
}

/** Summarizes one profile and writes one summary file per rank into `dir` (atomically). */
export async function writeSummaries(profile: string, dir: string, signal?: AbortSignal, orderBase?: number): Promise<WrittenSummary[]> {
  const summaries = await summarizeProfile(profile, { ...(signal ? { signal } : {}), ...(orderBase !== undefined ? { orderBase } : {}) });
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UserError(`cannot create ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return summaries.map((s) => {
    const weak = s.identity.source === 'device' || s.identity.source === 'order';
    const path = join(dir, summaryFileName(s.identity.rank, profile, weak));
    const tmp = `${path}.tmp-${process.pid}`;
    try {
      writeFileSync(tmp, JSON.stringify(s));
      renameSync(tmp, path);
    } catch (e) {
      throw new UserError(`cannot write ${path}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
    }
    return { rank: s.identity.rank, path };
  });
}
