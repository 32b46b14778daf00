// Extension-host tests: run inside a real VS Code extension host with the full `vscode` API, either in
// code-server (enable-smoke-test-driver + payload, test/editor/extension-host.test.ts) or under
// @vscode/test-electron (test/vscode/electron.test.ts). Exports run(), like any VS Code test index.
// A tiny runner (no mocha here): each case runs in order; results go to the console and, when
// SYSIGHT_EXT_TEST_OUT is set, to that JSON file.
import * as assert from 'node:assert/strict';
import { readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import * as vscode from 'vscode';
import type { SysightApi } from '../../../src/extension/extension.js';
import { readConfig } from '../../../src/extension/config.js';

type Case = [name: string, fn: () => Promise<void>];

async function until<T>(what: string, fn: () => T | Thenable<T>, ok: (v: T) => boolean, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  let last: T;
  for (;;) {
    last = await fn();
    if (ok(last)) return last;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}: last ${JSON.stringify(last)?.slice(0, 300)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

export async function run(): Promise<void> {
  const folder = vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  assert.ok(folder, 'a workspace folder is open');
  const trainPy = vscode.Uri.file(join(folder, 'train.py'));
  const original = readFileSync(trainPy.fsPath, 'utf8');
  const ext = vscode.extensions.getExtension<SysightApi>('sysight.sysight');

  const cases: Case[] = [
    ['activates on a workspace with .sysight and builds its services', async () => {
      assert.ok(ext, 'the extension is installed');
      const api = ext.isActive ? ext.exports : await ext.activate();
      assert.ok(api.container, 'the container started');
      const runs = await until('runs loaded', () => api.container!.services.store.runs.map((r) => r.id), (ids) => ids.length === 1);
      assert.deepEqual(runs, ['r1-demo']);
    }],
    ['publishes findings as diagnostics with source Sysight and codes C1…C7', async () => {
      const diags = await until('diagnostics', () => vscode.languages.getDiagnostics(trainPy), (d) => d.length === 3);
      const got = diags.map((d) => [d.source, d.code, d.range.start.line + 1]).sort((a, b) => Number(a[2]) - Number(b[2]));
      assert.deepEqual(got, [['Sysight', 'C1', 8], ['Sysight', 'C4', 18], ['Sysight', 'C3', 22]]);
      const c3 = diags.find((d) => d.code === 'C3')!;
      assert.equal(c3.severity, vscode.DiagnosticSeverity.Warning);
      assert.match(c3.message, /loss\.item\(\) synchronizes every iteration — 2\.10 ms\/iter \(14% of an iteration\)/);
    }],
    ['offers CodeLens "C3 Synchronization · 2.1 ms/iter (14%) · Evidence · Optimize" and the patch', async () => {
      await vscode.window.showTextDocument(trainPy);
      const lenses = await until('code lenses',
        () => vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', trainPy, 50),
        (l) => (l ?? []).filter((x) => x.command).length === 11);
      const onLine22 = lenses.filter((l) => l.range.start.line === 21).map((l) => l.command?.title);
      assert.deepEqual(onLine22, ['C3 Synchronization · 2.1 ms/iter (14%)', 'Evidence', 'Optimize', 'Patch +13.8%']);
      const patch = lenses.find((l) => l.command?.title === 'Patch +13.8%')!;
      assert.deepEqual([patch.command!.command, ...(patch.command!.arguments ?? [])], ['sysight.openPatchDiff', 'r1-demo', 'p1']);
    }],
    ['hovers a finding line with its impact and evidence', async () => {
      const hovers = await vscode.commands.executeCommand<vscode.Hover[]>('vscode.executeHoverProvider', trainPy, new vscode.Position(21, 10));
      const text = hovers.flatMap((h) => h.contents.map((c) => (typeof c === 'string' ? c : c.value))).join('\n');
      assert.match(text, /Sysight C3 · Synchronization/);
      assert.match(text, /Impact: \*\*2\.10 ms\/iter\*\* \(14\.0% of an iteration\)/);
      assert.match(text, /cudaStreamSynchronize 0\.90 ms per iteration/);
      assert.match(text, /\+13\.8% \[\+11\.2%, \+16\.1%\] 95% confidence sequence/);
    }],
    ['reveals a finding at its line', async () => {
      await vscode.commands.executeCommand('sysight.revealFinding', 'r1-demo', 'C1:train.py:make_loader:dataloader-workers');
      const ed = await until('editor at line 8', () => vscode.window.activeTextEditor, (e) => e?.selection.active.line === 7);
      assert.equal(ed!.document.uri.fsPath, trainPy.fsPath);
    }],
    ['opens the patch diff and accepts it as one undoable edit', async () => {
      await vscode.commands.executeCommand('sysight.openPatchDiff', 'r1-demo', 'p1');
      const tab = await until('diff tab', () => vscode.window.tabGroups.activeTabGroup.activeTab, (t) => t?.input instanceof vscode.TabInputTextDiff);
      assert.match(tab!.label, /C3\.item-in-loop: \+13\.8%/);
      await vscode.commands.executeCommand('sysight.acceptPatch', { runId: 'r1-demo', patchId: 'p1' });
      const changed = await until('file on disk patched', () => readFileSync(trainPy.fsPath, 'utf8'), (t) => t.includes('loss.detach()'));
      assert.ok(changed.includes('return [l.item() for l in losses]'));
      const ed = await until('train.py active', () => vscode.window.activeTextEditor, (e) => e?.document.uri.fsPath === trainPy.fsPath);
      // undo goes to the focused editor
      await vscode.window.showTextDocument(ed!.document, { preserveFocus: false });
      await vscode.commands.executeCommand('workbench.action.focusActiveEditorGroup');
      await vscode.commands.executeCommand('undo');
      await until('one undo restores the text', () => ed!.document.getText(), (t) => t === original, 5000);
      await ed!.document.save();
      assert.equal(readFileSync(trainPy.fsPath, 'utf8'), original);
    }],
    ['rejects a patch into the ledger', async () => {
      await vscode.commands.executeCommand('sysight.rejectPatch', 'r1-demo', 'p2');
      const ledger = readFileSync(join(folder, '.sysight', 'ledger.jsonl'), 'utf8').trim().split('\n').map((l) => JSON.parse(l));
      assert.deepEqual(ledger.map((l) => [l.patchId, l.verdict]), [['p1', 'user-accepted'], ['p2', 'user-rejected']]);
    }],
    ['refuses to accept a patch after the file changed', async () => {
      const api = ext!.exports;
      const doc = await vscode.workspace.openTextDocument(trainPy);
      const edit = new vscode.WorkspaceEdit();
      edit.insert(trainPy, new vscode.Position(0, 0), '# local change\n');
      await vscode.workspace.applyEdit(edit);
      await assert.rejects(api.container!.services.patches.accept({ runId: 'r1-demo', patchId: 'p1' }), /train\.py changed since patch p1 was verified/);
      assert.ok(doc.getText().startsWith('# local change\n'));
      await vscode.commands.executeCommand('workbench.action.files.revert');
    }],
    ['keeps API keys in SecretStorage and reports their change', async () => {
      const c = ext!.exports.container!;
      const seen: string[] = [];
      const sub = c.keys.onDidChange((p) => seen.push(p));
      try {
        await c.keys.set('anthropic', 'sk-test-123');
        assert.equal(await c.keys.get('anthropic'), 'sk-test-123');
        await until('a change event', () => seen, (s) => s.includes('anthropic'));
        assert.equal(JSON.stringify(vscode.workspace.getConfiguration('sysight')).includes('sk-test-123'), false);
        await c.keys.set('anthropic', '');
        assert.equal(await c.keys.get('anthropic'), undefined);
        assert.equal(await c.keys.get('none'), undefined);
      } finally {
        sub.dispose();
      }
    }],
    ['reads settings fresh and clamps bad values', async () => {
      const cfg = vscode.workspace.getConfiguration('sysight');
      await cfg.update('runs', 999, vscode.ConfigurationTarget.Workspace);
      await cfg.update('provider', 'bogus', vscode.ConfigurationTarget.Workspace);
      try {
        const c = readConfig();
        assert.equal(c.runs, 50);
        assert.equal(c.provider, 'none');
        assert.equal(c.minGain, 0.01);
      } finally {
        await cfg.update('runs', undefined, vscode.ConfigurationTarget.Workspace);
        await cfg.update('provider', undefined, vscode.ConfigurationTarget.Workspace);
      }
    }],
    ['Show Report opens the run dashboard in its own panel when the run has no report.md', async () => {
      await vscode.commands.executeCommand('sysight.showReport', 'r1-demo');
      const tab = await until('dashboard panel',
        () => vscode.window.tabGroups.all.flatMap((g) => g.tabs).find((t) => t.input instanceof vscode.TabInputWebview && t.label === 'Sysight: train.pt.trace.json'),
        (t) => t !== undefined);
      assert.match((tab!.input as vscode.TabInputWebview).viewType, /sysight\.dashboard$/);
    }],
  ];

  const results: Array<{ name: string; ok: boolean; error?: string }> = [];
  for (const [name, fn] of cases) {
    try {
      await fn();
      results.push({ name, ok: true });
      console.log(`  ✓ ${name}`);
    } catch (e) {
      results.push({ name, ok: false, error: (e as Error).stack ?? String(e) });
      console.log(`  ✗ ${name}: ${(e as Error).message}`);
    }
  }
  if (process.env.SYSIGHT_EXT_TEST_OUT) writeFileSync(process.env.SYSIGHT_EXT_TEST_OUT, JSON.stringify(results, null, 2));
  const failed = results.filter((r) => !r.ok);
  if (failed.length) throw new Error(`${failed.length} of ${results.length} extension-host tests failed: ${failed.map((f) => f.name).join('; ')}`);
}
