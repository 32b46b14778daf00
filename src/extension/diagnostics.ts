// Findings as problems: source "Sysight", code C1…C7, evidence as related information.
import * as vscode from 'vscode';
import { resolve } from 'node:path';
import type { RunStore } from './run-store.js';

export class FindingDiagnostics implements vscode.Disposable {
  private readonly collection = vscode.languages.createDiagnosticCollection('sysight');
  private readonly sub: vscode.Disposable;

  constructor(private readonly store: RunStore) {
    this.sub = store.onDidChange(() => this.update());
    this.update();
  }

  update(): void {
    this.collection.clear();
    for (const [file, entries] of this.store.byFile) {
      const uri = vscode.Uri.file(file);
      this.collection.set(uri, entries.map(({ run, finding: f }) => {
        const line = Math.max(0, f.line - 1);
        const d = new vscode.Diagnostic(
          new vscode.Range(line, 0, line, Number.MAX_SAFE_INTEGER),
          `${f.title} — ${f.impact.msPerIter.toFixed(2)} ms/iter (${f.impact.pctOfIter.toFixed(0)}% of an iteration)`,
          f.severity === 'critical' || f.severity === 'high' ? vscode.DiagnosticSeverity.Warning : vscode.DiagnosticSeverity.Information,
        );
        d.source = 'Sysight';
        d.code = f.category;
        d.relatedInformation = f.evidence.flatMap((e) =>
          e.kind === 'source'
            ? [new vscode.DiagnosticRelatedInformation(new vscode.Location(vscode.Uri.file(resolve(run.repo, e.file)), new vscode.Position(Math.max(0, e.line - 1), 0)), e.why)]
            : []);
        return d;
      }));
    }
  }

  dispose(): void {
    this.sub.dispose();
    this.collection.dispose();
  }
}
