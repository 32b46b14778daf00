// End to end in a real VS Code (code-server) with the packaged .vsix, driven like a user in Chromium:
// open the profile → the dashboard renders; click a finding → the editor is at its line (with the
// CodeLens); open a patch diff → Accept → the file changed on disk, Undo restores it; Reject → the
// ledger records it. Skips when scripts/setup-editor.sh has not installed code-server.
import { describe, expect, it } from 'vitest';
import { cpSync, readFileSync, rmSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { artifactsDir } from '../support/chromium.js';
import { sharedVsix } from '../support/code-server.js';
import {
  canDriveEditor, DASHBOARD_BUNDLES, firstWebview as dashboard, FIXTURE_WORKSPACE, openInDashboard, openQuickInput, quickOpen, runCommand, useWorkbench,
} from '../support/workbench-ui.js';

const root = process.cwd();

describe.skipIf(!canDriveEditor(...DASHBOARD_BUNDLES))('Sysight in a real VS Code (code-server + packaged .vsix)', () => {
  const original = readFileSync(join(FIXTURE_WORKSPACE, 'train.py'), 'utf8');
  const consoleErrors: string[] = [];
  const ws = useWorkbench({
    prepare: () => { expect(statSync(sharedVsix()).size).toBeGreaterThan(100_000); },
    onPage: (p) => p.on('console', (m) => { if (m.type() === 'error') consoleErrors.push(m.text()); }),
  });

  it('opens the profile in the dashboard custom editor', async () => {
    const { page } = ws;
    const dash = await openInDashboard(page, 'train.pt.trace.json');
    await expect.poll(() => dash.locator('tr.finding').count(), { timeout: 30_000 }).toBe(3);
    // the engine reads the Kineto trace in its worker thread and sends the binned summary (no error banner)
    await dash.locator('[data-testid=kernels]').waitFor({ timeout: 60_000 });
    expect(await dash.locator('[data-testid=overview-error]').count()).toBe(0);
    expect(await dash.locator('[data-testid=lane]').count()).toBe(6); // CPU work, CPU waiting (sync), GPU, streams 7, 8, 9
    expect(await dash.locator('[data-testid=iteration]').count()).toBe(10);
    // the diagnosis from the profile alone arrives from the worker once the profile is open, with the one step count
    await expect.poll(() => dash.locator('[data-testid=diagnosis-finding]').count(), { timeout: 60_000 }).toBeGreaterThan(1);
    expect(await dash.locator('[data-testid=diagnosis]').textContent()).toMatch(/C3Synchronization9\.0 ms.*cudaStreamSynchronize blocks the host 9\.0 ms/s);
    expect(await dash.locator('[data-testid=steps]').textContent()).toBe('10 steps from the "ProfilerStep#0" ranges, median 8.28 ms');
    expect(await dash.locator('[data-testid=gpu-time-device]').count()).toBe(1);
    expect(await dash.locator('[data-testid=round]').count()).toBe(2);
    await page.screenshot({ path: join(artifactsDir(), 'editor-dashboard.png') });
    // the dashboard's strict CSP holds in the real webview: nothing refused
    expect(consoleErrors.filter((e) => /Content Security Policy|Refused to/i.test(e))).toEqual([]);
    if (process.env.SYSIGHT_DEBUG) console.log(consoleErrors.join('\n'));
  }, 120_000);

  it('reveals file:line when a finding is clicked, with its CodeLens and decoration', async () => {
    const { page } = ws;
    await dashboard(page).locator('tr.finding[data-category=C3]').click();
    const tab = page.locator('.tabs-container .tab.active');
    await expect.poll(() => tab.getAttribute('aria-label'), { timeout: 20_000 }).toMatch(/^train\.py/);
    await expect.poll(() => page.locator('#status\\.editor\\.selection').textContent(), { timeout: 20_000 }).toMatch(/Ln 22, Col 9/);
    await expect.poll(() => page.locator('.codelens-decoration').allTextContents(), { timeout: 20_000 })
      .toEqual(expect.arrayContaining([expect.stringContaining('C3 Synchronization · 2.1 ms/iter (14%)')]));
    expect((await page.locator('.codelens-decoration').allTextContents()).join(' ')).toMatch(/Evidence.*Optimize/);
    await page.screenshot({ path: join(artifactsDir(), 'editor-finding.png') });
  }, 60_000);

  it('lists Runs → Rounds → Findings → Patches in the Sysight view; a finding there reveals its line', async () => {
    const { page } = ws;
    await page.locator('.activitybar .action-item a[aria-label^="Sysight"]').click();
    const rows = page.locator('.pane-body .monaco-list-row');
    await expect.poll(() => rows.count(), { timeout: 20_000 }).toBe(8);
    const labels = (await rows.allTextContents()).map((t) => t.replace(/\s+/g, ' ').trim());
    const order = ['Run r1-demo', 'Round 1', 'C3 loss.item()', 'Patch p1', 'C1 DataLoader', 'Patch p2', 'C4 Pageable', 'Round 2'];
    const at = order.map((o) => labels.findIndex((l) => l.startsWith(o)));
    expect(at.every((i) => i >= 0), labels.join(' | ')).toBe(true);
    expect([...at].sort((a, b) => a - b)).toEqual(at);
    expect(labels[at[3]!]).toContain('accepted · +13.8% [+11.2%, +16.1%] 95% confidence sequence');
    await page.screenshot({ path: join(artifactsDir(), 'editor-runs-view.png') });
    await rows.filter({ hasText: 'C4 Pageable' }).click();
    await expect.poll(() => page.locator('#status\\.editor\\.selection').textContent(), { timeout: 20_000 }).toMatch(/Ln 18, Col 9/);
    await page.locator('.activitybar .action-item a[aria-label^="Explorer"]').click();
  }, 60_000);

  it('opens a verified patch as a diff, accepts it as one edit, and Undo restores the file', async () => {
    const { page, sb } = ws;
    await quickOpen(page, 'train.pt.trace.json');
    await dashboard(page).locator('tr.finding[data-category=C3] [data-testid=open-patch]').click();
    await page.locator('.monaco-diff-editor').first().waitFor({ timeout: 20_000 });
    await expect.poll(() => page.locator('.tabs-container .tab.active').getAttribute('aria-label')).toMatch(/train\.py ↔ C3\.item-in-loop: \+13\.8% \[\+11\.2%, \+16\.1%\]/);
    // Accept and Reject sit in the diff editor's title bar
    await page.locator('.editor-actions a[aria-label*="Accept Patch"]').waitFor({ timeout: 10_000 });
    await page.screenshot({ path: join(artifactsDir(), 'editor-patch-diff.png') });
    await page.locator('.editor-actions a[aria-label*="Accept Patch"]').click();
    const file = join(sb.workspace, 'train.py');
    await expect.poll(() => readFileSync(file, 'utf8'), { timeout: 20_000 }).toContain('losses.append(loss.detach())');
    expect(readFileSync(file, 'utf8')).toContain('return [l.item() for l in losses]');

    // one undo restores the user's text; saving writes it back
    await expect.poll(() => page.locator('.tabs-container .tab.active').getAttribute('aria-label')).toMatch(/^train\.py/);
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+Z');
    await page.keyboard.press('Control+S');
    await expect.poll(() => readFileSync(file, 'utf8'), { timeout: 20_000 }).toBe(original);

    const ledger = readFileSync(join(sb.workspace, '.sysight', 'ledger.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
    expect(ledger).toHaveLength(1);
    expect(ledger[0]).toMatchObject({ runId: 'r1-demo', patchId: 'p1', verdict: 'user-accepted', speedup: 0.138 });
  }, 90_000);

  it('rejects a patch from the command palette and records the verdict in the ledger', async () => {
    const { page, sb } = ws;
    await quickOpen(page, 'train.pt.trace.json');
    await dashboard(page).locator('tr.finding[data-category=C1] [data-testid=open-patch]').click();
    await expect.poll(() => page.locator('.tabs-container .tab.active').getAttribute('aria-label'), { timeout: 20_000 }).toMatch(/C1\.dataloader-num-workers/);
    await runCommand(page, 'Sysight: Reject Patch');
    const ledgerFile = join(sb.workspace, '.sysight', 'ledger.jsonl');
    await expect.poll(() => readFileSync(ledgerFile, 'utf8').trim().split('\n').length, { timeout: 20_000 }).toBe(2);
    const last = JSON.parse(readFileSync(ledgerFile, 'utf8').trim().split('\n')[1]!);
    expect(last).toMatchObject({ runId: 'r1-demo', patchId: 'p2', verdict: 'user-rejected', fingerprint: 'C1:train.py:make_loader:dataloader-workers' });
    expect(readFileSync(join(sb.workspace, 'train.py'), 'utf8')).toBe(original);
    // the diff closed with the verdict
    await expect.poll(() => page.locator('.tabs-container .tab', { hasText: 'C1.dataloader' }).count()).toBe(0);
  }, 60_000);

  it('Show Report opens the run dashboard in a panel that survives a window reload (serializer + state)', async () => {
    const { page } = ws;
    await runCommand(page, 'Sysight: Show Report');
    const tab = page.locator('.tabs-container .tab', { hasText: 'Sysight: train.pt.trace.json' });
    await tab.waitFor({ timeout: 20_000 });
    await expect.poll(() => dashboard(page).locator('tr.finding').count(), { timeout: 30_000 }).toBe(3);
    await dashboard(page).locator('th[data-sort=confidence]').click(); // view state kept by getState/setState
    // reload through the workbench's own lifecycle, which saves the open editors and webview state first
    await Promise.all([page.waitForEvent('load', { timeout: 60_000 }), runCommand(page, 'Developer: Reload Window')]);
    await page.locator('.monaco-workbench').waitFor({ timeout: 60_000 });
    await page.locator('.tabs-container .tab', { hasText: 'Sysight: train.pt.trace.json' }).click({ timeout: 30_000 });
    await expect.poll(() => dashboard(page).locator('tr.finding').count(), { timeout: 30_000 }).toBe(3);
    expect(await dashboard(page).locator('th[data-sort=confidence]').getAttribute('aria-sort')).toBe('descending');
    await runCommand(page, 'View: Close Editor');
    await expect.poll(() => page.locator('.tabs-container .tab', { hasText: 'Sysight: train.pt.trace.json' }).count()).toBe(0);
  }, 120_000);

  it('refuses a patch whose file changed since it was verified', async () => {
    const { page, sb } = ws;
    const file = join(sb.workspace, 'train.py');
    await quickOpen(page, 'train.py');
    await expect.poll(() => page.locator('.tabs-container .tab.active').getAttribute('aria-label')).toMatch(/^train\.py/);
    await page.locator('.monaco-editor .view-lines').first().click();
    await page.keyboard.press('Control+Home');
    await page.keyboard.type('# edited by the user\n');
    await page.keyboard.press('Control+S');
    await expect.poll(() => readFileSync(file, 'utf8')).toMatch(/^# edited by the user/);
    await quickOpen(page, 'train.pt.trace.json');
    await dashboard(page).locator('tr.finding[data-category=C3] [data-testid=open-patch]').click();
    await page.locator('.notification-toast', { hasText: 'changed since patch p1 was verified' }).waitFor({ timeout: 20_000 });
    expect(await page.locator('.notification-toast', { hasText: 'changed since patch p1' }).locator('a, .monaco-button', { hasText: 'View Logs' }).count()).toBe(1);
    expect(readFileSync(file, 'utf8')).toMatch(/^# edited by the user/);
  }, 60_000);
});

describe.skipIf(!canDriveEditor(...DASHBOARD_BUNDLES))('first use, in an untrusted workspace (restricted mode)', () => {
  const ws = useWorkbench({
    settings: { 'security.workspace.trust.startupPrompt': 'never', 'security.workspace.trust.emptyWindow': false },
    prepare: (sb) => cpSync(join(root, 'test', 'fixtures', 'fresh', 'capture.sqlite'), join(sb.workspace, 'capture.sqlite')),
    trust: false,
  });

  it('shows the dashboard and findings read-only, with Analyze disabled and workload commands hidden', async () => {
    const { page } = ws;
    const dash = await openInDashboard(page, 'train.pt.trace.json', '[data-testid=untrusted]');
    expect(await dash.locator('tr.finding').count()).toBe(3);
    expect(await dash.locator('[data-testid=analyze]').getAttribute('disabled')).not.toBeNull();
    await page.screenshot({ path: join(artifactsDir(), 'editor-restricted.png') });
    await openQuickInput(page, 'F1');
    await page.locator('.quick-input-widget input').fill('>Sysight: ');
    await page.locator('.quick-input-list .monaco-list-row', { hasText: 'Sysight: Set API Key' }).first().waitFor();
    const titles = await page.locator('.quick-input-list .monaco-list-row').allTextContents();
    expect(titles.join('\n')).not.toMatch(/Run Closed Loop|Analyze Profile|Optimize Findings/);
    await page.keyboard.press('Escape');
  }, 120_000);

  it('explains a profile it cannot read in one line', async () => {
    const { page, sb } = ws;
    const dash = await openInDashboard(page, 'capture.sqlite', '[data-testid=overview-error]');
    const msg = (await dash.locator('[data-testid=overview-error]').textContent()) ?? '';
    expect(msg).toMatch(/^Cannot read capture\.sqlite: \S/);
    expect(msg).not.toContain(sb.workspace); // the file's name, not its absolute path
    expect(msg).not.toMatch(/\n\s+at /); // a message, not a stack
    expect(await dash.locator('[data-testid=no-findings]').textContent()).toContain('No findings localized to your code yet');
    expect(await dash.locator('[data-testid=timeline]').count()).toBe(0);
    await page.screenshot({ path: join(artifactsDir(), 'editor-unreadable-profile.png') });
  }, 60_000);

  it('follows the runs on disk: with none left, the Sysight view offers the closed loop and the walkthrough', async () => {
    const { page, sb } = ws;
    await page.locator('.activitybar .action-item a[aria-label^="Sysight"]').click();
    await expect.poll(() => page.locator('.pane-body .monaco-list-row').count(), { timeout: 20_000 }).toBe(8);
    rmSync(join(sb.workspace, '.sysight', 'runs'), { recursive: true, force: true });
    const welcome = page.locator('.welcome-view-content');
    await welcome.waitFor({ timeout: 30_000 });
    expect(await welcome.textContent()).toContain('No Sysight runs in this workspace yet.');
    expect(await welcome.locator('a, .monaco-button', { hasText: 'Run Closed Loop' }).count()).toBe(1);
    expect(await welcome.locator('a, .monaco-button', { hasText: 'Open Walkthrough' }).count()).toBe(1);
    await page.screenshot({ path: join(artifactsDir(), 'editor-first-run.png') });
  }, 60_000);
});
