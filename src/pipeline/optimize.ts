// `sysight optimize <run-id>`: resumes a run from its findings.json (and its workload command) — plans patches for its findings and
// verifies each in the sandbox — without profiling again. It appends a round to the same run.
import { UserError } from '../core/errors.js';
import type { LocalizedFindingSet } from '../core/findings.js';
import { renderReports } from '../report/index.js';
import { prepareLoop, type LoopOptions } from './prepare.js';
import { runRound } from './round.js';
import { RunDir } from './rundir.js';
import { resolveHead } from './stack.js';

export interface OptimizeOptions extends Omit<LoopOptions, 'profile' | 'rounds'> {
  runId: string;
}

/** Every id given must name a finding of the run that can be tried: one clear line otherwise. */
function checkFindingIds(set: LocalizedFindingSet, ids: readonly string[] | undefined, runId: string): void {
  const known = new Set(set.findings.map((f) => f.id));
  const unconfirmed = new Set(set.unconfirmed.map((f) => f.id));
  for (const id of ids ?? []) {
    if (known.has(id)) continue;
    throw new UserError(unconfirmed.has(id)
      ? `finding ${id} of run ${runId} is unconfirmed by the profile: only confirmed findings are optimized`
      : `run ${runId} has no finding ${id} (its findings: ${set.findings.map((f) => f.id).join(', ') || 'none'})`);
  }
}

export async function optimizeRun(o: OptimizeOptions) {
  const existing = RunDir.open(o.repo, o.runId);
  const set: LocalizedFindingSet = existing.readFindings();
  checkFindingIds(set, o.findingIds, o.runId);
  // the run's own workload command unless one is given
  const recorded = existing.readRecord().command;
  const prep = await prepareLoop({ ...o, command: o.command ?? (recorded?.length ? recorded : undefined), runDir: existing });
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
