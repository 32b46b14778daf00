// The dashboard's trace view in real Chromium on the built bundle, against the real host path: a generated
// ~1M-row nsys profile opened in the extension's profile worker (dist/profile-session.js) through the
// engine, and the webview's timeline requests answered by TraceRequests (the code the Dashboard runs) with
// worker queries. Pans and zooms by keyboard, wheel and drag; checks that each answer and each frame stay a
// screen's worth of slices; hover, click for details, search and jump, reveal from the host. Screenshots go to
// test-artifacts/. No timing assertions: waits are on the view's data attributes.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { artifactsDir } from '../support/chromium.js';
import { canRunWebview, posted, useChromium } from './harness.js';
import { canvasData, openDashboard, sessionWorkerBuilt, settled, useProfile, type Data } from './dashboard-page.js';
import { presetScenario, writeNsysProfile } from '../../src/profile/generator/index.js';
import type { TimelineTiles } from '../../src/protocol/dashboard.js';
import { AXIS_H, LABEL_W, ROW_H } from '../../webview/src/trace/layout.js';

const num = (d: Data, k: string) => Number(d[k]);

describe.skipIf(!canRunWebview || !sessionWorkerBuilt)('trace view in Chromium on a generated profile', () => {
  let events = 0;
  /** slices in every tiles answer the host sent, with the width it was asked for */
  const answers: Array<{ slices: number; lanes: number; pixels: number }> = [];
  const profile = useProfile('sysight-trace-', (dir) => {
    const file = join(dir, 'big.sqlite');
    // backtraces for every runtime call (the preset, like nsys by default, keeps them for long calls only)
    events = writeNsysProfile({ ...presetScenario('bench', 5000), backtraceThresholdUs: 0 }, file).rows;
    return file;
  }, 300_000);
  const web = useChromium({ width: 1400, height: 1000 });

  async function open(): Promise<Page> {
    const page = await web.browser.context.newPage();
    // timeline requests are answered as the Dashboard answers them; the tiles' sizes are kept for the checks
    await openDashboard(page, web.harness, profile.session, {
      profile: { path: '/ws/big.sqlite', name: 'big.sqlite' },
      onAnswer: (m, answer) => {
        if (m.method !== 'timeline/tiles' || !answer.ok) return;
        const t = answer.result as TimelineTiles;
        answers.push({ slices: t.lanes.reduce((s, l) => s + l.slices.length, 0), lanes: t.lanes.length, pixels: t.pixels });
      },
    });
    return page;
  }

  it('pans and zooms by keys, wheel and drag with every answer and frame bounded by the view, not the profile', async () => {
    const page = await open();
    await page.locator('[data-testid=tab-trace]').click();
    let d = await settled(page);
    const plotW = num(d, 'plotWidth');
    const lanes = num(d, 'lanes');
    const { startNs, endNs } = profile.session.overview;
    expect(num(d, 'viewStart')).toBe(startNs);
    expect(num(d, 'viewEnd')).toBe(endNs);
    // GPU streams, NVTX levels and the CPU thread each have rows
    expect(d.rowIds!.split(',').some((id) => id.startsWith('gpu'))).toBe(true);
    expect(d.rowIds!.split(',').some((id) => id.startsWith('nvtx'))).toBe(true);
    expect(d.rowIds!.split(',').some((id) => id.startsWith('cpu'))).toBe(true);
    const bound = lanes * (plotW + 1);
    const wholeDrawn = num(d, 'slicesDrawn');
    expect(wholeDrawn).toBeGreaterThan(0);
    expect(wholeDrawn).toBeLessThanOrEqual(bound);
    expect(num(d, 'tilesSlices')).toBeLessThan(events / 20);
    await page.screenshot({ path: join(artifactsDir(), 'trace-whole.png'), fullPage: true });

    // keyboard: W zooms in about the centre, D pans right, S zooms out, A pans left
    await page.locator('[data-testid=trace]').focus();
    for (let i = 0; i < 12; i++) await page.keyboard.press('w');
    d = await settled(page);
    const span1 = num(d, 'viewEnd') - num(d, 'viewStart');
    expect(span1).toBeCloseTo((endNs - startNs) * 0.8 ** 12, -2);
    expect(num(d, 'slicesDrawn')).toBeLessThanOrEqual(bound);
    const before = num(d, 'viewStart');
    for (let i = 0; i < 3; i++) await page.keyboard.press('d');
    d = await settled(page);
    expect(num(d, 'viewStart')).toBeCloseTo(before + 3 * 0.15 * span1, -2);
    await page.keyboard.press('ArrowLeft');
    await page.keyboard.press('s');
    d = await settled(page);
    expect(num(d, 'viewEnd') - num(d, 'viewStart')).toBeCloseTo(span1 / 0.8, -2);
    await page.screenshot({ path: join(artifactsDir(), 'trace-keys.png'), fullPage: true });

    // wheel: zoom in about the pointer, which keeps the time under it in place
    const box = (await page.locator('[data-testid=trace-canvas]').boundingBox())!;
    const px = box.x + LABEL_W + plotW * 0.25;
    await page.mouse.move(px, box.y + AXIS_H + ROW_H / 2);
    const v0 = await canvasData(page);
    const tUnder = num(v0, 'viewStart') + 0.25 * (num(v0, 'viewEnd') - num(v0, 'viewStart'));
    await page.mouse.wheel(0, 500);
    await page.mouse.wheel(0, -1500);
    d = await settled(page);
    const span2 = num(d, 'viewEnd') - num(d, 'viewStart');
    expect(span2).toBeLessThan(num(v0, 'viewEnd') - num(v0, 'viewStart'));
    expect(num(d, 'viewStart') + 0.25 * span2).toBeCloseTo(tUnder, -3);

    // drag: a quarter of the width to the left shows later times
    const s2 = num(d, 'viewStart');
    await page.mouse.move(px + plotW / 2, box.y + AXIS_H + 2);
    await page.mouse.down();
    await page.mouse.move(px + plotW / 4, box.y + AXIS_H + 2, { steps: 5 });
    await page.mouse.up();
    d = await settled(page);
    expect(num(d, 'viewStart')).toBeCloseTo(s2 + span2 / 4, -3);

    // every frame and every answer stayed a screen's worth
    expect(num(d, 'maxSlicesDrawn')).toBeLessThanOrEqual(bound);
    expect(answers.length).toBeGreaterThan(3);
    for (const a of answers) expect(a.slices).toBeLessThanOrEqual(a.lanes * 2 * a.pixels);
    await page.locator('[data-testid=trace-reset]').click();
    d = await settled(page);
    expect([num(d, 'viewStart'), num(d, 'viewEnd')]).toEqual([startNs, endNs]);
    await page.close();
  }, 240_000);

  it('searches, jumps between matches, shows a hovered and a clicked slice with its launch and Python stack', async () => {
    const page = await open();
    await page.locator('[data-testid=tab-trace]').click();
    await settled(page);
    await page.locator('[data-testid=trace-search]').fill('gemm');
    await page.locator('[data-testid=trace-search]').press('Enter');
    await expect.poll(() => page.locator('[data-testid=search-status]').textContent()).toMatch(/^1 \/ [\d,]+$/);
    // the jump selects the first match and opens its details
    await page.locator('[data-testid=slice-details]').waitFor();
    // the match may be on the full name (cutlass::Kernel2<…gemm…>): the panel shows both
    const name = (await page.locator('[data-testid=slice-details] h2').textContent())!;
    expect(await page.locator('[data-testid=slice-details]').textContent()).toContain('gemm');
    expect(await page.locator('[data-testid=detail-grid]').textContent()).toMatch(/^\d+×\d+×\d+ \/ \d+×\d+×\d+$/);
    expect(await page.locator('[data-testid=detail-runtime] h3').textContent()).toContain('Launched by cudaLaunchKernel');
    expect(await page.locator('[data-testid=detail-frames] li').count()).toBeGreaterThan(2);
    expect(await page.locator('[data-testid=detail-frames]').textContent()).toMatch(/\.py:\d+/);
    // the stack lists are labelled, and a frame with a file asks the host to open file:line
    expect(await page.locator('[data-testid=detail-runtime] h4').first().textContent()).toMatch(/^Launch site/);
    const frame = page.locator('[data-testid=detail-frames] [data-testid=frame-link]').first();
    const [file, line] = ((await frame.textContent()) ?? '').split(/:(?=\d+$)/);
    await frame.click();
    const reveal = (await posted(page)).filter((m) => m.method === 'reveal').at(-1);
    expect(reveal?.params).toEqual({ file, line: Number(line) });
    let d = await settled(page);
    const firstStart = num(d, 'viewStart');
    await page.screenshot({ path: join(artifactsDir(), 'trace-search-details.png'), fullPage: true });

    // the match sits in the middle third of the view: hover and click its row there
    const rowIds = d.rowIds!.split(',');
    const lane = await page.locator('[data-testid=slice-details] dd').nth(1).textContent();
    const row = rowIds.indexOf(lane!);
    expect(row).toBeGreaterThanOrEqual(0);
    await page.locator('[data-testid=slice-details]').getByRole('button', { name: 'close' }).click();
    await page.locator('[data-testid=slice-details]').waitFor({ state: 'detached' });
    const box = (await page.locator('[data-testid=trace-canvas]').boundingBox())!;
    const x = box.x + LABEL_W + num(d, 'plotWidth') / 2;
    const y = box.y + AXIS_H + row * ROW_H + ROW_H / 2;
    await page.mouse.move(x, y);
    await page.locator('[data-testid=trace-tooltip]').waitFor();
    expect(await page.locator('[data-testid=trace-tooltip]').textContent()).toContain(name);
    await page.mouse.click(x, y);
    await page.locator('[data-testid=slice-details]').waitFor();
    expect(await page.locator('[data-testid=slice-details] h2').textContent()).toBe(name);
    expect(await page.locator('[data-testid=detail-duration]').textContent()).toMatch(/µs|ms|ns/);

    // next match: the view moves on to it
    await page.locator('[data-testid=search-next]').click();
    await expect.poll(() => page.locator('[data-testid=search-status]').textContent()).toMatch(/^2 \/ /);
    d = await settled(page);
    expect(num(d, 'viewStart')).toBeGreaterThan(firstStart);
    await page.locator('[data-testid=search-prev]').click();
    await expect.poll(() => page.locator('[data-testid=search-status]').textContent()).toMatch(/^1 \/ /);
    d = await settled(page);
    expect(num(d, 'viewStart')).toBe(firstStart);
    await page.close();
  }, 240_000);

  it('switches to the trace view on timeline/reveal from the host, in either message form', async () => {
    const page = await open();
    expect(await page.locator('[data-testid=timeline]').count()).toBe(1); // the summary first
    const { startNs, endNs } = profile.session.overview;
    const a = startNs + (endNs - startNs) * 0.4;
    const b = a + (endNs - startNs) * 0.01;
    await page.evaluate((m) => window.postMessage(m, '*'), { method: 'timeline/reveal', params: { startNs: a, endNs: b } });
    let d = await settled(page);
    expect(num(d, 'viewStart')).toBe(a);
    expect(num(d, 'viewEnd')).toBeCloseTo(b, -1);
    expect(await page.locator('[data-testid=tab-trace]').getAttribute('aria-selected')).toBe('true');
    await page.evaluate((m) => window.postMessage(m, '*'), { type: 'timeline/reveal', startNs: a + 1000, endNs: b + 1000 });
    await expect.poll(async () => num(await canvasData(page), 'viewStart')).toBe(a + 1000);
    d = await settled(page);
    expect(num(d, 'viewEnd')).toBeCloseTo(b + 1000, -1);
    await page.screenshot({ path: join(artifactsDir(), 'trace-reveal.png'), fullPage: true });
    expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
    await page.close();
  }, 120_000);
});
