// Driving code-server's workbench like a user (quick input, command palette, webview frames). The same moves
// for every editor test (test/editor/*.test.ts).
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import type { FrameLocator, Page } from 'playwright-core';
import { hasChromium, launch } from './chromium.js';
import { hasCodeServer, installVsix, sharedVsix, startCodeServer, type Running, type Sandbox } from './code-server.js';

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

/**
 * The packaged extension installed in `sb`, code-server started on it and its workbench open in Chromium on the
 * sandbox's workspace. `close` stops all of it and removes the sandbox (kept, with the page, under SYSIGHT_KEEP).
 */
export async function openWorkbench(
  sb: Sandbox, o: { trust?: boolean; onPage?: (page: Page) => void; viewport?: { width: number; height: number } } = {},
): Promise<Workbench> {
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

export async function runCommand(page: Page, title: string): Promise<void> {
  for (let attempt = 0; ; attempt++) {
    await openQuickInput(page, 'F1');
    try {
      await page.locator('.quick-input-widget input').fill(`>${title}`, { timeout: 5_000 });
      break;
    } catch (e) {
      if (attempt >= 3) throw e;
      await page.keyboard.press('Escape');
    }
  }
  await page.locator('.quick-input-list .monaco-list-row', { hasText: title }).first().waitFor();
  await page.keyboard.press('Enter');
}

export async function quickOpen(page: Page, name: string): Promise<void> {
  await openQuickInput(page, 'Control+P');
  await page.locator('.quick-input-widget input').fill(name);
  await page.locator('.quick-input-list .monaco-list-row', { has: page.locator('.label-name', { hasText: new RegExp(`^${name.replace(/\./g, '\\.')}$`) }) }).first().click();
}

/** The content frame of the first ready webview: the dashboard, where it is the only webview open. */
export function firstWebview(page: Page): FrameLocator {
  return page.frameLocator('iframe.webview.ready').frameLocator('#active-frame');
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
