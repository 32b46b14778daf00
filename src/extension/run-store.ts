// The runs of every workspace folder (.sysight/runs), reloaded when their files change, and the
// findings of each folder's newest run indexed by source file.
import * as vscode from 'vscode';
import { resolve } from 'node:path';
import type { Finding } from '../core/findings.js';
import { loadRuns, type LoadedRun } from './model.js';
import type { Log } from './log.js';

export interface FindingEntry {
  run: LoadedRun;
  finding: Finding;
}

export class RunStore implements vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChange = this.emitter.event;
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;
  runs: LoadedRun[] = [];
  /** absolute file path → findings on it (newest run per folder) */
  byFile = new Map<string, FindingEntry[]>();

  constructor(private readonly log: Log) {
    const watcher = vscode.workspace.createFileSystemWatcher('**/.sysight/runs/**');
    this.disposables.push(
      watcher,
      watcher.onDidCreate(() => this.schedule()),
      watcher.onDidChange(() => this.schedule()),
      watcher.onDidDelete(() => this.schedule()),
      vscode.workspace.onDidChangeWorkspaceFolders(() => this.schedule()),
      this.emitter,
    );
    this.reload();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.reload(), 250);
  }

  reload(): void {
    const runs: LoadedRun[] = [];
    for (const folder of vscode.workspace.workspaceFolders ?? []) {
      if (folder.uri.scheme !== 'file') continue;
      const { runs: r, problems } = loadRuns(folder.uri.fsPath);
      for (const p of problems) this.log.warn(p);
      for (const run of r) for (const p of run.problems) this.log.warn(p);
      runs.push(...r);
    }
    this.runs = runs;
    const byFile = new Map<string, FindingEntry[]>();
    const seenRepo = new Set<string>();
    for (const run of runs) {
      if (seenRepo.has(run.repo) || !run.findings) continue;
      seenRepo.add(run.repo);
      for (const finding of run.findings.findings) {
        const abs = resolve(run.repo, finding.file);
        const list = byFile.get(abs) ?? [];
        list.push({ run, finding });
        byFile.set(abs, list);
      }
    }
    this.byFile = byFile;
    this.log.info(`runs: ${runs.length}, files with findings: ${byFile.size}`);
    this.emitter.fire();
  }

  run(id: string): LoadedRun | undefined {
    return this.runs.find((r) => r.id === id);
  }

  findingsIn(uri: vscode.Uri): FindingEntry[] {
    return uri.scheme === 'file' ? this.byFile.get(uri.fsPath) ?? [] : [];
  }

  findingCount(): number {
    let n = 0;
    for (const l of this.byFile.values()) n += l.length;
    return n;
  }

  /** The workspace folder a file or run belongs to. */
  repoFor(uri: vscode.Uri): string | undefined {
    return vscode.workspace.getWorkspaceFolder(uri)?.uri.fsPath ?? vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables.reverse()) d.dispose();
  }
}
