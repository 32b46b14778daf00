// The read-only profile editor (custom editor for .sqlite / .pt.trace.json / .json.gz) and the standalone
// dashboard panel that survives reloads through a WebviewPanelSerializer. Panels are tracked per URI.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { basename } from 'node:path';
import { UserError } from '../core/errors.js';
import { Dashboard } from './dashboard.js';
import { registerNonProfileCommand, reopenWhenRemembered } from './non-profile.js';
import { ProfileDocument } from './profile-document.js';
import { RANKS_PANEL_TYPE, RanksPanel } from './ranks.js';
import type { Services } from './services.js';
import { webviewOptions } from './webview-html.js';

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
  /** dashboards of the custom editors, per document URI */
  private readonly dashboards = new Map<string, Set<Dashboard>>();
  private readonly resolved = new vscode.EventEmitter<Dashboard>();
  private readonly ranksPanels = new Map<string, RanksPanel>();

  constructor(private readonly s: Services) {
    for (const viewType of VIEW_TYPES) {
      this.disposables.push(vscode.window.registerCustomEditorProvider(viewType, this, {
        supportsMultipleEditorsPerDocument: true,
        webviewOptions: { retainContextWhenHidden: false },
      }));
    }
    this.disposables.push(vscode.window.registerWebviewPanelSerializer(PANEL_TYPE, this), registerNonProfileCommand());
  }

  openCustomDocument(uri: vscode.Uri): ProfileDocument {
    this.s.log.info(`opening profile ${uri.fsPath}`);
    return new ProfileDocument(uri, this.s.engine, this.s.log);
  }

  resolveCustomEditor(doc: ProfileDocument, panel: vscode.WebviewPanel): void {
    this.panels.add(doc.uri, panel);
    const d = new Dashboard(panel, doc, this.s, (uri, a, b) => this.revealInProfile(uri, a, b));
    const k = doc.uri.toString();
    const set = this.dashboards.get(k) ?? new Set();
    set.add(d);
    this.dashboards.set(k, set);
    // a file that is not a profile goes to the default editor at once when the user chose that for its kind
    const remembered = reopenWhenRemembered(doc, panel, (l) => this.s.log.info(l));
    panel.onDidDispose(() => { remembered.dispose(); set.delete(d); if (set.size === 0) this.dashboards.delete(k); });
    this.resolved.fire(d);
  }

  /**
   * Opens a profile in the profile editor (beside the active one unless it is open already) and zooms its
   * timeline to [startNs, endNs] on that profile's clock (a `timeline/reveal` message to its dashboard).
   */
  async revealInProfile(profile: vscode.Uri, startNs: number, endNs: number): Promise<void> {
    const k = profile.toString();
    const open = () => [...(this.dashboards.get(k) ?? [])];
    let d = open()[0];
    if (!d && !existsSync(profile.fsPath)) {
      // a summary made elsewhere (a cluster node) names a profile that is not on this machine
      throw new UserError(`${profile.fsPath} is not on this machine: copy that rank's profile here to see its timeline`);
    }
    if (!d) {
      const viewType = /\.json$/i.test(profile.fsPath) && !/\.pt\.trace\.json$/i.test(profile.fsPath) ? VIEW_TYPES[1] : VIEW_TYPES[0];
      const next = new Promise<Dashboard | undefined>((resolve) => {
        const sub = this.resolved.event((x) => { if (x.doc.uri.toString() === k) { sub.dispose(); clearTimeout(t); resolve(x); } });
        const t = setTimeout(() => { sub.dispose(); resolve(open()[0]); }, 30_000);
      });
      await vscode.commands.executeCommand('vscode.openWith', profile, viewType, { viewColumn: vscode.ViewColumn.Beside, preview: false });
      d = open()[0] ?? await next;
    }
    if (!d) throw new Error(`the profile editor did not open ${basename(profile.fsPath)}`);
    d.revealTimeline(startNs, endNs);
  }

  /** The ranks of some inputs in their own panel (Sysight: Open Ranks); one panel per set of inputs. */
  openRanks(inputs: string[]): RanksPanel {
    const key = inputs.join('\n');
    const existing = this.ranksPanels.get(key);
    if (existing) {
      existing.panel.reveal();
      return existing;
    }
    const title = `Ranks: ${inputs.length === 1 ? basename(inputs[0]!) : `${inputs.length} inputs`}`;
    const panel = vscode.window.createWebviewPanel(RANKS_PANEL_TYPE, title, vscode.ViewColumn.Active, webviewOptions(this.s.extensionUri));
    const rp = new RanksPanel(panel, this.s, inputs, (p) => this.revealInProfile(vscode.Uri.file(p.source), p.startNs, p.endNs));
    this.ranksPanels.set(key, rp);
    panel.onDidDispose(() => this.ranksPanels.delete(key));
    return rp;
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
    for (const p of this.ranksPanels.values()) p.panel.dispose();
    this.resolved.dispose();
    for (const d of this.disposables) d.dispose();
  }
}
