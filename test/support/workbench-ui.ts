// Driving code-server's workbench like a user (quick input, command palette, webview frames). The same moves
// for every editor test (test/editor/*.test.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { afterAll, beforeAll, expect } from 'vitest';
import { hasChromium, launch } from './chromium.js';
import { hasCodeServer, installVsix, makeSandbox, sharedVsix, startCodeServer, type Running, type Sandbox } from './code-server.js';

/**
 * Whether an editor test can run here: code-server (scripts/setup-editor.sh), Chromium, and the bundles under
 * dist/ it needs in the packaged .vsix (`npm run build`). Editor tests skip otherwise.
 */
export function canDriveEditor(...bundles: string[]): boolean {
  return hasCodeServer && hasChromium && bundles.every((b) => existsSync(join(process.cwd(), 'dist', b)));
}

/** The bundles every dashboard test needs: the extension and the dashboard webview. */
export const DASHBOARD_BUNDLES = ['extension.js', 'webview/webview.js'];

export interface Workbench { server: Running; page: Page; close(): Promise<void> }

/** The fixture workspace every editor test starts from (copied into its sandbox). */
export const FIXTURE_WORKSPACE = join(process.cwd(), 'test', 'fixtures', 'workspace');

type OpenOptions = { trust?: boolean; onPage?: (page: Page) => void; viewport?: { width: number; height: number } };

/**
 * Called inside a `describe`: before its tests, a sandbox copy of the fixture workspace with these user settings,
 * `prepare`d (files written into it), opened in code-server and Chromium; after them, all of it closed and removed.
 * The sandbox and page are read from the returned object once the tests run.
 */
export function useWorkbench(
  o: OpenOptions & { settings?: Record<string, unknown>; prepare?: (sb: Sandbox) => unknown; timeoutMs?: number } = {},
): { readonly sb: Sandbox; readonly page: Page } {
  let sb: Sandbox | undefined;
  let wb: Workbench | undefined;
  beforeAll(async () => {
    sb = makeSandbox(FIXTURE_WORKSPACE, o.settings);
    await o.prepare?.(sb);
    wb = await openWorkbench(sb, o);
  }, o.timeoutMs ?? 180_000);
  afterAll(async () => {
    if (wb) await wb.close();
    else sb?.cleanup();
  });
  const opened = () => {
    if (!sb || !wb) throw new Error('the workbench is not open (its beforeAll failed)');
    return { sb, page: wb.page };
  };
  return { get sb() { return opened().sb; }, get page() { return opened().page; } };
}

/**
 * The packaged extension installed in `sb`, code-server started on it and its workbench open in Chromium on the
 * sandbox's workspace. `close` stops all of it and removes the sandbox (kept, with the page, under SYSIGHT_KEEP).
 */
export async function openWorkbench(sb: Sandbox, o: OpenOptions = {}): Promise<Workbench> {
  const installed = installVsix(sb, sharedVsix());
  if (!/sysight\.sysight.*installed|successfully installed/i.test(installed)) throw new Error(`the .vsix did not install: ${installed}`);
  let server: Running | undefined;
  let browser: Awaited<ReturnType<typeof launch>> | undefined;
  let page: Page | undefined;
  const close = async () => {
    const keep = Boolean(process.env.SYSIGHT_KEEP);
    if (!keep) await page?.close().catch(() => undefined);
    await browser?.close();
    await server?.stop();
    if (!keep) sb.cleanup();
  };
  try {
    server = await startCodeServer(sb, [], o.trust === false ? { trust: false } : {});
    browser = await launch(o.viewport ?? { width: 1400, height: 900 });
    page = await browser.context.newPage();
    o.onPage?.(page);
    await page.goto(`${server.url}/?folder=${encodeURIComponent(sb.workspace)}`);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    return { server, page, close };
  } catch (e) {
    await close();
    throw e;
  }
}

/** Opens the quick input with `key`; a webview iframe may hold the focus, so retry from the active tab. */
export async function openQuickInput(page: Page, key: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 0; ; attempt++) {
    if (attempt > 0) await page.locator('.tabs-container .tab.active, .part.sidebar .title').first().click();
    await page.keyboard.press(key);
    try {
      await input.waitFor({ timeout: 5_000 });
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
    }
  }
}

/**
 * Opens the quick input with `key` and types `text`. The widget can close again before the text lands (a
 * notification or a webview taking the focus on a busy machine: "element is inert / not visible"), so: Escape
 * and again.
 */
async function fillQuickInput(page: Page, key: string, text: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await openQuickInput(page, key);
    try {
      await page.locator('.quick-input-widget input').fill(text, { timeout: 5_000 });
      return;
    } catch (e) {
      if (attempt >= 3) throw e;
      await page.keyboard.press('Escape');
    }
  }
}

export async function runCommand(page: Page, title: string): Promise<void> {
  await fillQuickInput(page, 'F1', `>${title}`);
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

export async function quickOpen(page: Page, name: string): Promise<void> {
  await fillQuickInput(page, 'Control+P', name);
  await page.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${name.replace(/\./g, '\\.')}$`) }) }).first().click();
}

/** Closes every editor, and waits until no tab is left. */
export async function closeAllEditors(page: Page): Promise<void> {
  await runCommand(page, 'View: Close All Editors');
  await expect.poll(() => page.locator('.tabs-container .tab').count(), { timeout: 20_000 }).toBe(0);
}

/** The content frame of the first ready webview: the dashboard, where it is the only webview open. */
export function firstWebview(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
}

/** Opens a workspace file by name (Quick Open) and returns the webview that shows `selector`: by default the dashboard. */
export async function openInDashboard(page: Page, name: string, selector = '[data-testid=dashboard]'): Promise<FrameLocator> {
  await quickOpen(page, name);
  return webviewWith(page, selector);
}

/** The content frame of the visible webview that shows `selector` (several webviews may be loaded). */
export async function webviewWith(page: Page, selector: string, timeoutMs = 60_000): Promise<FrameLocator> {
  const end = Date.now() + timeoutMs;
  for (;;) {
    const frames = page.locator('iframe.webview.ready');
    const n = await frames.count();
    for (let i = 0; i < n; i++) {
      const f = page.frameLocator('iframe.webview.ready').nth(i).frameLocator('#active-frame');
      if (await f.locator(selector).count().catch(() => 0)) return f;
    }
    if (Date.now() > end) throw new Error(`no webview shows ${selector} after ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 250));
  }
}
