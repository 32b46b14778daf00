import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  const log = vscode.window.createOutputChannel('Sysight', { log: true });
  context.subscriptions.push(log);
  log.info('Sysight activated');
}

export function deactivate(): void {}
