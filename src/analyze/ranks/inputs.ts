// The inputs of `sysight ranks`: folders, globs and files, of rank summaries (*.summary.json: only the reduce
// runs) or raw profiles (the map runs here, one profile open at a time). A file that cannot be used becomes a
// problem of its rank; the others go on.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';
import { UserError, isCancelled } from '../../core/errors.js';
import { RANK_SUMMARY_VERSION, type RankProblem, type RankSummary } from '../../core/ranks.js';
import { fileNameRank, summarizeProfile } from '../../profile/ranks/index.js';

export const SUMMARY_SUFFIX = '.summary.json';
const PROFILE_RE = /\.(sqlite|sqlite3|db|json|json\.gz)$/i;

function globRegex(glob: string): RegExp {
  return new RegExp(`^${glob.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
}

function listDir(dir: string): string[] {
  try {
    return readdirSync(dir).sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).map((f) => join(dir, f));
  } catch (e) {
    throw new UserError(`cannot read folder ${dir}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
}

const isFile = (p: string) => {
  try { return statSync(p).isFile(); } catch { return false; }
};

/** Files named by the inputs: a folder gives its summaries, else its profiles; a glob (in the file name) its matches. */
export function expandInputs(inputs: string[]): string[] {
  const out: string[] = [];
  for (const inp of inputs) {
    if (/[*?]/.test(basename(inp))) {
      const re = globRegex(basename(inp));
      const hits = listDir(dirname(inp)).filter((p) => re.test(basename(p)) && isFile(p));
      if (!hits.length) throw new UserError(`no file matches ${inp}`);
      out.push(...hits);
      continue;
    }
    let st;
    try { st = statSync(inp); } catch { throw new UserError(`no such file or folder: ${inp}`); }
    if (st.isDirectory()) {
      const files = listDir(inp).filter(isFile);
      const summaries = files.filter((f) => f.endsWith(SUMMARY_SUFFIX));
      const picked = summaries.length ? summaries : files.filter((f) => PROFILE_RE.test(f) && !/\.tmp-\d+$/.test(f));
      if (!picked.length) throw new UserError(`${inp} holds no rank summaries (*${SUMMARY_SUFFIX}) and no profiles (.sqlite, .json, .json.gz)`);
      out.push(...picked);
    } else out.push(inp);
  }
  return [...new Set(out)];
}

/** A rank summary read back from disk, checked; throws UserError naming what is wrong. */
export function readSummaryFile(path: string): RankSummary {
  let v: unknown;
  try {
    v = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new UserError(`${path} is not a readable rank summary: ${(e as Error).message.split('\n')[0]}`);
  }
  const s = v as Partial<RankSummary> | null;
  if (!s || typeof s !== 'object') throw new UserError(`${path} is not a rank summary (not a JSON object)`);
  if (s.version !== RANK_SUMMARY_VERSION) throw new UserError(`${path} is a rank summary of version ${String(s.version)}, this sysight reads version ${RANK_SUMMARY_VERSION}`);
  const ok = s.identity && Number.isInteger(s.identity.rank) && s.clock && typeof s.clock.domain === 'string' &&
    Array.isArray(s.steps) && Array.isArray(s.collectives) && Array.isArray(s.hotspots) && s.totals && typeof s.totals === 'object';
  if (!ok) throw new UserError(`${path} is not a complete rank summary (identity, clock, steps, collectives, hotspots, totals)`);
  return s as RankSummary;
}

export interface CollectOptions {
  signal?: AbortSignal;
  onProgress?: (done: number, total: number, file: string) => void;
}

/** Summaries for every input file (read, or computed one raw profile at a time) and the problems of the rest. */
export async function collectRanks(inputs: string[], opts: CollectOptions = {}): Promise<{ summaries: RankSummary[]; problems: RankProblem[]; files: number }> {
  const summaries: RankSummary[] = [];
  const { problems, files } = await forEachRank(inputs, (s) => summaries.push(s), opts);
  return { summaries, problems, files };
}

/**
 * Each input file's summaries handed to `onSummary` as soon as they are read or computed, one file at a time
 * (a RankReducer keeps only their compact columns), and the problems of the files that could not be used.
 */
export async function forEachRank(inputs: string[], onSummary: (s: RankSummary) => void, opts: CollectOptions = {}): Promise<{ problems: RankProblem[]; files: number; ranks: number }> {
  const files = expandInputs(inputs);
  const problems: RankProblem[] = [];
  let ranks = 0;
  for (let i = 0; i < files.length; i++) {
    const f = files[i]!;
    opts.onProgress?.(i, files.length, f);
    try {
      const got = f.endsWith(SUMMARY_SUFFIX) ? [readSummaryFile(f)] : await summarizeProfile(f, { orderBase: i, ...(opts.signal ? { signal: opts.signal } : {}) });
      for (const s of got) onSummary(s);
      ranks += got.length;
    } catch (e) {
      if (isCancelled(e)) throw e;
      // one bad rank never stops the others: even an unexpected failure becomes that rank's problem
      const rank = fileNameRank(f.replace(SUMMARY_SUFFIX, '.json'));
      const text = e instanceof Error ? e.message : String(e);
      const msg = (e instanceof UserError ? text : `cannot summarize ${f}: ${text}`).split('\n')[0]!;
      problems.push({ source: f, ...(rank !== undefined ? { rank } : {}), kind: /no GPU work/.test(msg) ? 'no-gpu' : 'unreadable', message: msg });
    }
  }
  return { problems, files: files.length, ranks };
}
