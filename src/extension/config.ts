// Typed `sysight.*` settings, read fresh on every use and checked rather than cast.
import * as vscode from 'vscode';

export type Provider = 'none' | 'openai_compatible' | 'anthropic';
const PROVIDERS: Provider[] = ['none', 'openai_compatible', 'anthropic'];

export interface SysightConfig {
  pythonPath: string;
  provider: Provider;
  model: string;
  baseUrl: string;
  minGain: number;
  runs: number;
  trialBudgetSeconds: number;
  rounds: number;
}

function num(c: vscode.WorkspaceConfiguration, key: string, def: number, lo: number, hi: number, int: boolean): number {
  const v = c.get<unknown>(key);
  if (typeof v !== 'number' || !Number.isFinite(v)) return def;
  const x = Math.min(hi, Math.max(lo, v));
  return int ? Math.round(x) : x;
}

function str(c: vscode.WorkspaceConfiguration, key: string): string {
  const v = c.get<unknown>(key);
  return typeof v === 'string' ? v.trim() : '';
}

export function readConfig(scope?: vscode.Uri): SysightConfig {
  const c = vscode.workspace.getConfiguration('sysight', scope);
  const provider = str(c, 'provider') as Provider;
  return {
    pythonPath: str(c, 'pythonPath'),
    provider: PROVIDERS.includes(provider) ? provider : 'none',
    model: str(c, 'model'),
    baseUrl: str(c, 'baseUrl'),
    minGain: num(c, 'minGain', 0.01, 0, 1, false),
    runs: num(c, 'runs', 3, 2, 50, true),
    trialBudgetSeconds: num(c, 'trialBudgetSeconds', 120, 5, 3600, false),
    rounds: num(c, 'rounds', 3, 1, 20, true),
  };
}

/** What a settings change means: nothing shown changes until the next run, but the status item does. */
export function affectsSysight(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration('sysight');
}
