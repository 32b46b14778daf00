// Files that open in the dashboard by their name but are not profiles, in a real VS Code (code-server + packaged
// .vsix), driven like a user: a plain SQLite database with a table and a gzip file that is not a trace each show
// "This file is not a profile" with one-click "Reopen with the default editor", which puts VS Code's default
// editor in the dashboard's place. "Always open *.json.gz files that are not profiles with the default editor" is
// written to the user settings and honoured on the next open, without asking, while a real trace saved as
// *.json.gz still opens in the dashboard; `Sysight: Ask Again for Files That Are Not Profiles` undoes it.
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import { describe, expect, it } from 'vitest';
import { loadSqlJs } from '../../src/profile/sqljs.js';
import { artifactsDir } from '../support/chromium.js';
import type { Sandbox } from '../support/code-server.js';
import { canDriveEditor, closeAllEditors, DASHBOARD_BUNDLES, openInDashboard, quickOpen, runCommand, useWorkbench } from '../support/workbench-ui.js';

const SETTING = 'sysight.defaultEditorForNonProfiles';

describe.skipIf(!canDriveEditor(...DASHBOARD_BUNDLES))('files that are not profiles, in a real VS Code', () => {
  const ws = useWorkbench({ prepare: writeFiles });
  const userSettings = () => JSON.parse(readFileSync(join(ws.sb.dir, 'ud', 'User', 'settings.json'), 'utf8')) as Record<string, unknown>;
  const activeTab = () => ws.page.locator('.tabs-container .tab.active').getAttribute('aria-label');
  const tabsNamed = (name: string) => ws.page.locator(`.tabs-container .tab[aria-label^="${name}"]`).count();
  /** VS Code's default (text) editor on a binary file: its "not displayed in the text editor" placeholder */
  const defaultEditorShown = () => ws.page.getByText(/not displayed in the text editor because it is either binary/).count();
  const webviews = () => ws.page.locator('iframe.webview.ready').count();

  /** a plain SQLite database, gzip files that are no trace, and a real trace saved as *.json.gz */
  async function writeFiles(sb: Sandbox): Promise<void> {
    const SQL = await loadSqlJs();
    const db = new SQL.Database();
    db.exec("CREATE TABLE users (id INTEGER PRIMARY KEY, name TEXT); INSERT INTO users (name) VALUES ('ada'), ('grace')");
    writeFileSync(join(sb.workspace, 'users.sqlite'), db.export());
    db.close();
    writeFileSync(join(sb.workspace, 'table.json.gz'), gzipSync('name,value\nx,1\ny,2\n'));
    writeFileSync(join(sb.workspace, 'config.json.gz'), gzipSync(JSON.stringify({ model: 'gpt2', lr: 3e-4 })));
    writeFileSync(join(sb.workspace, 'notes.json.gz'), gzipSync(JSON.stringify({ notes: ['not a trace'] })));
    // a real trace saved as *.json.gz: a profile of the remembered kind
    writeFileSync(join(sb.workspace, 'train.json.gz'), gzipSync(readFileSync(join(sb.workspace, 'train.pt.trace.json'))));
  }

  it('a SQLite database that is not an Nsight Systems export: says so, and one click reopens it in the default editor', async () => {
    const { page } = ws;
    const dash = await openInDashboard(page, 'users.sqlite', '[data-testid=not-profile]');
    expect(await dash.locator('[data-testid=not-profile-message]').textContent())
      .toBe('Cannot read users.sqlite: users.sqlite is a SQLite database but not an Nsight Systems export (no StringIds/CUPTI/NVTX tables)');
    expect(await dash.locator('[data-testid=always-default]').textContent()).toContain('Always open *.sqlite files that are not profiles with the default editor');
    await page.screenshot({ path: join(artifactsDir(), 'editor-not-a-profile.png') });
    await dash.locator('[data-testid=reopen-default]').click();
    await expect.poll(defaultEditorShown, { timeout: 30_000 }).toBe(1);
    expect(await activeTab()).toMatch(/^users\.sqlite/);
    // the default editor took the dashboard's place: one tab for the file, no dashboard left
    await expect.poll(() => tabsNamed('users.sqlite'), { timeout: 10_000 }).toBe(1);
    expect(await webviews()).toBe(0);
    expect(userSettings()[SETTING]).toBeUndefined();
    await page.screenshot({ path: join(artifactsDir(), 'editor-not-a-profile-reopened.png') });
  }, 120_000);

  it('"Always" for a gzip file that is not a trace: remembered in the user settings and honoured on the next open', async () => {
    const { page } = ws;
    const dash = await openInDashboard(page, 'table.json.gz', '[data-testid=not-profile]');
    expect(await dash.locator('[data-testid=not-profile-message]').textContent()).toMatch(/^Cannot read table\.json\.gz: table\.json\.gz is not a profile Sysight can read/);
    await dash.locator('[data-testid=always-default]').click();
    await expect.poll(() => userSettings()[SETTING], { timeout: 20_000 }).toEqual(['*.json.gz']);
    await expect.poll(activeTab, { timeout: 30_000 }).toMatch(/^table\.json\.gz/);
    await expect.poll(defaultEditorShown, { timeout: 30_000 }).toBe(1);

    // the next gzip file that is not a trace goes to the default editor without asking
    await quickOpen(page, 'config.json.gz');
    await expect.poll(activeTab, { timeout: 30_000 }).toMatch(/^config\.json\.gz/);
    await expect.poll(() => webviews(), { timeout: 30_000 }).toBe(0);
    await expect.poll(defaultEditorShown, { timeout: 30_000 }).toBe(1);
    expect(await tabsNamed('config.json.gz')).toBe(1);

    // a real trace of that kind still opens in the dashboard
    const trace = await openInDashboard(page, 'train.json.gz', '[data-testid=kernels]');
    expect(await trace.locator('[data-testid=not-profile]').count()).toBe(0);
    await page.screenshot({ path: join(artifactsDir(), 'editor-not-a-profile-always.png') });
  }, 180_000);

  it('Sysight: Ask Again for Files That Are Not Profiles forgets the choice', async () => {
    const { page } = ws;
    await closeAllEditors(page);
    await runCommand(page, 'Sysight: Ask Again for Files That Are Not Profiles');
    await expect.poll(() => userSettings()[SETTING], { timeout: 20_000 }).toBeUndefined();
    // a file not opened before (quick open would reopen a recent one in the editor it last had)
    const dash = await openInDashboard(page, 'notes.json.gz', '[data-testid=not-profile]');
    expect(await dash.locator('[data-testid=not-profile-message]').textContent()).toMatch(/notes\.json\.gz is JSON but not a PyTorch profiler trace/);
  }, 120_000);
});
