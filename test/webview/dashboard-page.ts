// A dashboard page in the harness playing the extension host for one opened profile session: the page's timeline
// requests are answered by TraceRequests (as the Dashboard answers them), then the host's `state` is posted. And the
// trace canvas's data attributes, which the trace view keeps for tests (no timing: waits are on the view's own data).
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, expect } from 'vitest';
import type { Page } from 'playwright-core';
import { whenReady, type Harness } from './harness.js';
import { createEngine, type ProfileSession } from '../../src/extension/engine.js';
import { TraceRequests } from '../../src/extension/trace-requests.js';
import type { DashboardState, ProfileDiagnosis } from '../../src/protocol/dashboard.js';
import { Response, type IpcMessage, type ResponseParams } from '../../src/protocol/ipc.js';

export type Data = Record<string, string>;
export type { Posted } from './harness.js';

/** The extension's profile worker bundle (`npm run build`): the tests that open profiles skip without it. */
export const sessionWorkerBuilt = existsSync(join(process.cwd(), 'dist', 'profile-session.js'));

/** Opens a profile in the extension's profile worker (dist/profile-session.js) through the engine, as a dashboard does. */
export function openSession(file: string): Promise<ProfileSession> {
  return createEngine(process.cwd(), () => undefined).openProfile(file, { signal: new AbortController().signal, onProgress: () => undefined });
}

/**
 * Called inside a `describe`: before its tests, a temporary folder and the profile `write` makes in it (returning
 * its path), opened by openSession; after them, the session disposed and the folder removed.
 */
export function useProfile(
  prefix: string, write: (dir: string) => string, timeoutMs = 120_000,
): { readonly dir: string; readonly session: ProfileSession } {
  let dir: string | undefined;
  let session: ProfileSession | undefined;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), prefix));
    session = await openSession(write(dir));
  }, timeoutMs);
  afterAll(() => {
    session?.dispose();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });
  const opened = () => {
    if (!dir || !session) throw new Error('the profile did not open');
    return { dir, session };
  };
  return { get dir() { return opened().dir; }, get session() { return opened().session; } };
}

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
  await whenReady(page);
  const state: DashboardState = {
    profile: opts.profile, overview: session.overview, overviewStatus: { state: 'ready' },
    findings: [], run: null, progress: { active: false }, trusted: true, ...(opts.diagnosis ? { diagnosis: opts.diagnosis } : {}),
  };
  await page.evaluate((s) => window.postMessage({ method: 'state', params: s }, '*'), state as unknown as Record<string, unknown>);
  await page.locator('[data-testid=dashboard]').waitFor();
}
