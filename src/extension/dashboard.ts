// One dashboard webview (custom editor or restored panel): answers the webview's messages and pushes
// the state — the binned overview, the findings of the run made from this profile, rounds, progress.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { oneLine } from '../core/errors.js';
import {
  ActionCommand, type DashboardState, OpenPatchCommand, ProgressNotification, ReadyCommand, RevealCommand,
  StateNotification, TimelineRevealNotification, ZoomRequest, type RevealWindow,
} from '../protocol/dashboard.js';
import { Response } from '../protocol/ipc.js';
import { RanksStateNotification, type OpenRankParams, type RanksView } from '../protocol/ranks.js';
import { RANKS_VIEW_QUERY } from '../protocol/ranks-worker.js';
import { runForProfile, savedOverview, toFindingView, toRunView } from './model.js';
import { alwaysReopenWithDefaultEditor, reopenWithDefaultEditor } from './non-profile.js';
import { RanksController } from './ranks.js';
import type { ProfileDocument } from './profile-document.js';
import { dashboardHtml, webviewOptions } from './webview-html.js';
import type { Services } from './services.js';
import { TraceRequests } from './trace-requests.js';

export class Dashboard implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;
  private readonly trace: TraceRequests;
  private ranks: RanksController | undefined;
  /** a timeline window asked for before the webview was ready */
  private pendingReveal: RevealWindow | undefined;

  constructor(
    private readonly panel: vscode.WebviewPanel,
    readonly doc: ProfileDocument,
    private readonly s: Services,
    /** opens another profile at a window (a rank of the Ranks tab that lives in another file) */
    private readonly revealIn?: (profile: vscode.Uri, startNs: number, endNs: number) => Promise<void>,
  ) {
    const webview = panel.webview;
    this.trace = new TraceRequests((name, args, signal) => doc.query(name, args, signal));
    webview.options = webviewOptions(s.extensionUri);
    webview.html = dashboardHtml(webview, s.extensionUri, basename(doc.uri.fsPath));
    this.disposables.push(
      webview.onDidReceiveMessage((m: unknown) => this.onMessage(m)),
      doc.onDidChange(() => this.push()),
      s.store.onDidChange(() => this.push()),
      s.work.onProgress((p) => { if (this.ready) void webview.postMessage(ProgressNotification.make(p)); }),
      vscode.workspace.onDidGrantWorkspaceTrust(() => this.push()),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  state(): DashboardState {
    const run = runForProfile(this.s.store.runs, this.doc.uri.fsPath);
    let overview = this.doc.overview;
    if (!overview && run && this.doc.status.state === 'error') overview = savedOverview(run);
    return {
      profile: { path: this.doc.uri.fsPath, name: basename(this.doc.uri.fsPath) },
      overview,
      overviewStatus: this.doc.status,
      findings: run?.findings ? run.findings.findings.map((f) => toFindingView(run, f)) : [],
      run: run ? toRunView(run) : null,
      progress: this.s.work.last,
      trusted: vscode.workspace.isTrusted,
      rankProcesses: this.doc.gpuProcesses,
      ...(this.doc.diagnosis ? { diagnosis: this.doc.diagnosis } : {}),
      ...(run?.findings?.notes.length ? { analyzeNotes: run.findings.notes } : {}),
    };
  }

  private push(): void {
    if (this.ready) void this.panel.webview.postMessage(StateNotification.make(this.state()));
  }

  private async onMessage(m: unknown): Promise<void> {
    try {
      if (ReadyCommand.is(m)) {
        this.ready = true;
        this.push();
        if (this.pendingReveal) void this.panel.webview.postMessage(TimelineRevealNotification.make(this.pendingReveal));
        this.pendingReveal = undefined;
      } else if (this.ranksController().handle(m)) {
        // the Ranks tab: computed in the ranks worker, cached for this dashboard
      } else if (RevealCommand.is(m)) {
        const repo = this.s.store.repoFor(this.doc.uri);
        if (repo) await this.s.reveal(repo, m.params.file, m.params.line);
      } else if (OpenPatchCommand.is(m)) {
        await this.s.patches.openDiff(m.params.runId, m.params.patchId);
      } else if (ActionCommand.is(m)) {
        const a = m.params.action;
        if (a === 'cancel') this.s.work.cancel();
        else if (a === 'showLogs') this.s.log.show();
        else if (a === 'analyze') await vscode.commands.executeCommand('sysight.analyzeProfile', this.doc.uri);
        else if (a === 'closedLoop') await vscode.commands.executeCommand('sysight.runClosedLoop', this.doc.uri);
        else if (a === 'optimize') await vscode.commands.executeCommand('sysight.optimizeFindings');
        else if (a === 'reopenDefault') await reopenWithDefaultEditor(this.doc.uri, this.panel);
        else if (a === 'alwaysDefault') await alwaysReopenWithDefaultEditor(this.doc.uri, this.panel);
      } else if (TraceRequests.isRequest(m)) {
        const id = m.id;
        const answer = await this.trace.handle(m)!;
        void this.panel.webview.postMessage(Response.make(answer, id));
      } else if (ZoomRequest.is(m)) {
        const id = m.id;
        try {
          const o = await this.doc.zoom([m.params.startNs, m.params.endNs], m.params.bins);
          void this.panel.webview.postMessage(Response.make({ ok: true, result: o }, id));
        } catch (e) {
          void this.panel.webview.postMessage(Response.make({ ok: false, error: oneLine(e) }, id));
        }
      } else {
        this.s.log.warn(`dashboard: unknown message ${JSON.stringify(m).slice(0, 200)}`);
      }
    } catch (e) {
      await this.s.reportError('Dashboard', e);
    }
  }

  /**
   * Switches the dashboard to its trace view, showing this window (ns on the profile's clock): posted at once,
   * or when the webview is ready; brings the panel forward.
   */
  revealTimeline(startNs: number, endNs: number): void {
    if (this.ready) void this.panel.webview.postMessage(TimelineRevealNotification.make({ startNs, endNs }));
    else this.pendingReveal = { startNs, endNs };
    this.panel.reveal(undefined, false);
  }

  private ranksController(): RanksController {
    // the session worker already holds this profile: its ranks come from that model, not from a second read
    this.ranks ??= new RanksController(this.s,
      { what: basename(this.doc.uri.fsPath), compute: (signal) => this.doc.query(RANKS_VIEW_QUERY, {}, signal) as Promise<RanksView> },
      (st) => void this.panel.webview.postMessage(RanksStateNotification.make(st)),
      async (p: OpenRankParams) => {
        const target = vscode.Uri.file(p.source);
        if (target.fsPath === this.doc.uri.fsPath || !this.revealIn) this.revealTimeline(p.startNs, p.endNs);
        else await this.revealIn(target, p.startNs, p.endNs);
      });
    return this.ranks;
  }

  dispose(): void {
    this.trace.dispose();
    while (this.disposables.length) this.disposables.pop()!.dispose();
  }
}
