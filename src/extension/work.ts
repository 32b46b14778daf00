// One long operation at a time: a cancellable progress notification whose token becomes the engine's
// AbortSignal, a `sysight.busy` context key for the Cancel command, a status item, and live progress
// for every open dashboard. Cancellation is told apart from failure.
import * as vscode from 'vscode';
import { isCancelled } from '../core/errors.js';
import type { ProgressEvent } from '../core/run.js';
import { optional } from '../core/optional.js';
import type { ProgressView } from '../protocol/dashboard.js';
import { reportError, type Log } from './log.js';

export class WorkRunner implements vscode.Disposable {
  private current: { title: string; ac: AbortController } | undefined;
  private readonly emitter = new vscode.EventEmitter<ProgressView>();
  /** live progress for dashboards */
  readonly onProgress = this.emitter.event;
  private readonly status = vscode.window.createStatusBarItem('sysight.status', vscode.StatusBarAlignment.Left, 50);
  private idleText = '$(pulse) Sysight';
  last: ProgressView = { active: false };

  constructor(private readonly log: Log) {
    this.status.name = 'Sysight';
    this.setIdle('$(pulse) Sysight', 'Sysight: no findings yet');
    this.status.show();
  }

  get busy(): boolean {
    return this.current !== undefined;
  }

  setIdle(text: string, tooltip: string): void {
    this.idleText = text;
    if (!this.current) {
      this.status.text = text;
      this.status.tooltip = tooltip;
      this.status.command = 'workbench.view.extension.sysight';
    }
  }

  private publish(p: ProgressView): void {
    this.last = p;
    this.emitter.fire(p);
  }

  /** Runs `fn` with progress; returns false when it was cancelled or failed (already reported). */
  async run(title: string, fn: (signal: AbortSignal, progress: (e: ProgressEvent) => void) => Promise<void>): Promise<boolean> {
    if (this.current) {
      void vscode.window.showWarningMessage(`Sysight is busy: ${this.current.title}. Cancel it first.`);
      return false;
    }
    const ac = new AbortController();
    this.current = { title, ac };
    void vscode.commands.executeCommand('setContext', 'sysight.busy', true);
    this.status.text = `$(sync~spin) Sysight: ${title}`;
    this.status.command = 'sysight.cancel';
    this.status.tooltip = 'Click to cancel';
    this.publish({ active: true, title, message: 'starting…' });
    this.log.info(`${title}: started`);
    try {
      await vscode.window.withProgress(
        { location: vscode.ProgressLocation.Notification, title: `Sysight: ${title}`, cancellable: true },
        async (progress, token) => {
          token.onCancellationRequested(() => ac.abort());
          let reported = 0;
          await fn(ac.signal, (e) => {
            const inc = e.fraction !== undefined ? Math.max(0, e.fraction * 100 - reported) : undefined;
            if (e.fraction !== undefined) reported = Math.max(reported, e.fraction * 100);
            progress.report({ message: `${e.stage}: ${e.message}`, ...optional('increment', inc) });
            this.publish({ active: true, title, stage: e.stage, message: e.message, ...optional('fraction', e.fraction) });
          });
        },
      );
      this.log.info(`${title}: done`);
      return true;
    } catch (e) {
      // the busy state ends before any toast: a toast stays until the user closes it, and the spinner and the
      // disabled buttons must not wait for that
      this.finish();
      if (isCancelled(e) || ac.signal.aborted) {
        this.log.info(`${title}: cancelled`);
        void vscode.window.showInformationMessage(`Sysight: ${title} cancelled.`);
      } else {
        void reportError(this.log, title, e);
      }
      return false;
    } finally {
      this.finish();
    }
  }

  /** Leaves the busy state (once per run). */
  private finish(): void {
    if (!this.current) return;
    this.current = undefined;
    void vscode.commands.executeCommand('setContext', 'sysight.busy', false);
    this.publish({ active: false });
    this.setIdle(this.idleText, '');
  }

  cancel(): void {
    if (this.current) {
      this.log.info(`${this.current.title}: cancel requested`);
      this.current.ac.abort();
    } else {
      void vscode.window.showInformationMessage('Sysight: nothing is running.');
    }
  }

  dispose(): void {
    this.current?.ac.abort();
    this.status.dispose();
    this.emitter.dispose();
  }
}
