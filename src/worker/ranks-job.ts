// The ranks computation the editor runs off its main thread (src/worker/ranks-compute.ts is the worker entry):
// the inputs (a folder of rank profiles or summaries, or one multi-process export) are summarized one profile
// at a time (src/analyze/ranks collectRanks: never two raw profiles held at once), reduced, and turned into
// the view the webview draws. A rank that cannot be read becomes a RankProblem; the rest goes on.
import { basename } from 'node:path';
import { throwIfAborted, UserError } from '../core/errors.js';
import type { ProfileModel } from '../core/profile.js';
import type { RanksReport } from '../core/ranks.js';
import { collectRanks, reduceRanks, summarizeModel } from '../analyze/ranks/index.js';
import { buildRanksView, type RanksView } from '../analyze/ranks/view.js';

export interface RanksJobOptions {
  signal: AbortSignal;
  onProgress: (fraction: number, message: string) => void;
}

export async function runRanksJob(inputs: string[], opts: RanksJobOptions): Promise<{ report: RanksReport; view: RanksView }> {
  if (!inputs.length) throw new UserError('no profiles given: pick a folder of rank profiles or summaries, or one multi-process export');
  const { summaries, problems } = await collectRanks(inputs, {
    signal: opts.signal,
    onProgress: (done, total, file) => opts.onProgress((done / total) * 0.95, `summarizing ${basename(file)} (${done + 1}/${total})`),
  });
  throwIfAborted(opts.signal);
  if (!summaries.length) {
    throw new UserError(problems.length ? `no rank could be read: ${problems.map((p) => p.message).join('; ')}` : 'no rank with GPU work in the inputs');
  }
  opts.onProgress(0.97, `combining ${summaries.length} ranks`);
  const report = reduceRanks(summaries, { problems });
  const title = inputs.length === 1 ? basename(inputs[0]!) : `${inputs.length} inputs`;
  return { report, view: buildRanksView(report, summaries, `Ranks: ${title}`) };
}

/** The ranks of one profile already open (a dashboard's session worker): no second read of the file. */
export function ranksViewOfModel(model: ProfileModel, path: string): RanksView {
  const summaries = summarizeModel(model, path);
  if (!summaries.length) throw new UserError(`${basename(path)} holds no process with GPU work`);
  const report = reduceRanks(summaries);
  return buildRanksView(report, summaries, `Ranks: ${basename(path)}`);
}
