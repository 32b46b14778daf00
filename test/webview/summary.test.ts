// The Summary's diagnosis and GPU-time card in real Chromium on the built bundle, against the real host path:
// profiles opened in the extension's profile worker (dist/profile-session.js) through the engine, the
// diagnosis asked for with the worker query the ProfileDocument uses, timeline requests answered by
// TraceRequests. A generated sync-bound profile always; the three real profiles of issue 19 when ../shared is
// there (with Summary and trace screenshots in test-artifacts/). No timing assertions.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Page } from 'playwright-core';
import { artifactsDir } from '../support/chromium.js';
import { canRunWebview, posted, useChromium } from './harness.js';
import { openDashboard, openSession, sessionWorkerBuilt } from './dashboard-page.js';
import type { ProfileSession } from '../../src/extension/engine.js';
import { presetScenario, writeNsysProfile } from '../../src/profile/generator/index.js';
import { DIAGNOSIS_QUERY, type ProfileDiagnosis } from '../../src/protocol/dashboard.js';

const root = process.cwd();
const SHARED = [join(root, '..', 'shared'), join(root, '..', '..', 'shared')].find((d) => existsSync(d)) ?? join(root, '..', 'shared');
const REAL: Array<{ short: string; file: string; shows: RegExp[]; nvtxOnlyMs?: number; opsLevels?: { thread: string; levels: number } }> = [
  { short: 'h100-2gpu', file: join(SHARED, 'profiles', 'GindaChen+nsys-ai__h100_2gpu_1s.sqlite'),
    shows: [/C4Memory copy935 ms96\.4% of the profile.*Host→device copies occupy the GPU 935 ms/s, /C3Synchronization429 ms.*cudaStreamSynchronize under aten::item blocks the host 429 ms on 2 threads while the GPU copies/s] },
  { short: 'nvfuser', file: join(SHARED, 'profiles', 'NVIDIA+Fuser__report1_64ee035.sqlite'),
    shows: [/^Diagnosis\d+from the profile alone.*C1Host scheduling397 ms61\.1% of the profile.*GPU idle 397 ms during compilation: KernelExecutor::compileFusion/s],
    // the 393 ms compileFusion range runs with the GPU idle and no CUDA call: NVTX-only time, not idle
    nvtxOnlyMs: 390 },
  { short: 'owlv2', file: join(SHARED, 'traces', 'tracelens', 'google_owlv2-large-patch14-ensemble__1016001.json.gz'),
    shows: [/^Diagnosis\d+from the profile alone.*C1Host scheduling493 ms40\.7% of the profile.*GPU idle 493 ms waiting for data: enumerate\(DataLoader\)/s],
    // the GPU idles inside the enumerate(DataLoader) ranges: NVTX-only time, not idle
    nvtxOnlyMs: 490,
    // 89,617 Python functions and CPU ops of the main thread nest 47 deep (counted from the raw JSON with python3)
    opsLevels: { thread: '21587/21587', levels: 47 } },
];

