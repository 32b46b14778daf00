// Reading and checking the run directory contracts (.sysight/runs/<id>/) and turning them into the views
// the tree, the editor features and the dashboard show. Plain Node: no `vscode` import, unit-tested.
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { join, resolve, basename } from 'node:path';
import { UserError } from '../core/errors.js';
import { CATEGORY_NAMES, type Category, type Finding, type LocalizedFindingSet } from '../core/findings.js';
import { checkFindingSet, checkPatchPlan, checkRunRecord, isObj, readJson } from '../core/run-files.js';
import { SYSIGHT_DIR, diffDetail, type PatchPlan, type RunRecord, type TrialRecord } from '../core/run.js';
import type { ProfileOverview } from '../core/overview.js';
import type { FindingView, RunView } from '../protocol/dashboard.js';

export interface LoadedRun {
  id: string;
  dir: string;
  /** the repository the run belongs to (the folder holding .sysight) */
  repo: string;
  record: RunRecord;
  findings: LocalizedFindingSet | null;
  /** problems reading the run's files, one line each */
  problems: string[];
}

/** Every run under <repo>/.sysight/runs, newest first; unreadable runs are reported, not thrown. */
export function loadRuns(repo: string): { runs: LoadedRun[]; problems: string[] } {
  const root = join(repo, SYSIGHT_DIR, 'runs');
  const problems: string[] = [];
  if (!existsSync(root)) return { runs: [], problems };
  const runs: LoadedRun[] = [];
  for (const name of readdirSync(root)) {
    const dir = join(root, name);
    if (!statSync(dir).isDirectory()) continue;
    const runFile = join(dir, 'run.json');
    if (!existsSync(runFile)) continue;
    try {
      const record = checkRunRecord(readJson(runFile), runFile);
      const run: LoadedRun = { id: record.id, dir, repo, record, findings: null, problems: [] };
      const ff = join(dir, 'findings.json');
      if (existsSync(ff)) {
        try {
          run.findings = checkFindingSet(readJson(ff), ff);
        } catch (e) {
          run.problems.push((e as Error).message);
        }
      }
      runs.push(run);
    } catch (e) {
      problems.push((e as Error).message);
    }
  }
  runs.sort((a, b) => b.record.createdAt.localeCompare(a.record.createdAt) || b.id.localeCompare(a.id));
  return { runs, problems };
}

export function loadPatch(run: LoadedRun, patchId: string): PatchPlan {
  if (!/^[\w.-]+$/.test(patchId)) throw new UserError(`bad patch id: ${patchId}`);
  const json = join(run.dir, 'patches', `${patchId}.json`);
  if (existsSync(json)) return checkPatchPlan(readJson(json), json);
  const diffFile = join(run.dir, 'patches', `${patchId}.diff`);
  if (!existsSync(diffFile)) throw new UserError(`run ${run.id} has no patch ${patchId}`);
  const diff = readFileSync(diffFile, 'utf8');
  const trial = findTrial(run.record, patchId);
  const m = /^\+\+\+ (?:b\/)?(\S+)/m.exec(diff);
  if (!m) throw new UserError(`${diffFile}: not a unified diff (no +++ line)`);
  return {
    id: patchId, findingId: trial?.findingId ?? '', category: (trial?.pattern.slice(0, 2) ?? 'C1') as Category,
    pattern: trial?.pattern ?? '', file: m[1]!, baseHash: '', diff, linesChanged: 0, rationale: '', source: 'codemod',
  };
}

export function findTrial(record: RunRecord, patchId: string): (TrialRecord & { round: number }) | undefined {
  for (const r of record.rounds) {
    const t = r.trials.find((x) => x.patchId === patchId);
    if (t) return { ...t, round: r.index };
  }
  return undefined;
}

