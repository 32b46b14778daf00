// API keys live in SecretStorage, one per provider, never in settings or logs.
import * as vscode from 'vscode';
import type { Provider } from './config.js';

export type KeyedProvider = Exclude<Provider, 'none'>;
const KEYS: Record<KeyedProvider, string> = {
  openai_compatible: 'sysight.apiKey.openai_compatible',
  anthropic: 'sysight.apiKey.anthropic',
};

export class ApiKeys implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<KeyedProvider>();
  readonly onDidChange = this.emitter.event;
  private readonly sub: vscode.Disposable;

  constructor(private readonly secrets: vscode.SecretStorage) {
    this.sub = secrets.onDidChange((e) => {
      const p = (Object.keys(KEYS) as KeyedProvider[]).find((k) => KEYS[k] === e.key);
      if (p) this.emitter.fire(p);
    });
  }

  get(p: Provider): Thenable<string | undefined> {
    return p === 'none' ? Promise.resolve(undefined) : this.secrets.get(KEYS[p]);
  }

  async set(p: KeyedProvider, key: string): Promise<void> {
    if (key) await this.secrets.store(KEYS[p], key);
    else await this.secrets.delete(KEYS[p]);
  }

  dispose(): void {
    this.sub.dispose();
    this.emitter.dispose();
  }
}
