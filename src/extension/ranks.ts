// The ranks view on the host side: computes the RanksView of some inputs off the main thread (the ranks
// worker, through the WorkRunner: cancellable progress), pushes it to a webview (the Open Ranks panel or a
// dashboard's Ranks tab), and opens a rank's profile at a step when a heatmap cell is activated.
import * as vscode from 'vscode';
import { basename } from 'node:path';
import { isCancelled, oneLine } from '../core/errors.js';
import { ReadyCommand } from '../protocol/dashboard.js';
import {
  OpenRankCommand, RanksComputeCommand, RanksStateNotification, type OpenRankParams, type RanksStatus, type RanksView,
} from '../protocol/ranks.js';
import { profileEnv, readConfig } from './config.js';
import type { Services } from './services.js';
import { dashboardHtml, webviewOptions } from './webview-html.js';

export const RANKS_PANEL_TYPE = 'sysight.ranks';

/** How a controller gets its view: `what` names the inputs in progress and logs. */
export interface RanksSource {
  what: string;
  compute(signal: AbortSignal, onProgress: (fraction: number, message: string) => void): Promise<RanksView>;
}

/** The ranks of files or folders, in the ranks worker (one raw profile open at a time). */
export function ranksOfInputs(s: Services, inputs: string[]): RanksSource {
  return {
    what: inputs.length === 1 ? basename(inputs[0]!) : `${inputs.length} inputs`,
    compute: (signal, onProgress) => s.engine.computeRanks(inputs, { signal, onProgress, env: profileEnv(readConfig()) }),
  };
}

/** Computes (once, then cached) and serves the ranks of a source to one webview. */
export class RanksController {
  private view: RanksView | null = null;
  private running: Promise<void> | null = null;
  private mine = false;

  constructor(
    private readonly s: Services,
    private readonly source: RanksSource,
    private readonly post: (status: RanksStatus) => void,
    private readonly openRank: (p: OpenRankParams) => Promise<void>,
  ) {}

  /** Handles the ranks messages of the webview; false for messages that are not ranks messages. */
  handle(m: unknown): boolean {
    if (RanksComputeCommand.is(m)) {
      if (m.params.cancel) {
        if (this.mine) this.s.work.cancel();
      } else {
        void this.compute();
      }
      return true;
    }
    if (OpenRankCommand.is(m)) {
      this.openRank(m.params).catch((e: unknown) => this.s.reportError('Open Rank', e));
      return true;
    }
    return false;
  }

  /** Posts the view, computing it first when needed; concurrent calls share one computation. */
  compute(): Promise<void> {
    if (this.view) {
      this.post({ state: 'ready', view: this.view });
      return Promise.resolve();
    }
    this.running ??= this.run().finally(() => { this.running = null; });
    return this.running;
  }

  private async run(): Promise<void> {
    if (this.s.work.busy) {
      this.post({ state: 'error', message: 'Sysight is busy with another task: cancel it or wait, then try again.' });
      return;
    }
    const what = this.source.what;
    this.post({ state: 'loading', message: `reading ${what}` });
    let failure: unknown;
    this.mine = true;
    const ok = await this.s.work.run(`Ranks of ${what}`, async (signal, progress) => {
      try {
        this.view = await this.source.compute(signal, (fraction, message) => {
          progress({ stage: 'profile', message, fraction });
          this.post({ state: 'loading', message, fraction });
        });
      } catch (e) {
        failure = e;
        throw e;
      }
    }).finally(() => { this.mine = false; });
    if (ok && this.view) {
      this.s.log.info(`ranks of ${what}: ${this.view.ranks.length} ranks, ${this.view.steps.length} steps, ${this.view.problems.length} problems`);
      this.post({ state: 'ready', view: this.view });
    } else {
      this.post({ state: 'error', message: isCancelled(failure) || !failure ? 'Cancelled.' : oneLine(failure) });
    }
  }
}

/** The Sysight: Open Ranks panel: one per set of inputs. */
export class RanksPanel implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  readonly controller: RanksController;

  constructor(readonly panel: vscode.WebviewPanel, s: Services, inputs: string[], openRank: (p: OpenRankParams) => Promise<void>) {
    panel.webview.options = webviewOptions(s.extensionUri);
    panel.webview.html = dashboardHtml(panel.webview, s.extensionUri, panel.title, 'ranks');
    this.controller = new RanksController(s, ranksOfInputs(s, inputs), (st) => void panel.webview.postMessage(RanksStateNotification.make(st)), openRank);
    this.disposables.push(
      panel.webview.onDidReceiveMessage((m: unknown) => {
        if (ReadyCommand.is(m)) void this.controller.compute();
        else if (!this.controller.handle(m)) s.log.warn(`ranks panel: unknown message ${JSON.stringify(m).slice(0, 200)}`);
      }),
      panel.onDidDispose(() => this.dispose()),
    );
  }

  dispose(): void {
    while (this.disposables.length) this.disposables.pop()!.dispose();
  }
}

/** Asks which profiles to open as ranks: a folder (profiles or summaries), or one multi-process export. */
export async function pickRankInputs(): Promise<string[] | undefined> {
  const kind = await vscode.window.showQuickPick(
    [
      { label: '$(folder) Folder of rank profiles or summaries…', id: 'folder' as const },
      { label: '$(file) One profile with several rank processes…', id: 'file' as const },
    ],
    { title: 'Sysight: Open Ranks' },
  );
  if (!kind) return undefined;
  const picked = await vscode.window.showOpenDialog(kind.id === 'folder'
    ? { title: 'Folder of rank profiles or summaries', canSelectFolders: true, canSelectFiles: false, canSelectMany: false }
    : { title: 'Profile holding several rank processes', canSelectFiles: true, canSelectMany: false, filters: { Profiles: ['sqlite', 'json', 'gz'] } });
  return picked?.length ? picked.map((u) => u.fsPath) : undefined;
}
