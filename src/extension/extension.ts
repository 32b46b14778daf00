// Activation: build the container; a failure is reported (VS Code would stay silent) and logged.
import * as vscode from 'vscode';
import { Container } from './container.js';
import { Log, reportError } from './log.js';

let container: Container | undefined;

export interface SysightApi {
  /** for tests in the extension host */
  readonly container: Container | undefined;
}

export function activate(context: vscode.ExtensionContext): SysightApi {
  const log = new Log();
  context.subscriptions.push(log);
  try {
    container = new Container(context, log);
    context.subscriptions.push(container);
  } catch (e) {
    void reportError(log, 'Sysight could not start', e);
  }
  return { get container() { return container; } };
}

export function deactivate(): void {
  container = undefined;
}
