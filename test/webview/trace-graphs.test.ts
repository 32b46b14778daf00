// The trace view's CUDA graph band in real Chromium on the built bundle, against the real host path: a generated
// nsys profile whose graph is replayed from runner.py (node-level tracing) with the PyTorch-profiler trace of its
// capture beside it, opened in the extension's profile worker (which finds and reads that capture trace). Checks
// the band right above the stream its nodes ran on, a replay's details (launch line, nodes with capture-time
// lines), opening a node from them and following its capture site, which asks the host to open file:line.
// Screenshots go to test-artifacts/ (and the band's to docs/images/). No timing assertions.
import { describe, expect, it } from 'vitest';
import { copyFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { artifactsDir } from '../support/chromium.js';
import { canRunWebview, posted, useChromium } from './harness.js';
import { canvasData, openDashboard, sessionWorkerBuilt, settled, useProfile } from './dashboard-page.js';
import type { SliceDetails } from '../../src/protocol/dashboard.js';
import { captureTrace, writeNsysProfile, type Scenario } from '../../src/profile/generator/index.js';
import { AXIS_H, LABEL_W, ROW_H } from '../../webview/src/trace/layout.js';

const root = process.cwd();


const scenario: Scenario = {
  name: 'decode', seed: 5, iterations: { count: 3 }, processes: [{ pid: 3100 }], pythonStack: ['serve.py:40 main'],
  step: [
    { type: 'cpu', durationUs: 200, label: 'schedule' },
    { type: 'graph', at: 'vllm/worker/runner.py:456 execute_model', count: 2, kernels: [
      { type: 'kernel', name: 'void rms_norm_kernel<bf16>(float*)', durationUs: 12, at: 'vllm/model/llama.py:123 forward' },
      { type: 'kernel', name: 'triton_poi_fused_add_mul_silu_0', durationUs: 18, at: 'vllm/model/llama.py:131 mlp' },
      { type: 'kernel', name: 'void gemm_bf16<128>(float*)', durationUs: 60, grid: [64, 4, 1], block: [128, 1, 1], at: 'vllm/model/llama.py:135 mlp' },
    ] },
    { type: 'kernel', name: 'void sampler_kernel(float*)', durationUs: 9, at: 'vllm/worker/runner.py:470 sample' },
  ],
};

describe.skipIf(!canRunWebview || !sessionWorkerBuilt)('CUDA graph band in the trace view (Chromium)', () => {
  const profile = useProfile('sysight-graph-band-', (dir) => {
    const file = join(dir, 'decode_profile_rank_0.sqlite');
    writeNsysProfile(scenario, file);
    writeFileSync(join(dir, 'decode_capture_rank_0.json'), JSON.stringify(captureTrace(scenario)));
    return file;
  });
  const web = useChromium({ width: 1400, height: 900 });

  it('draws each replay as one slice above its stream; its details open the nodes and both lines', async () => {
    expect(profile.session.captureTrace).toBe(join(profile.dir, 'decode_capture_rank_0.json'));
    const page = await web.browser.context.newPage();
    await openDashboard(page, web.harness, profile.session, { profile: { path: '/ws/decode_profile_rank_0.sqlite', name: 'decode_profile_rank_0.sqlite' } });
    // a window around the second replay of the first step
    const rep = await profile.session.query<SliceDetails>('slice-details', { table: 6, row: 1 });
    const pad = (rep.endNs - rep.startNs) * 0.6;
    await page.evaluate((m) => window.postMessage(m, '*'), { method: 'timeline/reveal', params: { startNs: rep.startNs - pad, endNs: rep.endNs + pad } });
    let d = await settled(page);
    const ids = d.rowIds!.split(',');
    const labels = d.rowLabels!.split('|');
    const band = ids.indexOf('graph0/stream7');
    expect(band).toBeGreaterThan(0);
    expect(ids[band + 1]).toBe('gpu0/stream7');
    expect(labels[band]).toBe('graphs · stream 7');

    // the band's slice: one replay
    const box = (await page.locator('[data-testid=trace-canvas]').boundingBox())!;
    const xAt = (t: number) => box.x + LABEL_W + ((t - Number(d.viewStart)) / (Number(d.viewEnd) - Number(d.viewStart))) * Number(d.plotWidth);
    const yAt = (row: number) => box.y + AXIS_H + row * ROW_H + ROW_H / 2;
    await page.mouse.move(xAt((rep.startNs + rep.endNs) / 2), yAt(band));
    await page.locator('[data-testid=trace-tooltip]').waitFor();
    expect(await page.locator('[data-testid=trace-tooltip]').textContent()).toContain('graph 0 replay · 3 kernels');
    await page.mouse.click(xAt((rep.startNs + rep.endNs) / 2), yAt(band));
    await expect.poll(() => page.locator('[data-testid=slice-details] h2').textContent()).toBe('graph 0 replay · 3 kernels');
    expect(await page.locator('[data-testid=detail-replay]').textContent()).toBe('graph 0 · 6 replays · 3 kernels');
    expect(await page.locator('[data-testid=detail-replay-site]').textContent()).toBe('execute_model vllm/worker/runner.py:456');
    const nodes = page.locator('[data-testid=replay-node]');
    expect(await nodes.count()).toBe(3);
    expect(await nodes.nth(2).textContent()).toMatch(/^gemm_bf16 .* · captured at mlp vllm\/model\/llama\.py:135$/);
    await page.screenshot({ path: join(artifactsDir(), 'trace-graph-band.png'), fullPage: true });
    copyFileSync(join(artifactsDir(), 'trace-graph-band.png'), join(root, 'docs', 'images', 'trace-graph-band.png'));

    // open a node: its kernel in the stream below, with both lines; its capture site opens file:line
    await nodes.nth(1).locator('[data-testid=open-node]').click();
    await expect.poll(() => page.locator('[data-testid=slice-details] h2').textContent()).toBe('triton_poi_fused_add_mul_silu_0');
    d = await canvasData(page);
    expect(await page.locator('[data-testid=detail-graph-node]').textContent()).toBe('node #1 of 3 · ');
    expect(await page.locator('[data-testid=detail-capture-site]').textContent()).toBe('mlp vllm/model/llama.py:131');
    expect(await page.locator('[data-testid=detail-replay-site]').textContent()).toBe('execute_model vllm/worker/runner.py:456');
    await page.locator('[data-testid=detail-capture-site] [data-testid=frame-link]').click();
    const reveal = (await posted(page)).filter((m) => m.method === 'reveal').at(-1);
    expect(reveal?.params).toEqual({ file: 'vllm/model/llama.py', line: 131 });
    await page.screenshot({ path: join(artifactsDir(), 'trace-graph-node.png'), fullPage: true });

    // and back to its replay
    await page.locator('[data-testid=detail-open-replay]').click();
    await expect.poll(() => page.locator('[data-testid=slice-details] h2').textContent()).toBe('graph 0 replay · 3 kernels');
    expect(await page.evaluate(() => (window as unknown as { __violations: string[] }).__violations)).toEqual([]);
    await page.close();
  }, 180_000);
});
