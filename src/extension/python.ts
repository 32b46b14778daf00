// The Python interpreter for workloads: the Python extension's active environment when it is
// installed, else `sysight.pythonPath`, else python3.
import * as vscode from 'vscode';
import type { Log } from './log.js';

interface PythonApi {
  environments?: {
    getActiveEnvironmentPath(resource?: vscode.Uri): { path: string } | undefined;
    resolveEnvironment(env: { path: string }): Promise<{ executable?: { uri?: vscode.Uri } } | undefined>;
  };
}

export async function resolvePython(setting: string, resource: vscode.Uri | undefined, log: Log): Promise<string> {
  const ext = vscode.extensions.getExtension<PythonApi>('ms-python.python');
  if (ext) {
    try {
      const api = ext.isActive ? ext.exports : await ext.activate();
      const active = api?.environments?.getActiveEnvironmentPath(resource);
      if (active) {
        const env = await api.environments!.resolveEnvironment(active);
        const exe = env?.executable?.uri?.fsPath ?? active.path;
        if (exe) return exe;
      }
    } catch (e) {
      log.warn(`the Python extension did not give an interpreter (${(e as Error).message}); using sysight.pythonPath`);
    }
  }
  return setting || 'python3';
}
