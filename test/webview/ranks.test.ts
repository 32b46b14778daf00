// The ranks view in real Chromium, on the built bundle: a simulated 8-rank data-parallel run (rank 2 computes
// slower, rank 5 loads data slower) summarized per rank and reduced, drawn as the Open Ranks panel and as the
// Ranks tab of a dashboard. Cells = ranks × steps, the straggler highlighted, a click or Enter on a cell
// posts the open-rank message with that step's window, the metric picker recolours, screenshots.
import { describe, expect, it } from 'vitest';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { artifactsDir } from '../support/chromium.js';
import { canRunWebview, posted, send, useChromium, whenReady } from './harness.js';
import { reduceRanks } from '../../src/analyze/ranks/index.js';
import { simulateRun } from './ranks-fixture.js';
import { buildRanksView, type RanksView } from '../../src/analyze/ranks/view.js';
import { runRanksJob } from '../../src/worker/ranks-job.js';
import type { DashboardState, ProfileOverview } from '../../src/protocol/dashboard.js';

const root = process.cwd();

const H100 = '/work/shared/profiles/GindaChen+nsys-ai__h100_2gpu_1s.sqlite';
const violations = (page: Page) => page.evaluate(() => (window as unknown as { __violations: string[] }).__violations);

describe.skipIf(!canRunWebview)('ranks view in Chromium', () => {
  const summaries = simulateRun({ ranks: 8, steps: 12, straggler: 2, slowLoader: 5 });
  // a rank whose file could not be read, as the map step reports it
  const report = reduceRanks(summaries, { problems: [{ source: '/runs/ddp/rank8.sqlite', rank: 8, kind: 'unreadable', message: 'rank8.sqlite: file is not a database' }] });
  const view: RanksView = buildRanksView(report, summaries, 'Ranks: ddp');
  const web = useChromium();

  async function openPanel(theme: 'light' | 'dark' | 'hc'): Promise<Page> {
    const page = await web.browser.context.newPage();
    await page.goto(web.harness.url(theme, 'ranks'));
    await whenReady(page);
    await page.locator('[data-testid=ranks-loading]').waitFor();
    await send(page, { method: 'ranks/state', params: { state: 'ready', view } });
    await page.locator('[data-testid=heatmap]').waitFor();
    return page;
  }

  it('draws one cell per rank and step, highlights the straggler, lists waits and problems', async () => {
    const page = await openPanel('dark');
    expect(await page.locator('h1').textContent()).toBe('Ranks: ddp');
    expect(await page.locator('[data-testid=rank-cell]').count()).toBe(summaries.length * summaries[0]!.steps.length);
    expect(await page.locator('[data-testid=heat-row]').count()).toBe(8);
    // the slow-computing rank is the one the others wait for: its heatmap row and ranking row are marked
    expect(await page.locator('.heat-row.straggler').getAttribute('data-rank')).toBe('2');
    expect(await page.locator('[data-testid=straggler-row].straggler').getAttribute('data-rank')).toBe('2');
    expect(await page.locator('[data-testid=straggler-row]').first().textContent()).toContain('rank 2');
    const allreduce = page.locator('[data-testid=collective-row][data-op=AllReduce]');
    expect(await allreduce.textContent()).toContain('rank 2 (12/12)');
    expect(await page.locator('[data-testid=problems]').textContent()).toContain('file is not a database');
    // communication per rank: the ranks that wait for the straggler spend their exposed NCCL time waiting
    expect(await page.locator('[data-testid=comm-row]').count()).toBe(8);
    const waiting = async (r: number) => parseFloat((await page.locator(`[data-testid=comm-row][data-rank="${r}"] td`).nth(3).textContent())!);
    expect(await waiting(0)).toBeGreaterThan(await waiting(2) + 5);
    expect(await page.locator('[data-testid=ranks-summary]').textContent()).toMatch(/max arrival skew \d+\.\d+ ms/);
    expect(await page.locator('[data-testid=straggler-row][data-rank="2"] td').nth(3).textContent()).toMatch(/^1\d\.\d+ ms$/);
    // each cell tells its value in a title and to screen readers
    const cell = page.locator('[data-testid=rank-cell][data-rank="2"][data-step="0"]');
    expect(await cell.getAttribute('title')).toMatch(/^rank 2, step 0: step time \d+\.\d+ ms/);
    expect(await cell.getAttribute('aria-label')).toBe(await cell.getAttribute('title'));
    expect(await violations(page)).toEqual([]);
    await page.close();
  });

  it('posts the open-rank message with the step window on a click, and on Enter after arrow keys', async () => {
    const page = await openPanel('dark');
    await page.locator('[data-testid=rank-cell][data-rank="1"][data-step="5"]').click();
    const step5 = summaries[1]!.steps[5]!;
    await expect.poll(async () => (await posted(page)).filter((m) => m.method === 'ranks/openRank')).toEqual([
      { method: 'ranks/openRank', params: { rank: 1, source: summaries[1]!.source, step: 5, startNs: step5.startNs, endNs: step5.endNs, pid: 4001 } },
    ]);
    // keyboard: one tab stop; arrows move it, Enter opens
    await page.keyboard.press('ArrowDown');
    await page.keyboard.press('ArrowRight');
    expect(await page.evaluate(() => [document.activeElement?.getAttribute('data-rank'), document.activeElement?.getAttribute('data-step')])).toEqual(['2', '6']);
    expect(await page.locator('[data-testid=rank-cell][tabindex="0"]').count()).toBe(1);
    await page.keyboard.press('Enter');
    await expect.poll(async () => (await posted(page)).filter((m) => m.method === 'ranks/openRank').map((m) => [m.params.rank, m.params.step])).toEqual([[1, 5], [2, 6]]);
    await page.close();
  });

  it('recolours by exposed communication: the ranks that wait for the straggler turn hot', async () => {
    const page = await openPanel('light');
    const colourOf = (rank: number) => page.locator(`[data-testid=rank-cell][data-rank="${rank}"][data-step="3"]`).evaluate((e) => getComputedStyle(e).backgroundColor);
    await page.locator('[data-testid=rank-metric]').click();
    await page.locator('vscode-option', { hasText: 'Exposed communication' }).click();
    await expect.poll(() => page.locator('[data-testid=heat-legend]').textContent()).toContain('Exposed communication');
    const values = await page.locator('[data-testid=rank-cell][data-step="3"]').evaluateAll((cells) => cells.map((c) => Number(c.getAttribute('data-value'))));
    const expected = summaries.map((s) => s.steps[3]!.exposedCommNs / 1e6);
    values.forEach((v, i) => expect(v).toBeCloseTo(expected[i]!, 6));
    // the straggler waits least, so its cell is the coolest of the column
    expect(values.indexOf(Math.min(...values))).toBe(2);
    expect(await colourOf(2)).not.toBe(await colourOf(0));
    await page.screenshot({ path: join(artifactsDir(), 'ranks-exposed-comm-light.png'), fullPage: true });
    await page.close();
    for (const theme of ['dark', 'hc'] as const) {
      const p = await openPanel(theme);
      await p.screenshot({ path: join(artifactsDir(), `ranks-${theme}.png`), fullPage: true });
      await p.close();
    }
  });

  it('groups a long run into at most 240 columns; a grouped cell opens the window of all its steps', async () => {
    const long = simulateRun({ ranks: 2, steps: 1000, straggler: 1 });
    const v = buildRanksView(reduceRanks(long), long, 'Ranks: long');
    const page = await web.browser.context.newPage();
    await page.goto(web.harness.url('dark', 'ranks'));
    await send(page, { method: 'ranks/state', params: { state: 'ready', view: v } });
    await page.locator('[data-testid=heatmap]').waitFor();
    expect(await page.locator('[data-testid=rank-cell]').count()).toBe(2 * 200); // 1000 steps in columns of 5
    expect(await page.locator('[data-testid=heat-grouped]').textContent()).toBe('1000 steps in 200 columns of 5');
    const cell = page.locator('[data-testid=rank-cell][data-rank="0"][data-step="10"]');
    expect(await cell.getAttribute('title')).toMatch(/^rank 0, steps 10–14: step time \d+\.\d+ ms \(mean\)/);
    await cell.click();
    await expect.poll(async () => (await posted(page)).filter((m) => m.method === 'ranks/openRank').map((m) => m.params)).toEqual([
      { rank: 0, source: long[0]!.source, step: 10, startNs: long[0]!.steps[10]!.startNs, endNs: long[0]!.steps[14]!.endNs, pid: 4000 },
    ]);
    await page.close();
  });

  it('shows progress with Cancel while computing, and an error with Try again', async () => {
    const page = await web.browser.context.newPage();
    await page.goto(web.harness.url('dark', 'ranks'));
    await send(page, { method: 'ranks/state', params: { state: 'loading', message: 'summarizing rank3.sqlite (4/8)', fraction: 0.4 } });
    await expect.poll(() => page.locator('[data-testid=ranks-loading]').textContent()).toContain('summarizing rank3.sqlite (4/8)');
    await page.locator('[data-testid=ranks-loading] vscode-button').click();
    await expect.poll(async () => (await posted(page)).filter((m) => m.method === 'ranks/compute').map((m) => m.params)).toEqual([{ cancel: true }]);
    // a malformed state (cells not matching the steps) is not drawn
    await send(page, { method: 'ranks/state', params: { state: 'ready', view: { ...view, steps: [0] } } });
    await send(page, { method: 'ranks/state', params: { state: 'error', message: 'no rank could be read' } });
    await page.locator('[data-testid=ranks-error]').waitFor();
    expect(await page.locator('[data-testid=heatmap]').count()).toBe(0);
    await page.close();
  });

  it.skipIf(!existsSync(H100))('renders the real two-rank nsys export (h100_2gpu_1s), computed by the ranks job', async () => {
    const { view: real } = await runRanksJob([H100], { signal: new AbortController().signal, onProgress: () => undefined });
    const page = await web.browser.context.newPage();
    await page.goto(web.harness.url('dark', 'ranks'));
    await send(page, { method: 'ranks/state', params: { state: 'ready', view: real } });
    await page.locator('[data-testid=heatmap]').waitFor();
    expect(await page.locator('[data-testid=heat-row]').count()).toBe(2);
    expect(await page.locator('[data-testid=rank-cell]').count()).toBe(2 * real.steps.length);
    expect(real.steps.length).toBeGreaterThan(1);
    expect(await page.locator('[data-testid=ranks-summary]').textContent()).toContain(`2 of 2 ranks · ${real.steps.length} steps`);
    // the two ranks' steps agree within a fraction of a percent: the scale does not stretch that into hot and cold
    const colours = new Set(await page.locator('[data-testid=rank-cell]').evaluateAll((cs) => cs.map((c) => getComputedStyle(c).backgroundColor)));
    expect(colours.size).toBeLessThanOrEqual(3);
    await page.locator('[data-testid=rank-cell][data-rank="1"][data-step="1"]').click();
    const posted1 = (await posted(page)).filter((m) => m.method === 'ranks/openRank');
    expect(posted1.map((m) => [m.params.rank, m.params.step, m.params.source])).toEqual([[1, 1, H100]]);
    expect(posted1[0]!.params.startNs).toBe(real.ranks[1]!.cells[1]!.startNs);
    expect(await violations(page)).toEqual([]);
    await page.screenshot({ path: join(artifactsDir(), 'ranks-h100_2gpu_1s.png'), fullPage: true });
    await page.close();
  }, 60_000);

  it('adds a Ranks tab to a dashboard whose profile holds several rank processes', async () => {
    const page = await web.browser.context.newPage();
    await page.goto(web.harness.url('dark'));
    await whenReady(page);
    const overview = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'overview.json'), 'utf8')) as ProfileOverview;
    const state: DashboardState = {
      profile: { path: '/p/two.sqlite', name: 'two.sqlite' }, overview, overviewStatus: { state: 'ready' }, findings: [], run: null,
      progress: { active: false }, trusted: true, rankProcesses: 1,
    };
    await send(page, { method: 'state', params: state });
    await page.locator('[data-testid=dashboard]').waitFor();
    expect(await page.locator('[data-testid=tab-ranks]').count()).toBe(0);
    await send(page, { method: 'state', params: { ...state, rankProcesses: 2 } });
    await page.locator('[data-testid=tab-ranks]').click();
    await expect.poll(async () => (await posted(page)).filter((m) => m.method === 'ranks/compute').map((m) => m.params)).toEqual([{}]);
    expect(await page.locator('[data-testid=timeline]').count()).toBe(0);
    const two = simulateRun({ ranks: 2, steps: 6, straggler: 1, oneFile: '/p/two.sqlite' });
    await send(page, { method: 'ranks/state', params: { state: 'ready', view: buildRanksView(reduceRanks(two), two, 'Ranks: two.sqlite') } });
    await page.locator('[data-testid=heatmap]').waitFor();
    expect(await page.locator('[data-testid=rank-cell]').count()).toBe(12);
    await page.locator('[data-testid=rank-cell][data-rank="0"][data-step="2"]').click();
    await expect.poll(async () => (await posted(page)).filter((m) => m.method === 'ranks/openRank').map((m) => m.params))
      .toEqual([{ rank: 0, source: '/p/two.sqlite', step: 2, startNs: two[0]!.steps[2]!.startNs, endNs: two[0]!.steps[2]!.endNs, pid: 4000 }]);
    // the host answers with timeline/reveal: the dashboard shows that window in its trace view; unknown messages are ignored
    await send(page, { type: 'something/else', x: 1 });
    await send(page, { method: 'timeline/reveal', params: { startNs: two[0]!.steps[2]!.startNs, endNs: two[0]!.steps[2]!.endNs } });
    await expect.poll(() => page.locator('[data-testid=tab-trace]').getAttribute('aria-selected')).toBe('true');
    await page.locator('[data-testid=trace]').waitFor();
    expect(await violations(page)).toEqual([]);
    await page.close();
  });
});
