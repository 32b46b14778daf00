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
  /** profile cache folder ('' = per-user default, 'off' = no cache) */
  cacheDirectory: string;
  /** profile cache size limit in GB */
  cacheMaxSizeGB: number;
  /** the nsys executable used to open .nsys-rep files ('' = nsys on the PATH) */
  nsysPath: string;
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
    cacheDirectory: str(c, 'cache.directory'),
    cacheMaxSizeGB: num(c, 'cache.maxSizeGB', 20, 0.1, 10_000, false),
    nsysPath: str(c, 'nsysPath'),
  };
}

/**
 * The settings every profile open needs, as the environment of the worker or CLI child that opens it:
 * the profile cache (SYSIGHT_CACHE, SYSIGHT_CACHE_MAX_GB) and the nsys used for .nsys-rep (SYSIGHT_NSYS).
 * An empty setting leaves the variable as the editor's environment has it.
 */
export function profileEnv(c: Pick<SysightConfig, 'cacheDirectory' | 'cacheMaxSizeGB' | 'nsysPath'>): Record<string, string> {
  return {
    ...(c.cacheDirectory ? { SYSIGHT_CACHE: c.cacheDirectory } : {}),
    SYSIGHT_CACHE_MAX_GB: String(c.cacheMaxSizeGB),
    ...(c.nsysPath ? { SYSIGHT_NSYS: c.nsysPath } : {}),
  };
}

/** What a settings change means: nothing shown changes until the next run, but the status item does. */
export function affectsSysight(e: vscode.ConfigurationChangeEvent): boolean {
  return e.affectsConfiguration('sysight');
}
