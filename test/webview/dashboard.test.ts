// The React dashboard in real Chromium, on the built bundle, fed with the fixture run and overview:
// findings rows, sorting, the category filter, clicks that post reveal/openPatch, zoom request/response,
// live progress, state kept across a reload, no CSP violation, light and dark screenshots.
import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { artifactsDir } from '../support/chromium.js';
import { canRunWebview, posted, send, useChromium, whenReady } from './harness.js';
import { loadRuns, toFindingView, toRunView } from '../../src/extension/model.js';
import type { DashboardState, ProfileOverview } from '../../src/protocol/dashboard.js';

const root = process.cwd();

function fixtureState(): DashboardState {
  const { runs } = loadRuns(join(root, 'test', 'fixtures', 'workspace'));
  const run = runs[0]!;
  const overview = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'overview.json'), 'utf8')) as ProfileOverview;
  return {
    profile: { path: '/ws/train.pt.trace.json', name: 'train.pt.trace.json' },
    overview,
    overviewStatus: { state: 'ready' },
    findings: run.findings!.findings.map((f) => toFindingView(run, f)),
    run: toRunView(run),
    progress: { active: false },
    trusted: true,
  };
}

const rowIds = (page: Page) => page.locator('tr.finding').evaluateAll((rows) => rows.map((r) => r.getAttribute('data-category')));

