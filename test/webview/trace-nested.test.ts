// The trace view's nested host rows in real Chromium on the built bundle, against the real host path: a small
// Kineto trace with Python stacks (test/support/kineto-trace.ts) opened in the extension's profile worker through
// the engine, timeline requests answered by TraceRequests. Checks the named group rows (GPU model; rank, process
// and thread), one row per nesting level of the thread's Python functions and CPU ops, folding a group, clicking
// a nested slice for its Python stack and clicking a frame of it, which asks the host to open file:line.
// Screenshots go to test-artifacts/. No timing assertions: waits are on the view's data attributes.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { artifactsDir } from '../support/chromium.js';
import { TRAIN_LINES, writeNestedTrace } from '../support/kineto-trace.js';
import { canRunWebview, posted, useChromium } from './harness.js';
import { canvasData, openDashboard, sessionWorkerBuilt, settled, useProfile } from './dashboard-page.js';
import { AXIS_H, LABEL_W, ROW_H } from '../../webview/src/trace/layout.js';



describe.skipIf(!canRunWebview || !sessionWorkerBuilt)('nested Kineto rows in the trace view (Chromium)', () => {
  const script = '/ws/project/train.py';
  const profile = useProfile('sysight-nested-', (dir) => {
    const file = join(dir, 'steps.pt.trace.json');
    writeNestedTrace(file, { file: script, steps: 6, rank: 1 });
    return file;
  });
  const web = useChromium({ width: 1400, height: 1000 });

  it('groups rows under named GPU and thread rows, nests Python functions and ops, folds a group, opens a frame', async () => {
    const page = await web.browser.context.newPage();
    await openDashboard(page, web.harness, profile.session, { profile: { path: '/ws/steps.pt.trace.json', name: 'steps.pt.trace.json' } });
    // the first forward pass of step 0, wide enough to click its slices: <module> starts the trace (its origin)
    const { startNs } = profile.session.overview;
    await page.evaluate((m) => window.postMessage(m, '*'), { method: 'timeline/reveal', params: { startNs, endNs: startNs + 4_500_000 } });
    let d = await settled(page);
    const ids = d.rowIds!.split(',');
    const labels = d.rowLabels!.split('|');
    // one named row per GPU (its model) and per thread (rank from distributedInfo, process and thread names)
    expect(ids.slice(0, 2)).toEqual(['hdr:gpu0', 'gpu0/stream7']);
    expect(labels[0]).toBe('GPU 0 · NVIDIA H100 80GB HBM3');
    const thread = ids.indexOf('hdr:4242/4242');
    expect(labels[thread]).toBe('rank 1 · python3 4242 · thread 4242 (python3)');
    // under it: the step ranges, the CUDA calls, then 8 levels of Python functions and ops
    const ops = ids.filter((id) => id.startsWith('ops4242/4242/'));
    expect(ops).toEqual(Array.from({ length: 8 }, (_, i) => `ops4242/4242/d${i}`));
    expect(ids.slice(thread + 1, thread + 3)).toEqual(['nvtx4242/4242/d0', 'cpu4242/4242']);
    expect(ids.indexOf('ops4242/4242/d0')).toBe(thread + 3);
    await page.screenshot({ path: join(artifactsDir(), 'trace-nested.png'), fullPage: true });

    // folding the thread hides its lanes, unfolding brings them back
    const box = (await page.locator('[data-testid=trace-canvas]').boundingBox())!;
    await page.mouse.click(box.x + 40, box.y + AXIS_H + thread * ROW_H + ROW_H / 2);
    await expect.poll(async () => (await canvasData(page)).rowIds).toBe(ids.slice(0, thread + 1).join(','));
    await page.mouse.click(box.x + 40, box.y + AXIS_H + thread * ROW_H + ROW_H / 2);
    await expect.poll(async () => (await canvasData(page)).rowIds).toBe(ids.join(','));

    // the deepest level holds aten::addmm (410 µs – 1.71 ms from the start): click it
    d = await settled(page);
    const row = ids.indexOf('ops4242/4242/d7');
    const plotW = Number(d.plotWidth);
    const span = Number(d.viewEnd) - Number(d.viewStart);
    const x = box.x + LABEL_W + ((1_000_000 + startNs - Number(d.viewStart)) / span) * plotW;
    const y = box.y + AXIS_H + row * ROW_H + ROW_H / 2;
    await page.mouse.move(x, y);
    await page.locator('[data-testid=trace-tooltip]').waitFor();
    expect(await page.locator('[data-testid=trace-tooltip]').textContent()).toContain('aten::addmm');
    await page.mouse.click(x, y);
    await page.locator('[data-testid=slice-details]').waitFor();
    expect(await page.locator('[data-testid=slice-details] h2').textContent()).toBe('aten::addmm');
    // its Python stack, innermost first, each frame with a file a link to file:line
    const stack = page.locator('[data-testid=detail-stack] li');
    expect((await stack.allTextContents()).map((t) => t.split(' ')[0])).toEqual([
      'aten::addmm', 'aten::linear', 'forward', 'forward', '_call_impl', 'train', 'train', '<module>',
    ]);
    const frame = page.locator('[data-testid=detail-stack] [data-testid=frame-link]', { hasText: `train.py:${TRAIN_LINES.forward}` });
    expect(await frame.count()).toBe(1);
    await frame.click();
    const reveal = (await posted(page)).filter((m) => m.method === 'reveal').at(-1);
    expect(reveal?.params).toEqual({ file: script, line: TRAIN_LINES.forward });
    await page.screenshot({ path: join(artifactsDir(), 'trace-stack-frame.png'), fullPage: true });

    // a Python function's own line is a link too; search finds ops by name and jumps to their row
    await page.mouse.click(box.x + LABEL_W + ((60_000 + startNs - Number(d.viewStart)) / span) * plotW, box.y + AXIS_H + ids.indexOf('ops4242/4242/d1') * ROW_H + ROW_H / 2);
    await expect.poll(() => page.locator('[data-testid=slice-details] h2').textContent()).toBe(`train · train.py:${TRAIN_LINES.train}`);
    expect(await page.locator('[data-testid=detail-source]').textContent()).toContain(`${script}:${TRAIN_LINES.train}`);
    await page.locator('[data-testid=trace-search]').fill('aten::item');
    await page.locator('[data-testid=trace-search]').press('Enter');
    await expect.poll(() => page.locator('[data-testid=search-status]').textContent()).toBe('1 / 6');
    await expect.poll(() => page.locator('[data-testid=slice-details] h2').textContent()).toBe('aten::item');
    expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
    await page.close();
  }, 180_000);
});
