import { describe, expect, it } from 'vitest';
import { cpSync, mkdtempSync, rmSync, writeFileSync, mkdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { checkFindingSet, checkRunRecord } from '../core/run-files.js';
import { bestTrial, fmtSpeedup, loadPatch, loadRuns, runForProfile, savedOverview, toFindingView, toRunView, verdictIcon } from './model.js';

const fixture = join(process.cwd(), 'test', 'fixtures', 'workspace');

describe('run directory model', () => {
  it('loads the fixture run with its findings and maps them to views', () => {
    const { runs, problems } = loadRuns(fixture);
    expect(problems).toEqual([]);
    expect(runs.map((r) => r.id)).toEqual(['r1-demo']);
    const run = runs[0]!;
    expect(run.findings!.findings).toHaveLength(3);
    const views = run.findings!.findings.map((f) => toFindingView(run, f));
    expect(views[0]).toMatchObject({
      id: 'C3:train.py:train:item-in-loop', category: 'C3', categoryName: 'Synchronization', file: 'train.py', line: 22,
      msPerIter: 2.1, pctOfIter: 14, patch: { id: 'p1', verdict: 'accepted', speedup: 0.138, low: 0.112, high: 0.161 },
    });
    expect(views[0]!.evidence[1]).toBe('source train.py:22: losses.append(loss.item()) — .item() copies the loss to the host and waits for the GPU');
    expect(views[2]!.patch).toBeUndefined();
    const rv = toRunView(run);
    expect(rv.rounds.map((r) => [r.index, r.iterationMs, r.accepted.map((a) => a.patchId)])).toEqual([[1, 12.4, ['p1', 'p2']], [2, 10.2, []]]);
    expect(rv.rounds.map((r) => r.profileDiff?.verdict)).toEqual([undefined, 'likely improvement']);
    expect(fmtSpeedup(bestTrial(run.record, views[0]!.id))).toBe('+13.8% [+11.2%, +16.1%] 95% confidence sequence');
  });

  it('matches a profile to the run made from it and returns the saved overview', () => {
    const { runs } = loadRuns(fixture);
    expect(runForProfile(runs, join(fixture, 'train.pt.trace.json'))?.id).toBe('r1-demo');
    expect(runForProfile(runs, '/elsewhere/train.pt.trace.json')?.id).toBe('r1-demo'); // same file name
    expect(runForProfile(runs, join(fixture, 'other.sqlite'))).toBeUndefined();
    expect(savedOverview(runs[0]!)?.lanes).toHaveLength(3);
  });

  it('reads a patch plan, and falls back to the bare .diff with the trial', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysight-model-'));
    try {
      cpSync(fixture, dir, { recursive: true });
      const run = loadRuns(dir).runs[0]!;
      expect(loadPatch(run, 'p1')).toMatchObject({ id: 'p1', file: 'train.py', pattern: 'C3.item-in-loop' });
      rmSync(join(run.dir, 'patches', 'p2.json'));
      expect(loadPatch(run, 'p2')).toMatchObject({ id: 'p2', file: 'train.py', pattern: 'C1.dataloader-num-workers', baseHash: '' });
      expect(() => loadPatch(run, 'p9')).toThrow('run r1-demo has no patch p9');
      expect(() => loadPatch(run, '../x')).toThrow(UserError);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('reports unreadable runs and bad findings in one line each instead of throwing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysight-model-'));
    try {
      mkdirSync(join(dir, '.sysight/runs/bad'), { recursive: true });
      writeFileSync(join(dir, '.sysight/runs/bad/run.json'), '{"schemaVersion": 1, "id": ');
      mkdirSync(join(dir, '.sysight/runs/ok'), { recursive: true });
      writeFileSync(join(dir, '.sysight/runs/ok/run.json'), JSON.stringify({ schemaVersion: 1, id: 'ok', createdAt: '2026-01-01', status: 'done', rounds: [] }));
      writeFileSync(join(dir, '.sysight/runs/ok/findings.json'), JSON.stringify({ schemaVersion: 1, findings: [{ id: 'x', category: 'C9' }] }));
      const { runs, problems } = loadRuns(dir);
      expect(problems).toHaveLength(1);
      expect(problems[0]).toMatch(/bad\/run\.json is not valid JSON/);
      expect(runs.map((r) => r.id)).toEqual(['ok']);
      expect(runs[0]!.findings).toBeNull();
      expect(runs[0]!.problems[0]).toMatch(/finding 0 lacks id, category C1–C7/);
      expect(loadRuns(join(dir, 'nothing'))).toEqual({ runs: [], problems: [] });
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('refuses other schema versions with a clear message', () => {
    expect(() => checkRunRecord({ schemaVersion: 2, id: 'a', rounds: [] }, 'run.json')).toThrow('run.json: unsupported run schemaVersion 2 (expected 1)');
    expect(() => checkFindingSet([], 'f.json')).toThrow('f.json: not a finding set');
    expect(() => checkFindingSet({ schemaVersion: 1, findings: [{ id: 'a', category: 'C3', file: 'x.py', line: 0, impact: {} }] }, 'f')).toThrow(/line ≥ 1/);
  });
});

describe('Runs view icons', () => {
  it('gives each verdict its own icon; inconclusive is not shown as a question or a failure', () => {
    const icons = (['accepted', 'rejected', 'inconclusive', 'error', 'skipped'] as const).map(verdictIcon);
    expect(new Set(icons).size).toBe(5);
    expect(verdictIcon('inconclusive')).toBe('history');
    expect(verdictIcon('rejected')).toBe('circle-slash');
  });
});
