// A dashboard page in the harness playing the extension host for one opened profile session: the page's timeline
// requests are answered by TraceRequests (as the Dashboard answers them), then the host's `state` is posted. And the
// trace canvas's data attributes, which the trace view keeps for tests (no timing: waits are on the view's own data).
import { expect } from 'vitest';
import type { Page } from 'playwright-core';
import type { Harness } from './harness.js';
import type { ProfileSession } from '../../src/extension/engine.js';
import { TraceRequests } from '../../src/extension/trace-requests.js';
import type { DashboardState, ProfileDiagnosis } from '../../src/protocol/dashboard.js';
import { Response, type IpcMessage, type ResponseParams } from '../../src/protocol/ipc.js';

export type Data = Record<string, string>;
/** what the page posted to the host (the harness records it in window.__posted) */
export type Posted = Array<{ method: string; params: Record<string, unknown> }>;

export const canvasData = (page: Page): Promise<Data> =>
  page.locator('[data-testid=trace-canvas]').evaluate((c) => ({ ...(c as HTMLCanvasElement).dataset }) as Data);

/** Waits until the tiles on screen are the answer for the view shown, with at least one lane. */
export async function settled(page: Page): Promise<Data> {
  await expect.poll(async () => {
    const d = await canvasData(page);
    return d.tilesStart === d.viewStart && d.tilesEnd === d.viewEnd && Number(d.lanes) > 0;
  }, { timeout: 60_000 }).toBe(true);
  return canvasData(page);
}

export interface DashboardPageOptions {
  /** the profile as the host names it in `state` */
  profile: { path: string; name: string };
  diagnosis?: ProfileDiagnosis;
  /** sees every timeline request with its answer, before the page gets it */
  onAnswer?: (m: IpcMessage, answer: ResponseParams) => void;
}

/** Opens the dashboard of `session` in `page` (dark theme) and waits until it is shown. */
export async function openDashboard(page: Page, harness: Harness, session: ProfileSession, opts: DashboardPageOptions): Promise<void> {
  const trace = new TraceRequests((name, args, signal) => session.query(name, args, signal));
  await page.exposeFunction('__host', async (m: IpcMessage) => {
    if (!TraceRequests.isRequest(m)) return;
    const answer = await trace.handle(m)!;
    opts.onAnswer?.(m, answer);
    await page.evaluate((r) => window.postMessage(r, '*'), Response.make(answer, m.id) as unknown as Record<string, unknown>).catch(() => undefined);
  });
  await page.goto(harness.url('dark'));
  await page.waitForFunction(() => (window as unknown as { __posted: Posted }).__posted.some((m) => m.method === 'ready'));
  const state: DashboardState = {
    profile: opts.profile, overview: session.overview, overviewStatus: { state: 'ready' },
    findings: [], run: null, progress: { active: false }, trusted: true, ...(opts.diagnosis ? { diagnosis: opts.diagnosis } : {}),
  };
  await page.evaluate((s) => window.postMessage({ method: 'state', params: s }, '*'), state as unknown as Record<string, unknown>);
  await page.locator('[data-testid=dashboard]').waitFor();
}
