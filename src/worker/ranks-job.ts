// The ranks computation the editor runs off its main thread (src/worker/ranks-compute.ts is the worker entry):
// expand the inputs (a folder of profiles and/or rank summaries, or one multi-process export), summarize one
// profile at a time (never two raw profiles held at once), reduce, and build the view the webview draws.
// A rank that cannot be read becomes a RankProblem; the rest goes on.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, join } from 'node:path';
import { CancelledError, oneLine, UserError } from '../core/errors.js';
import { RANK_SUMMARY_VERSION, type RankProblem, type RankSummary, type RanksReport } from '../core/ranks.js';
import { buildRanksView, type RanksView } from '../../webview/src/ranks/protocol.js';

/** The map and reduce steps (src/profile + src/analyze), handed in so this file stays testable. */
export interface RanksEngine {
  summarize(path: string, opts: { signal: AbortSignal; onProgress: (fraction: number, message: string) => void }): Promise<RankSummary[]>;
  reduce(summaries: RankSummary[], problems: RankProblem[]): RanksReport;
}

export interface RanksJobOptions {
  signal: AbortSignal;
  onProgress: (fraction: number, message: string) => void;
}

const PROFILE_RE = /\.(sqlite|nsys-rep\.sqlite|json|json\.gz)$/i;
/** rank summaries are small; a bigger .json is a trace, not worth parsing to find out */
const SUMMARY_MAX_BYTES = 32 * 1024 * 1024;

export type RankInput = { kind: 'profile'; path: string } | { kind: 'summary'; path: string; summary: RankSummary };

function isSummary(x: unknown): x is RankSummary {
  const s = x as Partial<RankSummary> | null;
  return typeof s === 'object' && s !== null && s.version === RANK_SUMMARY_VERSION && typeof s.source === 'string'
    && typeof s.identity === 'object' && s.identity !== null && typeof s.identity.rank === 'number' && Array.isArray(s.steps);
}

/** A .json file that holds a RankSummary, else null (a trace, or not JSON at all). */
export function readSummary(path: string): RankSummary | null {
  if (!/\.json$/i.test(path) || statSync(path).size > SUMMARY_MAX_BYTES) return null;
  const text = readFileSync(path, 'utf8');
  if (!text.includes('"identity"')) return null;
  try {
    const v: unknown = JSON.parse(text);
    return isSummary(v) ? v : null;
  } catch {
    return null;
  }
}

/** What the inputs name: each file as given; a folder's profiles and summaries (not recursive), by name. */
export function expandInputs(inputs: string[]): RankInput[] {
  if (!inputs.length) throw new UserError('no profiles given: pick a folder of rank profiles or summaries, or one multi-process export');
  const out: RankInput[] = [];
  for (const input of inputs) {
    let st;
    try {
      st = statSync(input);
    } catch {
      throw new UserError(`${input} does not exist`);
    }
    const files = st.isDirectory()
      ? readdirSync(input).filter((f) => PROFILE_RE.test(f)).sort((a, b) => a.localeCompare(b, 'en', { numeric: true })).map((f) => join(input, f))
        .filter((f) => statSync(f).isFile())
      : [input];
    if (st.isDirectory() && !files.length) throw new UserError(`${input} holds no profiles (.sqlite, .json, .json.gz) or rank summaries`);
    for (const path of files) {
      const summary = readSummary(path);
      out.push(summary ? { kind: 'summary', path, summary } : { kind: 'profile', path });
    }
  }
  return out;
}

/** Summaries of every input (one profile at a time), the reduce, and its view. */
export async function runRanksJob(inputs: string[], engine: RanksEngine, opts: RanksJobOptions): Promise<{ report: RanksReport; view: RanksView }> {
  const items = expandInputs(inputs);
  const summaries: RankSummary[] = [];
  const problems: RankProblem[] = [];
  const profiles = items.filter((i) => i.kind === 'profile').length;
  let done = 0;
  for (const item of items) {
    if (opts.signal.aborted) throw new CancelledError();
    if (item.kind === 'summary') {
      summaries.push(item.summary);
      continue;
    }
    const name = basename(item.path);
    const base = done / Math.max(1, profiles);
    opts.onProgress(base * 0.95, `summarizing ${name} (${done + 1}/${profiles})`);
    try {
      const got = await engine.summarize(item.path, {
        signal: opts.signal,
        onProgress: (f, m) => opts.onProgress((base + f / Math.max(1, profiles)) * 0.95, `${name}: ${m}`),
      });
      if (!got.length) problems.push({ source: item.path, kind: 'no-gpu', message: `${name}: no rank with GPU work` });
      summaries.push(...got);
    } catch (e) {
      if (opts.signal.aborted) throw new CancelledError();
      problems.push({ source: item.path, kind: 'unreadable', message: `${name}: ${oneLine(e)}` });
    }
    done++;
  }
  if (!summaries.length) {
    throw new UserError(problems.length ? `no rank could be read: ${problems.map((p) => p.message).join('; ')}` : 'no rank summaries found');
  }
  opts.onProgress(0.97, `combining ${summaries.length} ranks`);
  const report = engine.reduce(summaries, problems);
  const title = inputs.length === 1 ? basename(inputs[0]!) : `${inputs.length} inputs`;
  return { report, view: buildRanksView(report, summaries, `Ranks: ${title}`) };
}

// ---- messages of the ranks-compute worker (dist/ranks-compute.js) ----------------------------------------
export type RanksComputeRequest = { type: 'ranks-compute'; inputs: string[] } | { type: 'cancel' };
export type RanksComputeReply =
  | { type: 'progress'; fraction: number; message: string }
  | { type: 'result'; view: RanksView }
  | { type: 'error'; message: string; user: boolean; cancelled: boolean };