describe.skipIf(!canRunWebview || !sessionWorkerBuilt)('Summary: diagnosis and GPU time by kind in Chromium', () => {
  let dir: string;
  const web = useChromium({ width: 1400, height: 1000 });
  const sessions: ProfileSession[] = [];

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'sysight-summary-'));
  });
  afterAll(() => {
    for (const s of sessions) s.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  async function open(file: string): Promise<{ page: Page; session: ProfileSession; diagnosis: ProfileDiagnosis }> {
    const session = await openSession(file);
    sessions.push(session);
    const diagnosis = await session.query(DIAGNOSIS_QUERY, {}, new AbortController().signal) as ProfileDiagnosis;
    const page = await web.browser.context.newPage();
    await openDashboard(page, web.harness, session, { profile: { path: file, name: file.split('/').pop()! }, diagnosis });
    await page.locator('[data-testid=diagnosis]').waitFor();
    return { page, session, diagnosis };
  }

  it('shows the profile-only findings with their cost, GPU time by kind with one legend, and jumps to the trace', async () => {
    const file = join(dir, 'sync.sqlite');
    writeNsysProfile(presetScenario('sync-bound', 12), file);
    const { page, session, diagnosis } = await open(file);
    expect(diagnosis.findings.length).toBeGreaterThan(0);
    const items = page.locator('[data-testid=diagnosis-finding]');
    expect(await items.count()).toBe(diagnosis.findings.length);
    const first = diagnosis.findings[0]!;
    const text = (await items.first().textContent()) ?? '';
    expect(text).toContain(first.title);
    expect(text).toContain(`${first.impact.pctOfProfile.toFixed(1)}% of the profile`);
    // one step count, its method shown: the Summary's timeline and the diagnosis say the same
    expect(await page.locator('[data-testid=steps]').textContent()).toContain(diagnosis.iterations.detail);
    expect(await page.locator('[data-testid=timeline-steps]').textContent()).toBe(diagnosis.iterations.detail);
    // GPU time by kind: a bar per device, copies by direction and host memory, API calls with sync as waiting
    const g = session.overview.gpuTime!;
    expect(await page.locator('[data-testid=gpu-time-device]').count()).toBe(g.devices.length);
    expect(await page.locator('[data-testid=copies] tbody tr').count()).toBe(g.copies.length);
    expect(g.api.some((a) => a.waiting)).toBe(true);
    expect(await page.locator('[data-testid=api-calls] .tag.waiting').count()).toBe(g.api.filter((a) => a.waiting).length);
    // the overlap bar: NVTX-only time is its own part, between CPU-only and idle
    expect(await page.locator('[data-testid=overlap] [data-part]').evaluateAll((els) => els.map((e) => (e as HTMLElement).dataset.part))).toEqual(['both', 'gpuOnly', 'cpuOnly', 'nvtxOnly', 'idle']);
    expect(await page.locator('[data-testid=overlap] [data-part=idle]').textContent()).toBe(`idle ${(session.overview.overlap.idle * 100).toFixed(0)}%`);
    // the waiting row of the timeline and the legend shared with the trace view
    expect(await page.locator('.lane-label', { hasText: 'CPU waiting (sync)' }).count()).toBe(1);
    const legend = (sel: string) => page.locator(`[data-testid=${sel}] span`).allTextContents();
    const summaryKinds = await page.locator('[data-testid=timeline] ~ [data-testid=kind-legend] span').allTextContents();
    expect(summaryKinds).toEqual(['kernels', 'copies', 'NCCL', 'GPU (any)', 'CPU work', 'waiting (sync)']);
    // a finding's time range opens the trace view there
    await page.locator('[data-testid=diagnosis-trace]').first().click();
    expect(await page.locator('[data-testid=tab-trace]').getAttribute('aria-selected')).toBe('true');
    const traceKinds = await legend('trace-legend');
    expect(traceKinds.filter((k) => !summaryKinds.includes(k))).toEqual(['memsets']);
    // a Top kernels row finds the kernel's first launch and shows it in the trace
    await page.locator('[data-testid=tab-summary]').click();
    const kernel = session.overview.topKernels[0]!.name;
    await page.locator('[data-testid=kernel-row] button').first().click();
    await expect.poll(async () => (await posted(page)).some((m) => m.method === 'timeline/search' && m.params.query === kernel)).toBe(true);
    await expect.poll(() => page.locator('[data-testid=tab-trace]').getAttribute('aria-selected')).toBe('true');
    await page.close();
  }, 180_000);

  for (const r of REAL) {
    it.skipIf(!existsSync(r.file))(`names the bottleneck of ${r.short} first, and screenshots its Summary and trace`, async () => {
      const { page, session, diagnosis } = await open(r.file);
      const text = (await page.locator('[data-testid=diagnosis]').textContent()) ?? '';
      for (const re of r.shows) expect(text).toMatch(re);
      // the overlap bar tells time inside NVTX ranges with neither GPU work nor CPU calls from idle
      const ov = session.overview.overlap;
      expect(await page.locator('[data-testid=overlap] [data-part=nvtxOnly]').textContent()).toBe(`NVTX range only ${(ov.nvtxOnly! * 100).toFixed(0)}%`);
      if (r.nvtxOnlyMs) expect(ov.nvtxOnly! * (session.overview.endNs - session.overview.startNs) / 1e6).toBeGreaterThan(r.nvtxOnlyMs);
      expect(diagnosis.findings[0]!.impact.ms).toBeGreaterThan(0);
      if (diagnosis.findings[0]!.subject.file) {
        // a Python frame's file:line asks the host to open it in the editor
        await page.locator('[data-testid=diagnosis-source]').first().click();
        expect((await posted(page)).filter((m) => m.method === 'reveal').at(-1)?.params).toEqual({ file: diagnosis.findings[0]!.subject.file, line: diagnosis.findings[0]!.subject.line });
      }
      await page.screenshot({ path: join(artifactsDir(), `summary-${r.short}.png`), fullPage: true });
      await page.locator('[data-testid=diagnosis-trace]').first().click();
      await expect.poll(async () => {
        const d = await page.locator('[data-testid=trace-canvas]').evaluate((c) => ({ ...(c as HTMLCanvasElement).dataset }));
        return d.tilesStart === d.viewStart && Number(d.lanes) > 0;
      }, { timeout: 60_000 }).toBe(true);
      const ops = r.opsLevels;
      if (ops) {
        // the trace's Python functions and CPU ops: one row per nesting level of the main thread, under its named row
        const ids = (await page.locator('[data-testid=trace-canvas]').evaluate((c) => (c as HTMLCanvasElement).dataset.rowIds ?? '')).split(',');
        expect(ids.filter((id) => id.startsWith(`ops${ops.thread}/`))).toHaveLength(ops.levels);
        expect(ids).toContain(`hdr:${ops.thread}`);
      }
      await page.screenshot({ path: join(artifactsDir(), `trace-${r.short}.png`) });
      await page.close();
    }, 180_000);
  }
});
