// The read-only profile editor (custom editor for .sqlite / .pt.trace.json / .json.gz) and the standalone
// dashboard panel that survives reloads through a WebviewPanelSerializer. Panels are tracked per URI.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { Dashboard } from './dashboard.js';
import { ProfileDocument } from './profileDocument.js';
import type { Services } from './services.js';
import { webviewOptions } from './webviewHtml.js';

export const VIEW_TYPES = ['sysight.profile', 'sysight.profileJson'] as const;
export const PANEL_TYPE = 'sysight.dashboard';

/** Webview panels per document URI, removed when they close. */
class PanelCollection {
  private readonly panels = new Map<string, Set<vscode.WebviewPanel>>();
  add(uri: vscode.Uri, panel: vscode.WebviewPanel): void {
    const k = uri.toString();
    const set = this.panels.get(k) ?? new Set();
    set.add(panel);
    this.panels.set(k, set);
    panel.onDidDispose(() => { set.delete(panel); if (set.size === 0) this.panels.delete(k); });
  }
  get(uri: vscode.Uri): vscode.WebviewPanel[] {
    return [...(this.panels.get(uri.toString()) ?? [])];
  }
}

export class ProfileEditorProvider implements vscode.CustomReadonlyEditorProvider<ProfileDocument>, vscode.WebviewPanelSerializer, vscode.Disposable {
  private readonly panels = new PanelCollection();
  /** standalone dashboard panels (Show Report), apart from the custom editors of the same file */
  private readonly standalone = new PanelCollection();
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly s: Services) {
    for (const viewType of VIEW_TYPES) {
      this.disposables.push(vscode.window.registerCustomEditorProvider(viewType, this, {
        supportsMultipleEditorsPerDocument: true,
        webviewOptions: { retainContextWhenHidden: false },
      }));
    }
    this.disposables.push(vscode.window.registerWebviewPanelSerializer(PANEL_TYPE, this));
  }

  openCustomDocument(uri: vscode.Uri): ProfileDocument {
    this.s.log.info(`opening profile ${uri.fsPath}`);
    return new ProfileDocument(uri, this.s.engine, this.s.log);
  }

  resolveCustomEditor(doc: ProfileDocument, panel: vscode.WebviewPanel): void {
    this.panels.add(doc.uri, panel);
    new Dashboard(panel, doc, this.s);
  }

  /** A dashboard in its own panel (from Show Report), restored after a reload by deserializeWebviewPanel. */
  openPanel(profile: vscode.Uri): void {
    const existing = this.standalone.get(profile)[0];
    if (existing) return existing.reveal();
    const panel = vscode.window.createWebviewPanel(PANEL_TYPE, `Sysight: ${basename(profile.fsPath)}`, vscode.ViewColumn.Active,
      webviewOptions(this.s.extensionUri));
    this.attach(panel, profile);
  }

  async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown): Promise<void> {
    const path = (state as { view?: { profilePath?: unknown } } | undefined)?.view?.profilePath;
    if (typeof path !== 'string' || !path) {
      panel.dispose();
      return;
    }
    this.attach(panel, vscode.Uri.file(path));
  }

  private attach(panel: vscode.WebviewPanel, profile: vscode.Uri): void {
    const doc = new ProfileDocument(profile, this.s.engine, this.s.log);
    panel.onDidDispose(() => doc.dispose());
    this.standalone.add(profile, panel);
    new Dashboard(panel, doc, this.s);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
