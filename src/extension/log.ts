// Logs (a LogOutputChannel, with stacks) and error toasts that offer "View Logs".
import * as vscode from 'vscode';
import { isCancelled, oneLine, UserError } from '../core/errors.js';

export class Log implements vscode.Disposable {
  readonly channel = vscode.window.createOutputChannel('Sysight', { log: true });
  info(msg: string): void { this.channel.info(msg); }
  warn(msg: string): void { this.channel.warn(msg); }
  error(msg: string, e?: unknown): void {
    this.channel.error(e instanceof Error && !(e instanceof UserError) ? `${msg}: ${e.stack ?? e.message}` : e ? `${msg}: ${oneLine(e)}` : msg);
  }
  show(): void { this.channel.show(true); }
  dispose(): void { this.channel.dispose(); }
}

/** One toast per failure: cancellation is quiet, a UserError shows its line, a bug says so; all log. */
export async function reportError(log: Log, what: string, e: unknown): Promise<void> {
  if (isCancelled(e)) {
    log.info(`${what}: cancelled`);
    return;
  }
  log.error(what, e);
  const text = e instanceof UserError ? `${what}: ${oneLine(e)}` : `${what} failed: ${oneLine(e)}`;
  const choice = await vscode.window.showErrorMessage(text, 'View Logs');
  if (choice === 'View Logs') log.show();
}
