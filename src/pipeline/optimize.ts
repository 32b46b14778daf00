// `sysight optimize <run-id>`: resumes a run from its findings.json — plans patches for its findings and
// verifies each in the sandbox — without profiling again. It appends a round to the same run.
import type { LocalizedFindingSet } from '../core/findings.js';
import { renderReports } from '../report/index.js';
import { prepareLoop, type LoopOptions } from './prepare.js';
import { runRound } from './round.js';
import { RunDir } from './rundir.js';
import { resolveHead } from './stack.js';

export interface OptimizeOptions extends Omit<LoopOptions, 'profile' | 'rounds'> {
  runId: string;
}

export async function optimizeRun(o: OptimizeOptions) {
  const existing = RunDir.open(o.repo, o.runId);
  const set: LocalizedFindingSet = existing.readFindings();
  const prep = await prepareLoop({ ...o, runDir: existing });
  const round = existing.readRecord().rounds.length + 1;
  const head = await resolveHead(prep.repo);
  const res = await runRound(prep, round, set, { ...o, gpu: set.gpu }, head, set.profile);
  const run = prep.dir.updateRecord((r) => { r.status = 'done'; });
  const r = renderReports(run, new Map([[round, set]]), res.patches);
  prep.dir.writeText('report.md', r.md);
  prep.dir.writeText('report.json', r.json);
  prep.dir.writeText('report.html', r.html);
  return { run, reports: { html: prep.dir.file('report.html') } };
}