describe.skipIf(!canRunWebview)('dashboard webview in Chromium', () => {
  const state = fixtureState();
  const web = useChromium();

  async function open(theme: 'light' | 'dark' | 'hc'): Promise<Page> {
    const page = await web.browser.context.newPage();
    await page.goto(web.harness.url(theme));
    await whenReady(page);
    await send(page, { method: 'state', params: state });
    await page.locator('[data-testid=dashboard]').waitFor();
    return page;
  }

  it('renders timeline lanes, iterations, findings, rounds and kernels from the fixture', async () => {
    const page = await open('dark');
    expect(await page.locator('h1').textContent()).toBe('train.pt.trace.json');
    // CPU + GPU rows and one lane per device/stream (compute 7, copy 8, NCCL 9)
    expect(await page.locator('[data-testid=lane]').count()).toBe(2 + state.overview!.lanes.length);
    expect(state.overview!.lanes.length).toBe(3);
    expect(await page.locator('[data-testid=iteration]').count()).toBe(10);
    expect(await page.locator('tr.finding').count()).toBe(3);
    expect(await rowIds(page)).toEqual(['C3', 'C1', 'C4']); // default: ms/iter, largest first
    expect(await page.locator('[data-testid=round]').count()).toBe(2);
    expect(await page.locator('[data-testid=accepted]').textContent()).toContain('2');
    // round 2's profile against round 1's, beside the measured A/B of the patches accepted in round 1
    expect(await page.locator('[data-testid=round-diff]').count()).toBe(1);
    const diffRow = await page.locator('[data-testid=round-diff]').textContent();
    expect(diffRow).toContain('R2 vs R1');
    expect(diffRow).toContain('likely improvement');
    expect(diffRow).toContain('C3.item-in-loop +13.8%, C1.dataloader-num-workers +6.0%');
    expect(await page.locator('[data-testid=kernels] tbody tr').count()).toBe(state.overview!.topKernels.length);
    expect(await page.locator('[data-testid=kernels] tbody tr').first().textContent()).toContain('ampere_sgemm_128x64_tn');
    expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
    await page.close();
  });

  it('sorts, filters by category, and posts reveal and openPatch messages', async () => {
    const page = await open('dark');
    await page.locator('th[data-sort=category]').click();
    expect(await rowIds(page)).toEqual(['C4', 'C3', 'C1']);
    await page.locator('th[data-sort=category]').click();
    expect(await rowIds(page)).toEqual(['C1', 'C3', 'C4']);

    await page.locator('[data-testid=category-filter]').click();
    await page.locator('vscode-option', { hasText: 'C3 Synchronization' }).click();
    await expect.poll(() => rowIds(page)).toEqual(['C3']);

    await page.locator('tr.finding').first().click();
    await expect.poll(async () => (await posted(page)).filter((m) => m.method === 'reveal')).toEqual([
      { method: 'reveal', params: { file: 'train.py', line: 22 } },
    ]);
    await page.locator('[data-testid=open-patch]').first().click();
    const opened = (await posted(page)).filter((m) => m.method === 'openPatch');
    expect(opened).toEqual([{ method: 'openPatch', params: { runId: 'r1-demo', patchId: 'p1' } }]);
    // the click on the patch link must not also reveal
    expect((await posted(page)).filter((m) => m.method === 'reveal')).toHaveLength(1);

    // state survives a reload (getState/setState): filter and sort are restored before the host answers
    await page.reload();
    await page.locator('[data-testid=dashboard]').waitFor();
    expect(await rowIds(page)).toEqual(['C3']);
    expect(await page.locator('th[data-sort=category]').getAttribute('aria-sort')).toBe('ascending');
    await page.close();
  });

  it('asks the host to zoom into an iteration and draws its answer; shows live progress with Cancel', async () => {
    const page = await open('light');
    await page.locator('[data-testid=iteration]').nth(3).click({ force: true });
    await expect.poll(async () => (await posted(page)).filter((m) => m.method === 'zoom').length).toBe(1);
    const req = (await posted(page)).find((m) => m.method === 'zoom')!;
    const it3 = state.overview!.iterations[3]!;
    expect(req.params).toEqual({ startNs: it3.startNs, endNs: it3.endNs, bins: 400 });
    expect(typeof req.id).toBe('number');
    const zoomed: ProfileOverview = { ...state.overview!, startNs: it3.startNs, endNs: it3.endNs, iterations: [it3] };
    await send(page, { method: 'response', id: req.id, params: { ok: true, result: zoomed } });
    await page.getByText('reset zoom').waitFor();
    expect(await page.locator('[data-testid=iteration]').count()).toBe(1);
    await page.getByText('reset zoom').click();
    expect(await page.locator('[data-testid=iteration]').count()).toBe(10);

    await send(page, { method: 'progress', params: { active: true, title: 'Run Closed Loop', stage: 'execute', message: 'measuring p1 (3/10)', fraction: 0.3 } });
    await page.locator('[data-testid=progress]').waitFor();
    expect(await page.locator('[data-testid=progress]').textContent()).toContain('measuring p1 (3/10)');
    await page.locator('[data-testid=progress] vscode-button').click();
    await expect.poll(async () => (await posted(page)).filter((m) => m.method === 'action').map((m) => m.params.action)).toEqual(['cancel']);
    await send(page, { method: 'progress', params: { active: false } });
    await page.locator('[data-testid=progress]').waitFor({ state: 'detached' });
    await page.close();
  });

  it('follows the theme: light, dark and high-contrast screenshots differ in background, text and borders', async () => {
    const colours: Record<string, string[]> = {};
    for (const theme of ['light', 'dark', 'hc'] as const) {
      const page = await open(theme);
      colours[theme] = await page.evaluate(() => {
        const s = getComputedStyle(document.body);
        return [s.backgroundColor, s.color, getComputedStyle(document.querySelector('.card')!).borderTopColor];
      });
      await page.screenshot({ path: join(artifactsDir(), `dashboard-${theme}.png`), fullPage: true });
      await page.close();
    }
    expect(colours.light).toEqual(['rgb(255, 255, 255)', 'rgb(59, 59, 59)', 'rgb(229, 229, 229)']);
    expect(colours.dark).toEqual(['rgb(31, 31, 31)', 'rgb(204, 204, 204)', 'rgb(43, 43, 43)']);
    expect(colours.hc).toEqual(['rgb(0, 0, 0)', 'rgb(255, 255, 255)', 'rgb(111, 195, 223)']);
  });

  it('shows an untrusted workspace as view-only and a profile error with the saved summary', async () => {
    const page = await open('dark');
    await send(page, { method: 'state', params: { ...state, trusted: false, overviewStatus: { state: 'error', message: 'Cannot read x.sqlite: not a profile' } } });
    await page.locator('[data-testid=untrusted]').waitFor();
    // the toolkit's button reflects `disabled` onto its element after its own render: wait for it
    await expect.poll(() => page.locator('[data-testid=analyze]').getAttribute('disabled')).not.toBeNull();
    expect(await page.locator('[data-testid=overview-error]').textContent()).toContain('not a profile');
    expect(await page.locator('[data-testid=timeline]').count()).toBe(1);
    await page.close();
  });
});
