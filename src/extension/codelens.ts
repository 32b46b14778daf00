// "C3 Synchronization · 2.1 ms/iter (14%) · Evidence · Optimize" above each finding line: ranges first,
// commands resolved lazily, refreshed when the findings change.
import * as vscode from 'vscode';
import { CATEGORY_NAMES } from '../core/findings.js';
import { bestTrial } from './model.js';
import type { FindingEntry, RunStore } from './run-store.js';

class FindingLens extends vscode.CodeLens {
  constructor(range: vscode.Range, readonly entry: FindingEntry, readonly part: 'title' | 'evidence' | 'optimize' | 'patch') {
    super(range);
  }
}

export class FindingCodeLens implements vscode.CodeLensProvider<FindingLens>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.emitter.event;
  private readonly subs: vscode.Disposable[];

  constructor(private readonly store: RunStore) {
    this.subs = [store.onDidChange(() => this.emitter.fire()), vscode.languages.registerCodeLensProvider({ scheme: 'file' }, this)];
  }

  provideCodeLenses(doc: vscode.TextDocument): FindingLens[] {
    return this.store.findingsIn(doc.uri).flatMap((entry) => {
      const line = Math.min(doc.lineCount - 1, Math.max(0, entry.finding.line - 1));
      const range = new vscode.Range(line, 0, line, 0);
      const parts: FindingLens['part'][] = ['title', 'evidence', 'optimize'];
      if (bestTrial(entry.run.record, entry.finding.id)) parts.push('patch');
      return parts.map((p) => new FindingLens(range, entry, p));
    });
  }

  resolveCodeLens(lens: FindingLens): FindingLens {
    const { run, finding: f } = lens.entry;
    switch (lens.part) {
      case 'title':
        lens.command = {
          title: `${f.category} ${CATEGORY_NAMES[f.category]} · ${f.impact.msPerIter.toFixed(1)} ms/iter (${f.impact.pctOfIter.toFixed(0)}%)`,
          tooltip: f.title, command: 'sysight.showEvidence', arguments: [run.id, f.id],
        };
        break;
      case 'evidence':
        lens.command = { title: 'Evidence', command: 'sysight.showEvidence', arguments: [run.id, f.id] };
        break;
      case 'optimize':
        lens.command = { title: 'Optimize', command: 'sysight.optimizeFindings', arguments: [run.id, f.id] };
        break;
      case 'patch': {
        const t = bestTrial(run.record, f.id)!;
        const s = t.measurement ? `${t.measurement.speedup >= 0 ? '+' : ''}${(t.measurement.speedup * 100).toFixed(1)}%` : t.verdict;
        lens.command = { title: `Patch ${s}`, tooltip: `Open the verified patch ${t.patchId}`, command: 'sysight.openPatchDiff', arguments: [run.id, t.patchId] };
        break;
      }
    }
    return lens;
  }

  dispose(): void {
    for (const s of this.subs) s.dispose();
    this.emitter.dispose();
  }
}
