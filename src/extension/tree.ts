// The Runs view: Runs → Rounds → Findings → Patches. Each item carries a contextValue from one enum
// so package.json menus can match `viewItem == …`.
import * as vscode from 'vscode';
import { CATEGORY_NAMES, type Finding } from '../core/findings.js';
import type { RoundRecord, TrialRecord } from '../core/run.js';
import { describeStack } from '../core/run.js';
import { fmtSpeedup, verdictIcon, type LoadedRun } from './model.js';
import type { RunStore } from './run-store.js';

export enum ItemKind {
  Run = 'sysight.run',
  Round = 'sysight.round',
  Finding = 'sysight.finding',
  PatchAccepted = 'sysight.patch.accepted',
  PatchRejected = 'sysight.patch.rejected',
  PatchOther = 'sysight.patch.other',
  Problem = 'sysight.problem',
}

export type Node =
  | { kind: ItemKind.Run; run: LoadedRun }
  | { kind: ItemKind.Round; run: LoadedRun; round: RoundRecord }
  | { kind: ItemKind.Finding; run: LoadedRun; round: RoundRecord; finding: Finding }
  | { kind: ItemKind.PatchAccepted | ItemKind.PatchRejected | ItemKind.PatchOther; run: LoadedRun; trial: TrialRecord }
  | { kind: ItemKind.Problem; message: string };

function patchKind(t: TrialRecord): ItemKind.PatchAccepted | ItemKind.PatchRejected | ItemKind.PatchOther {
  return t.verdict === 'accepted' ? ItemKind.PatchAccepted : t.verdict === 'rejected' ? ItemKind.PatchRejected : ItemKind.PatchOther;
}

/** Findings of a round: those its trials refer to; the first round also lists the untried ones. */
export function roundFindings(run: LoadedRun, round: RoundRecord): Finding[] {
  const all = run.findings?.findings ?? [];
  const tried = new Set(round.trials.map((t) => t.findingId));
  const first = run.record.rounds[0]?.index === round.index;
  const triedAnywhere = new Set(run.record.rounds.flatMap((r) => r.trials.map((t) => t.findingId)));
  return all.filter((f) => tried.has(f.id) || (first && !triedAnywhere.has(f.id)));
}

export class RunsTree implements vscode.TreeDataProvider<Node>, vscode.Disposable {
  private readonly emitter = new vscode.EventEmitter<Node | undefined>();
  readonly onDidChangeTreeData = this.emitter.event;
  private readonly disposables: vscode.Disposable[];
  readonly view: vscode.TreeView<Node>;

  constructor(private readonly store: RunStore) {
    this.view = vscode.window.createTreeView('sysight.runs', { treeDataProvider: this, showCollapseAll: true });
    this.disposables = [this.view, store.onDidChange(() => this.emitter.fire(undefined)), this.emitter];
  }

  getChildren(node?: Node): Node[] {
    if (!node) return this.store.runs.map((run) => ({ kind: ItemKind.Run, run }));
    switch (node.kind) {
      case ItemKind.Run:
        return [
          ...node.run.problems.map((message) => ({ kind: ItemKind.Problem, message }) as Node),
          ...node.run.record.rounds.map((round) => ({ kind: ItemKind.Round, run: node.run, round }) as Node),
        ];
      case ItemKind.Round:
        return roundFindings(node.run, node.round).map((finding) => ({ kind: ItemKind.Finding, run: node.run, round: node.round, finding }));
      case ItemKind.Finding:
        return node.round.trials.filter((t) => t.findingId === node.finding.id).map((trial) => ({ kind: patchKind(trial), run: node.run, trial }));
      default:
        return [];
    }
  }

  getTreeItem(node: Node): vscode.TreeItem {
    const C = vscode.TreeItemCollapsibleState;
    switch (node.kind) {
      case ItemKind.Run: {
        const r = node.run.record;
        const item = new vscode.TreeItem(`Run ${r.id}`, C.Expanded);
        item.description = `${r.status} · ${r.rounds.length} round${r.rounds.length === 1 ? '' : 's'} · ${new Date(r.createdAt).toLocaleString()}`;
        item.iconPath = new vscode.ThemeIcon(r.status === 'running' ? 'sync~spin' : r.status === 'failed' ? 'error' : 'pulse');
        item.contextValue = node.kind;
        item.tooltip = node.run.dir;
        return item;
      }
      case ItemKind.Round: {
        const r = node.round;
        const item = new vscode.TreeItem(`Round ${r.index}`, roundFindings(node.run, r).length ? C.Expanded : C.None);
        const ci = r.iterationInterval ? ` [${r.iterationInterval.low.toFixed(1)}, ${r.iterationInterval.high.toFixed(1)}]` : '';
        item.description = r.iterationMs !== null ? `${r.iterationMs.toFixed(2)} ms/iter${ci} · ${r.findings} findings` : `${r.findings} findings`;
        item.iconPath = new vscode.ThemeIcon('history');
        item.contextValue = node.kind;
        return item;
      }
      case ItemKind.Finding: {
        const f = node.finding;
        const hasPatches = node.round.trials.some((t) => t.findingId === f.id);
        const item = new vscode.TreeItem(`${f.category} ${f.title}`, hasPatches ? C.Expanded : C.None);
        item.description = `${f.file}:${f.line} · ${f.impact.msPerIter.toFixed(2)} ms/iter`;
        item.tooltip = new vscode.MarkdownString(`**${f.category} ${CATEGORY_NAMES[f.category]}**: ${f.title}\n\n${f.file}:${f.line} (${f.function})`);
        item.iconPath = new vscode.ThemeIcon(f.severity === 'critical' || f.severity === 'high' ? 'warning' : 'info');
        item.contextValue = node.kind;
        item.command = { title: 'Go to Finding', command: 'sysight.revealFinding', arguments: [node.run.id, f.id] };
        return item;
      }
      case ItemKind.Problem: {
        const item = new vscode.TreeItem(node.message, C.None);
        item.iconPath = new vscode.ThemeIcon('error');
        item.contextValue = node.kind;
        return item;
      }
      default: {
        const t = node.trial;
        const item = new vscode.TreeItem(`Patch ${t.patchId}`, C.None);
        item.description = `${t.verdict} · ${fmtSpeedup(t)}`;
        item.tooltip = `${t.pattern}: ${t.reason}${t.stack ? `\n${describeStack(t.stack)}` : ''}`;
        item.iconPath = new vscode.ThemeIcon(verdictIcon(t.verdict));
        item.contextValue = node.kind;
        item.command = { title: 'Open Patch Diff', command: 'sysight.openPatchDiff', arguments: [node.run.id, t.patchId] };
        return item;
      }
    }
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
