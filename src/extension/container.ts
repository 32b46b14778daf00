// Builds the services once, in dependency order, and owns their disposables (disposed in reverse).
import * as vscode from 'vscode';
import { registerCommands } from './commands.js';
import { FindingCodeLens } from './codelens.js';
import { affectsSysight, readConfig } from './config.js';
import { FindingDecorations } from './decorations.js';
import { FindingDiagnostics } from './diagnostics.js';
import { createEngine, type Engine } from './engine.js';
import { Log, reportError } from './log.js';
import { PatchService } from './patches.js';
import { ProfileEditorProvider } from './profile-editor.js';
import { revealLocation } from './reveal.js';
import { RunStore } from './run-store.js';
import { ApiKeys } from './secrets.js';
import type { Services } from './services.js';
import { RunsTree } from './tree.js';
import { WorkRunner } from './work.js';

export class Container implements vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];
  readonly services: Services;
  readonly keys: ApiKeys;

  constructor(context: vscode.ExtensionContext, log: Log, engine?: Engine) {
    const own = <T extends vscode.Disposable>(d: T): T => { this.disposables.push(d); return d; };
    const store = own(new RunStore(log));
    const work = own(new WorkRunner(log));
    const patches = own(new PatchService(store, log));
    this.services = {
      extensionUri: context.extensionUri,
      log,
      engine: engine ?? createEngine(context.extensionUri.fsPath, (l) => log.info(l)),
      store,
      work,
      patches,
      reveal: async (repo, file, line) => { await revealLocation(repo, file, line); },
      reportError: (what, e) => reportError(log, what, e),
    };
    const keys = (this.keys = own(new ApiKeys(context.secrets)));
    own(new FindingDiagnostics(store));
    own(new FindingDecorations(store));
    own(new FindingCodeLens(store));
    own(new RunsTree(store));
    const editor = own(new ProfileEditorProvider(this.services));
    for (const d of registerCommands(this.services, keys, editor)) own(d);

    const updateStatus = () => {
      const n = store.findingCount();
      const c = readConfig();
      const trust = vscode.workspace.isTrusted ? '' : ' (restricted mode: viewing only)';
      work.setIdle(
        n ? `$(pulse) Sysight: ${n} finding${n === 1 ? '' : 's'}` : '$(pulse) Sysight',
        `Sysight — engine: deterministic${c.provider !== 'none' ? ` + LLM (${c.provider}${c.model ? ` ${c.model}` : ''})` : ''}${trust}`,
      );
    };
    own(store.onDidChange(updateStatus));
    own(vscode.workspace.onDidChangeConfiguration((e) => { if (affectsSysight(e)) updateStatus(); }));
    own(vscode.workspace.onDidGrantWorkspaceTrust(updateStatus));
    updateStatus();
    log.info(`Sysight ready (${vscode.workspace.isTrusted ? 'trusted' : 'restricted'} workspace, ${store.runs.length} runs)`);
  }

  dispose(): void {
    while (this.disposables.length) {
      try {
        this.disposables.pop()!.dispose();
      } catch {
        // keep disposing the rest
      }
    }
  }
}
