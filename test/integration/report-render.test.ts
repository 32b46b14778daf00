// The self-contained HTML report renders in real Chromium with no network and no script: KPIs, the SVG
// chart of iteration time per round, findings linked to file:line. A screenshot is kept as an artifact.
import { join } from 'node:path';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { LocalizedFindingSet } from '../../src/core/findings.js';
import type { RunRecord } from '../../src/core/run.js';
import { renderReports } from '../../src/report/index.js';
import { artifactsDir, hasChromium, launch } from '../support/chromium.js';

const run: RunRecord = {
  schemaVersion: 1, id: 'r-render', repo: '/work/demo', createdAt: '2026-11-25T10:00:00Z', status: 'done', command: ['python3', 'train.py'], python: '/usr/bin/python3', clock: 'cpu',
  rounds: [
    { index: 1, profile: 'round1.trace.json', iterationMs: 36.2, iterationInterval: { low: 32.3, high: 36.6, level: 0.95 }, findings: 1, trials: [
      { patchId: 'vectorize-element-loop-1', findingId: 'f1', pattern: 'C7.element-loop', verdict: 'accepted', reason: 'speed-up +54.7% [+37.7%, +62.2%], numerics equal over 10 steps', smokeOk: true, numericsOk: true,
        measurement: { baselineMs: [36, 36.2, 36.4], candidateMs: [23, 23.4, 23.6], baselineMedianMs: 36.2, candidateMedianMs: 23.4, speedup: 0.547, speedupInterval: { low: 0.377, high: 0.622, level: 0.95 }, source: 'shim', runs: 3 } },
    ] },
    { index: 2, profile: 'round2.trace.json', iterationMs: 23.4, iterationInterval: { low: 22.9, high: 24.1, level: 0.95 }, findings: 0, trials: [] },
  ],
  final: { baselineMs: 35.5, finalMs: 23.4, speedup: 0.513, interval: { low: 0.256, high: 0.689, level: 0.95 }, baselineInterval: null, finalInterval: null, verdict: 'accepted', reason: 'ok', patches: ['stack-1'] },
};
const set: LocalizedFindingSet = {
  schemaVersion: 1, profile: 'round1.trace.json', repo: '/work/demo', iterationMs: 186, iterations: 3, gpu: false, notes: [], unconfirmed: [],
  findings: [{ id: 'f1', category: 'C7', pattern: 'C7.element-loop', title: 'Python pipeline: a loop nest fills x[b, t] one element per iteration', file: 'train.py', function: 'get_batch', line: 74,
    severity: 'critical', impact: { msPerIter: 60.8, pctOfIter: 32.7 }, confidence: 0.9, localizedBy: 'python-stack',
    evidence: [{ kind: 'profile', query: 'python-stack', summary: '60.8 ms/iter measured on lines 74–77' }] }],
};

describe.skipIf(!hasChromium)('HTML report in Chromium', () => {
  it('renders the KPIs, the rounds chart and file:line links without network or scripts', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sysight-report-'));
    const { context, close } = await launch({ width: 1100, height: 1200 });
    try {
      const file = join(dir, 'report.html');
      writeFileSync(file, renderReports(run, new Map([[1, set]]), []).html);
      const page = await context.newPage();
      const requests: string[] = [];
      page.on('request', (r) => { if (!r.url().startsWith('file:')) requests.push(r.url()); });
      const errors: string[] = [];
      page.on('console', (m) => { if (m.type() === 'error') errors.push(m.text()); });
      await page.goto(`file://${file}`);
      await expect(page.locator('.kpi').filter({ hasText: 'speed-up' }).innerText()).resolves.toContain('+51.3%');
      expect(await page.locator('svg[aria-label="Iteration time per round"] rect.bar').count()).toBe(2);
      const link = page.locator('a[href^="vscode://file/work/demo/train.py:74"]');
      expect(await link.count()).toBe(1);
      expect(await page.locator('script').count()).toBe(0);
      expect(requests).toEqual([]);
      expect(errors).toEqual([]);
      await page.screenshot({ path: join(artifactsDir(), 'report.png'), fullPage: true });
    } finally {
      await close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
