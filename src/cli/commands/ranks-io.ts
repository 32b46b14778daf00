// Reading and writing rank summaries on disk (the files the map step leaves for the reduce step).
import { mkdirSync, renameSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../../core/errors.js';
import { summarizeProfile } from '../../profile/ranks/index.js';

export interface WrittenSummary {
  rank: number;
  path: string;
}

/** Summarizes one profile and writes `<dir>/rank-<N>.summary.json` per rank (atomically). */
export async function writeSummaries(profile: string, dir: string, signal?: AbortSignal, orderBase?: number): Promise<WrittenSummary[]> {
  const summaries = await summarizeProfile(profile, { ...(signal ? { signal } : {}), ...(orderBase !== undefined ? { orderBase } : {}) });
  try {
    mkdirSync(dir, { recursive: true });
  } catch (e) {
    throw new UserError(`cannot create ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  return summaries.map((s) => {
    const path = join(dir, `rank-${s.identity.rank}.summary.json`);
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
