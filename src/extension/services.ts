// What the editor features share; built once by the container and handed in as constructor arguments.
import type * as vscode from 'vscode';
import type { Engine } from './engine.js';
import type { Log } from './log.js';
import type { PatchService } from './patches.js';
import type { RunStore } from './run-store.js';
import type { WorkRunner } from './work.js';

export interface Services {
  extensionUri: vscode.Uri;
  log: Log;
  engine: Engine;
  store: RunStore;
  work: WorkRunner;
  patches: PatchService;
  reveal(repo: string, file: string, line: number): Promise<void>;
  reportError(what: string, e: unknown): Promise<void>;
}
