// Serves the built dashboard (dist/webview) in a page like the one the extension makes: the same strict
// CSP, a stand-in for acquireVsCodeApi that records posted messages (and hands them to window.__host when a
// test exposes one, to play the extension host) and keeps state across reloads,
// and VS Code theme variables set the way the editor sets them (CSSOM, not inline styles).
import { createServer, type Server } from 'node:http';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { AddressInfo } from 'node:net';
import type { Page } from 'playwright-core';
import { afterAll, beforeAll } from 'vitest';
import { hasChromium, launch } from '../support/chromium.js';
import { THEMES } from './themes.js';

/** The built webview (`npm run build`); the Chromium tests skip without it, or without Chromium. */
export const WEBVIEW_DIST = join(process.cwd(), 'dist', 'webview');
export const canRunWebview = hasChromium && existsSync(join(WEBVIEW_DIST, 'webview.js'));

/** What the page posted to the host (the stand-in API records it in window.__posted). */
export type Posted = Array<{ method: string; params: Record<string, unknown>; id?: number }>;
export const posted = (page: Page): Promise<Posted> => page.evaluate(() => (window as unknown as { __posted: Posted }).__posted);
/** A message from the host to the page. */
export const send = (page: Page, msg: unknown): Promise<void> => page.evaluate((m) => window.postMessage(m, '*'), msg);
/** Waits until the page has told the host it is ready (its first message). */
export async function whenReady(page: Page): Promise<void> {
  await page.waitForFunction(() => (window as unknown as { __posted: Posted }).__posted.some((m) => m.method === 'ready'));
}

/**
 * Called inside a `describe`: before its tests, the harness serving the built webview and Chromium with this
 * viewport; after them, both closed. Read `harness` and `browser` once the tests run.
 */
export function useChromium(viewport?: { width: number; height: number }): { readonly harness: Harness; readonly browser: Awaited<ReturnType<typeof launch>> } {
  let harness: Harness | undefined;
  let browser: Awaited<ReturnType<typeof launch>> | undefined;
  beforeAll(async () => {
    harness = await startHarness(WEBVIEW_DIST);
    browser = await launch(viewport);
  });
  afterAll(async () => {
    await browser?.close();
    await harness?.close();
  });
  const started = () => {
    if (!harness || !browser) throw new Error('the harness or Chromium did not start');
    return { harness, browser };
  };
  return { get harness() { return started().harness; }, get browser() { return started().browser; } };
}

const FAKE_API = `
(() => {
  window.__posted = [];
  window.acquireVsCodeApi = () => ({
    postMessage: (m) => { const c = JSON.parse(JSON.stringify(m)); window.__posted.push(c); if (window.__host) window.__host(c); },
    getState: () => { const s = sessionStorage.getItem('state'); return s ? JSON.parse(s) : undefined; },
    setState: (s) => sessionStorage.setItem('state', JSON.stringify(s)),
  });
  window.__violations = [];
  document.addEventListener('securitypolicyviolation', (e) => window.__violations.push(e.violatedDirective + ' ' + e.blockedURI + ' ' + e.sourceFile + ':' + e.lineNumber + ':' + e.columnNumber + ' ' + e.sample + ' ' + (e.target && e.target.outerHTML ? e.target.outerHTML.slice(0, 200) : '')));
  const theme = JSON.parse(decodeURIComponent(location.hash.slice(1) || '%7B%7D'));
  for (const [k, v] of Object.entries(theme.vars || {})) document.documentElement.style.setProperty(k, v);
  document.addEventListener('DOMContentLoaded', () => document.body.classList.add(theme.bodyClass || 'vscode-dark'));
})();`;

/** `view` names the root the page mounts (as the host does with data-view): the dashboard by default. */
export interface Harness { url(theme: 'light' | 'dark' | 'hc', view?: 'ranks'): string; close(): Promise<void> }

export async function startHarness(distWebview: string): Promise<Harness> {
  const nonce = 'dGVzdG5vbmNlMTIzNDU2';
  let origin = '';
  const server: Server = createServer((req, res) => {
    const path = (req.url ?? '/').split(/[?#]/)[0];
    const view = new URL(req.url ?? '/', 'http://x').searchParams.get('view') === 'ranks' ? ' data-view="ranks"' : '';
    if (path === '/') {
      const csp = `default-src 'none'; style-src ${origin} 'nonce-${nonce}' 'report-sample'; img-src ${origin} data:; font-src ${origin}; script-src 'nonce-${nonce}'`;
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!DOCTYPE html><html lang="en"><head><meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta property="csp-nonce" content="${nonce}">
<script nonce="${nonce}" src="/fake-api.js"></script>
<link rel="stylesheet" href="/webview.css"><title>dashboard test</title></head>
<body><div id="root"${view}></div><script nonce="${nonce}" src="/webview.js"></script></body></html>`);
    } else if (path === '/fake-api.js') {
      res.writeHead(200, { 'content-type': 'text/javascript' });
      res.end(FAKE_API);
    } else if (path === '/webview.js' || path === '/webview.css') {
      res.writeHead(200, { 'content-type': path.endsWith('.js') ? 'text/javascript' : 'text/css' });
      res.end(readFileSync(join(distWebview, path.slice(1))));
    } else {
      res.writeHead(404).end();
    }
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  return {
    url: (theme, view) => `${origin}/${view ? `?view=${view}` : ''}#${encodeURIComponent(JSON.stringify(THEMES[theme]))}`,
    close: () => new Promise((r) => server.close(() => r())),
  };
}
