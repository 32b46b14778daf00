// Files the dashboard opens by their name (*.sqlite, *.json.gz) that turn out not to be profiles: a SQLite
// database that is not an Nsight Systems export, a gzip file that is not a PyTorch trace. The dashboard says so
// and offers VS Code's default editor in one click (`vscode.openWith` with 'default', in the dashboard's place),
// and to always do that for this kind of file: the choice is the setting `sysight.defaultEditorForNonProfiles`
// (a list of kinds), honoured on the next open; profiles of that kind still open in the dashboard. The command
// `Sysight: Ask Again for Files That Are Not Profiles` (or emptying the setting) undoes it.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import type { DashboardState } from '../protocol/dashboard.js';

/** The kinds a choice can be remembered for: the custom editor's file-name patterns a non-profile can match. */
export const NON_PROFILE_KINDS = ['*.sqlite', '*.json.gz'] as const;
export type NonProfileKind = (typeof NON_PROFILE_KINDS)[number];

const SECTION = 'sysight';
const KEY = 'defaultEditorForNonProfiles';

/** The kind of file a choice applies to; null for files opened in the dashboard on purpose (a plain *.json). */
export function nonProfileKind(path: string): NonProfileKind | null {
  const name = basename(path).toLowerCase();
  if (name.endsWith('.sqlite')) return '*.sqlite';
  if (name.endsWith('.json.gz')) return '*.json.gz';
  return null;
}

/** The kinds a setting value remembers, in their fixed order; anything else in it (a typo, another type) is ignored. */
export function rememberedKinds(value: unknown): NonProfileKind[] {
  return Array.isArray(value) ? NON_PROFILE_KINDS.filter((k) => value.includes(k)) : [];
}

/** The setting value once `kind` is remembered too. */
export function withKind(value: unknown, kind: NonProfileKind): NonProfileKind[] {
  const kinds = rememberedKinds(value);
  return NON_PROFILE_KINDS.filter((k) => k === kind || kinds.includes(k));
}

/** Whether a file found not to be a profile goes to the default editor without asking. */
export function reopensWithoutAsking(value: unknown, path: string): boolean {
  const kind = nonProfileKind(path);
  return kind !== null && rememberedKinds(value).includes(kind);
}

const setting = (): unknown => vscode.workspace.getConfiguration(SECTION).get<unknown>(KEY);

/**
 * Opens the file in VS Code's default editor where the dashboard panel is (VS Code replaces the custom editor
 * there when it can), then closes the panel.
 */
export async function reopenWithDefaultEditor(uri: vscode.Uri, panel: vscode.WebviewPanel): Promise<void> {
  const options: vscode.TextDocumentShowOptions = { preview: false, preserveFocus: !panel.active };
  if (panel.viewColumn !== undefined) options.viewColumn = panel.viewColumn;
  await vscode.commands.executeCommand('vscode.openWith', uri, 'default', options);
  panel.dispose();
}

/** "Always": remembers the file's kind in the user's settings, then reopens it in the default editor. */
export async function alwaysReopenWithDefaultEditor(uri: vscode.Uri, panel: vscode.WebviewPanel): Promise<void> {
  const kind = nonProfileKind(uri.fsPath);
  if (kind) await vscode.workspace.getConfiguration(SECTION).update(KEY, withKind(setting(), kind), vscode.ConfigurationTarget.Global);
  await reopenWithDefaultEditor(uri, panel);
}

/** What a document tells about itself: enough to see that it is not a profile. */
interface OpenedFile {
  readonly uri: vscode.Uri;
  readonly status: DashboardState['overviewStatus'];
  readonly onDidChange: vscode.Event<void>;
}

/**
 * Watches a dashboard's document: once it is known not to be a profile and its kind is remembered, the panel
 * is replaced by the default editor without asking (a status-bar line says why).
 */
export function reopenWhenRemembered(doc: OpenedFile, panel: vscode.WebviewPanel, log: (line: string) => void): vscode.Disposable {
  let done = false;
  const check = () => {
    if (done || !doc.status.notProfile || !reopensWithoutAsking(setting(), doc.uri.fsPath)) return;
    done = true;
    const name = basename(doc.uri.fsPath);
    log(`${name} is not a profile: opened with the default editor (sysight.${KEY})`);
    vscode.window.setStatusBarMessage(`Sysight: ${name} is not a profile, opened with the default editor`, 10_000);
    reopenWithDefaultEditor(doc.uri, panel).catch((e: unknown) => log(`reopening ${name} with the default editor failed: ${String(e)}`));
  };
  const sub = doc.onDidChange(check);
  check();
  return sub;
}

/** `Sysight: Ask Again for Files That Are Not Profiles`: forgets every remembered kind, wherever it was set. */
export function registerNonProfileCommand(): vscode.Disposable {
  const reg = (id: string, fn: () => unknown) => vscode.commands.registerCommand(id, fn);
  return reg('sysight.askAgainForNonProfiles', async () => {
    const c = vscode.workspace.getConfiguration(SECTION);
    const set = c.inspect<unknown>(KEY);
    if (set?.globalValue !== undefined) await c.update(KEY, undefined, vscode.ConfigurationTarget.Global);
    if (set?.workspaceValue !== undefined) await c.update(KEY, undefined, vscode.ConfigurationTarget.Workspace);
    void vscode.window.showInformationMessage(`Sysight will ask again when a ${NON_PROFILE_KINDS.join(' or ')} file is not a profile.`);
  });
}