/** The best sandbox trial of a finding (accepted first, then by speed-up). */
export function bestTrial(record: RunRecord, findingId: string): TrialRecord | undefined {
  const trials = record.rounds.flatMap((r) => r.trials).filter((t) => t.findingId === findingId);
  const score = (t: TrialRecord) => (t.verdict === 'accepted' ? 1e6 : 0) + (t.measurement?.speedup ?? -1);
  return trials.sort((a, b) => score(b) - score(a))[0];
}

export function evidenceLine(e: Finding['evidence'][number]): string {
  switch (e.kind) {
    case 'profile': return `profile (${e.query}): ${e.summary}`;
    case 'source': return `source ${e.file}:${e.line}: ${e.text.trim()} — ${e.why}`;
    case 'stack': return `${e.via}: ${e.frames.slice(0, 4).join(' ← ')}`;
  }
}

export function toFindingView(run: LoadedRun, f: Finding): FindingView {
  const t = bestTrial(run.record, f.id);
  return {
    id: f.id, runId: run.id, category: f.category, categoryName: CATEGORY_NAMES[f.category] ?? f.category,
    title: f.title, file: f.file, function: f.function, line: f.line, severity: f.severity,
    msPerIter: f.impact.msPerIter, pctOfIter: f.impact.pctOfIter, confidence: f.confidence,
    evidence: f.evidence.map(evidenceLine),
    ...(t ? {
      patch: {
        id: t.patchId, verdict: t.verdict, speedup: t.measurement?.speedup ?? null,
        low: t.measurement?.speedupInterval.low ?? null, high: t.measurement?.speedupInterval.high ?? null,
      },
    } : {}),
  };
}

export function toRunView(run: LoadedRun): RunView {
  return {
    id: run.id, status: run.record.status, createdAt: run.record.createdAt,
    rounds: run.record.rounds.map((r) => ({
      index: r.index, iterationMs: r.iterationMs, low: r.iterationInterval?.low ?? null, high: r.iterationInterval?.high ?? null,
      accepted: r.trials.filter((t) => t.verdict === 'accepted').map((t) => ({
        patchId: t.patchId, findingId: t.findingId, pattern: t.pattern, speedup: t.measurement?.speedup ?? null,
      })),
      ...(r.profileDiff ? { profileDiff: { verdict: r.profileDiff.verdict, headline: diffDetail(r.profileDiff) } } : {}),
    })),
  };
}

/** The newest run whose findings were made from this profile (same resolved path, else same file name). */
export function runForProfile(runs: LoadedRun[], profilePath: string): LoadedRun | undefined {
  const abs = resolve(profilePath);
  const byPath = runs.find((r) => r.findings && resolve(r.repo, r.findings.profile) === abs);
  return byPath ?? runs.find((r) => r.findings && basename(r.findings.profile) === basename(abs));
}

/** The overview saved with a run (overview.json), if any. */
export function savedOverview(run: LoadedRun): ProfileOverview | null {
  const p = join(run.dir, 'overview.json');
  if (!existsSync(p)) return null;
  const x = readJson(p);
  return isObj(x) && x.schemaVersion === 1 && Array.isArray(x.lanes) ? (x as unknown as ProfileOverview) : null;
}

/** The Runs view's icon for a trial's verdict (codicon id): inconclusive waits for a retry with a larger budget. */
export function verdictIcon(verdict: TrialRecord['verdict']): string {
  switch (verdict) {
    case 'accepted': return 'pass';
    case 'rejected': return 'circle-slash';
    case 'inconclusive': return 'history';
    case 'error': return 'error';
    case 'skipped': return 'debug-step-over';
  }
}

export function fmtSpeedup(t: TrialRecord | undefined): string {
  const m = t?.measurement;
  if (!m) return 'not measured';
  const p = (x: number) => `${x >= 0 ? '+' : ''}${(x * 100).toFixed(1)}%`;
  return `${p(m.speedup)} [${p(m.speedupInterval.low)}, ${p(m.speedupInterval.high)}] ${Math.round(m.speedupInterval.level * 100)}% confidence sequence`;
}
