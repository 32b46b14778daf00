import { describe, expect, it } from 'vitest';
import type { LocalizedFindingSet } from '../core/findings.js';
import type { PatchPlan, RunRecord } from '../core/run.js';
import { renderReports } from './index.js';

const run: RunRecord = {
  schemaVersion: 1, id: 'r1', repo: '/w/demo', createdAt: '2026-01-01T00:00:00Z', status: 'done', command: ['python', 'train.py'], python: '/usr/bin/python3',
  rounds: [
    { index: 1, profile: 'p1.json', iterationMs: 100, iterationInterval: { low: 98, high: 102, level: 0.95 }, findings: 1, trials: [
      { patchId: 'p-a', findingId: 'f1', pattern: 'C7.memmap-reopen', verdict: 'accepted', reason: 'speed-up +20.0% [+15.0%, +25.0%]', smokeOk: true, numericsOk: true,
        measurement: { baselineMs: [100], candidateMs: [80], baselineMedianMs: 100, candidateMedianMs: 80, speedup: 0.25, speedupInterval: { low: 0.15, high: 0.3, level: 0.95 }, source: 'shim', runs: 5 } },
      { patchId: 'p-b', findingId: 'f2', pattern: 'C3.item-sync', verdict: 'rejected', reason: 'numerics changed <script>', smokeOk: true, numericsOk: false, measurement: null },
    ] },
    { index: 2, profile: 'p2.json', iterationMs: 80, iterationInterval: null, findings: 0, trials: [], profileDiff: { verdict: 'likely improvement', headline: 'likely improvement: step time −20.0% (C7)', changedCategories: ['C7'] } },
  ],
};
const set: LocalizedFindingSet = {
  schemaVersion: 1, profile: 'p1.json', repo: '/w/demo', iterationMs: 100, iterations: 5, gpu: false, notes: [], unconfirmed: [],
  findings: [{ id: 'f1', category: 'C7', pattern: 'C7.memmap-reopen', title: 'memmap reopened per batch', file: 'train.py', function: 'get_batch', line: 12,
    severity: 'high', impact: { msPerIter: 20, pctOfIter: 20 }, confidence: 0.9, localizedBy: 'python-stack',
    evidence: [{ kind: 'profile', query: 'python-lines', summary: '20 ms/iter on this line' }] }],
};
const patch: PatchPlan = { id: 'p-a', findingId: 'f1', category: 'C7', pattern: 'C7.memmap-reopen', file: 'train.py', baseHash: 'h', diff: '--- a/train.py\n+++ b/train.py\n-x\n+y\n', linesChanged: 2, rationale: 'open once', source: 'codemod' };

describe('reports', () => {
  const r = renderReports(run, new Map([[1, set]]), [patch]);
  it('summarizes the rounds and the total speed-up', () => {
    expect(r.data.baselineMs).toBe(100);
    expect(r.data.finalMs).toBe(80);
    expect(r.data.totalSpeedup).toBeCloseTo(0.25);
    expect(r.md).toContain('100 ms → 80.0 ms (+25.0% speed-up)');
    expect(r.md).toContain('[train.py:12](train.py#L12)');
    expect(r.md).toContain('```diff');
    expect(r.md).toContain('Profile against round 1 (`sysight diff`): **likely improvement** — step time −20.0% (C7)');
  });
  it('puts the measured A/B of the patches accepted in round N−1 beside the profile diff of round N against N−1', () => {
    expect(r.md).toContain('| accepted in round 1 | measured A/B speed-up | 95% confidence sequence | profile diff, round 2 vs 1 |');
    expect(r.md).toContain('| p-a C7.memmap-reopen | +25.0% | [+15.0%, +30.0%] | **likely improvement** — step time −20.0% (C7) |');
    // the rejected patch changed nothing between the profiles: it is not in the comparison
    expect(r.md.split('\n').filter((l) => l.startsWith('| p-b'))).toHaveLength(1);
    expect(r.html).toMatch(/<table class="side-by-side">.*<td>p-a <span class="muted">C7\.memmap-reopen<\/span><\/td><td class="num">\+25\.0% \[\+15\.0%, \+30\.0%\]<\/td><td rowspan="1"><b>likely improvement<\/b>/);
  });
  it('renders self-contained HTML: no scripts, no remote content, escaped text', () => {
    expect(r.html).not.toMatch(/<script/i);
    expect(r.html).not.toMatch(/https?:\/\//);
    expect(r.html).toContain('numerics changed &lt;script&gt;');
    expect(r.html).toContain('<svg role="img" aria-label="Iteration time per round"');
    expect(r.html).toContain('vscode://file/w/demo/train.py:12');
  });
  it('writes versioned JSON', () => {
    expect(JSON.parse(r.json).schemaVersion).toBe(1);
  });
});
