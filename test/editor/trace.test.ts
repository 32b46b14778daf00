// The trace view in a real VS Code (code-server) with the packaged .vsix, driven like a user in Chromium: a
// Kineto trace with Python stacks (test/support/kineto-trace.ts, its frames on the workspace's train.py) opens in
// the dashboard, its Summary shows the diagnosis from the profile alone, the Trace tab draws the thread's Python
// functions and CPU ops one row per nesting level under the named thread row, a click on a nested slice shows its
// Python stack, and a click on a frame opens train.py at that line in the editor. Skips without code-server.
import { describe, expect, it } from 'vitest';
import { join } from 'node:path';
import { artifactsDir } from '../support/chromium.js';
import { TRAIN_LINES, writeNestedTrace } from '../support/kineto-trace.js';
import { canDriveEditor, DASHBOARD_BUNDLES, openInDashboard, useWorkbench } from '../support/workbench-ui.js';
import { AXIS_H, LABEL_W, ROW_H } from '../../webview/src/trace/layout.js';

describe.skipIf(!canDriveEditor(...DASHBOARD_BUNDLES))('the trace view of a Kineto trace in a real VS Code (code-server + packaged .vsix)', () => {
  const ws = useWorkbench({
    // real traces record absolute paths: the frames point at the workspace's train.py
    prepare: (sb) => writeNestedTrace(join(sb.workspace, 'steps.pt.trace.json'), { file: join(sb.workspace, 'train.py'), steps: 6, rank: 1 }),
    viewport: { width: 1400, height: 1000 },
    timeoutMs: 240_000,
  });

  it('shows the Summary, the nested rows of Python functions and ops, and opens a clicked stack frame in the editor', async () => {
    const { page } = ws;
    const dash = await openInDashboard(page, 'steps.pt.trace.json');
    // the Summary: the diagnosis from the profile alone (the host waits in cudaStreamSynchronize under aten::item)
    await expect.poll(() => dash.locator('[data-testid=diagnosis-finding]').count(), { timeout: 60_000 }).toBeGreaterThan(0);
    expect(await dash.locator('[data-testid=diagnosis]').textContent()).toMatch(/C3Synchronization.*cudaStreamSynchronize/s);
    expect(await dash.locator('[data-testid=steps]').textContent()).toContain('6 steps from the "ProfilerStep#0" ranges');
    await page.screenshot({ path: join(artifactsDir(), 'editor-trace-summary.png') });

    await dash.locator('[data-testid=tab-trace]').click();
    const canvas = dash.locator('[data-testid=trace-canvas]');
    const data = () => canvas.evaluate((c) => ({ ...(c as HTMLCanvasElement).dataset }) as Record<string, string>);
    await expect.poll(async () => {
      const d = await data();
      return d.tilesStart === d.viewStart && Number(d.lanes) > 0;
    }, { timeout: 60_000 }).toBe(true);
    // the thread's named row, and under it 8 levels of Python functions and ops
    const d0 = await data();
    const ids = d0.rowIds!.split(',');
    const labels = d0.rowLabels!.split('|');
    expect(labels[ids.indexOf('hdr:4242/4242')]).toBe('rank 1 · python3 4242 · thread 4242 (python3)');
    expect(ids.filter((id) => id.startsWith('ops4242/4242/'))).toHaveLength(8);
    // find the first aten::addmm and reveal it through the search box, which selects it and opens its details
    await dash.locator('[data-testid=trace-search]').fill('aten::addmm');
    await dash.locator('[data-testid=trace-search]').press('Enter');
    await expect.poll(() => dash.locator('[data-testid=slice-details] h2').textContent(), { timeout: 30_000 }).toBe('aten::addmm');
    const stack = dash.locator('[data-testid=detail-stack] li');
    expect(await stack.count()).toBe(8);
    // hover the selected slice's row: the canvas shows it (the search put it in the middle of the view)
    const d = await data();
    const box = (await canvas.boundingBox())!;
    const row = d.rowIds!.split(',').indexOf('ops4242/4242/d7');
    await page.mouse.move(box.x + LABEL_W + Number(d.plotWidth) / 2, box.y + AXIS_H + row * ROW_H + ROW_H / 2);
    await expect.poll(() => dash.locator('[data-testid=trace-tooltip]').textContent()).toContain('aten::addmm');
    await page.screenshot({ path: join(artifactsDir(), 'editor-trace-nested.png') });

    // a click on the frame train.py:18 opens the file at that line
    await dash.locator('[data-testid=detail-stack] [data-testid=frame-link]', { hasText: `train.py:${TRAIN_LINES.forward}` }).click();
    await expect.poll(() => page.locator('.tabs-container .tab.active').getAttribute('aria-label'), { timeout: 20_000 }).toMatch(/^train\.py/);
    await expect.poll(() => page.locator('#status\\.editor\\.selection').textContent(), { timeout: 20_000 }).toMatch(new RegExp(`Ln ${TRAIN_LINES.forward}, Col`));
    await page.screenshot({ path: join(artifactsDir(), 'editor-trace-frame.png') });
  }, 180_000);
});
