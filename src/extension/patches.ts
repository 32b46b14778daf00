// Verified patches in the editor: the patched text from a content provider, a native diff titled with
// the measured speed-up, Accept as one WorkspaceEdit (one undo) refused when the file changed since
// verification, Reject recorded in the ledger.
import * as vscode from 'vscode';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import type { PatchPlan } from '../core/run.js';
import { findTrial, fmtSpeedup, loadPatch, type LoadedRun } from './model.js';
import { appendLedger, ledgerLine, patchedText } from './patch-text.js';
import type { RunStore } from './run-store.js';
import type { Log } from './log.js';

export const PATCH_SCHEME = 'sysight-patch';

interface PatchRef { runId: string; patchId: string }

export function patchUri(run: LoadedRun, plan: PatchPlan): vscode.Uri {
  return vscode.Uri.file(join(run.repo, plan.file)).with({ scheme: PATCH_SCHEME, query: JSON.stringify({ runId: run.id, patchId: plan.id }) });
}

function refOf(uri: vscode.Uri): PatchRef | undefined {
  if (uri.scheme !== PATCH_SCHEME) return undefined;
  try {
    const q = JSON.parse(uri.query) as Partial<PatchRef>;
    return typeof q.runId === 'string' && typeof q.patchId === 'string' ? { runId: q.runId, patchId: q.patchId } : undefined;
  } catch {
    return undefined;
  }
}

export class PatchService implements vscode.TextDocumentContentProvider, vscode.Disposable {
  private readonly disposables: vscode.Disposable[] = [];

  constructor(private readonly store: RunStore, private readonly log: Log) {
    this.disposables.push(
      vscode.workspace.registerTextDocumentContentProvider(PATCH_SCHEME, this),
      vscode.window.onDidChangeActiveTextEditor(() => this.updateContext()),
      vscode.window.tabGroups.onDidChangeTabs(() => this.updateContext()),
      vscode.window.tabGroups.onDidChangeTabGroups(() => this.updateContext()),
    );
    this.updateContext();
  }

  /** The patch of the active tab: a diff whose right side is a patch, whichever side has the focus. */
  private activePatch(): PatchRef | undefined {
    const input = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
    if (input instanceof vscode.TabInputTextDiff) return refOf(input.modified);
    const uri = vscode.window.activeTextEditor?.document.uri;
    return uri ? refOf(uri) : undefined;
  }

  private updateContext(): void {
    void vscode.commands.executeCommand('setContext', 'sysight.patchDiffActive', this.activePatch() !== undefined);
  }

  private resolve(ref: PatchRef): { run: LoadedRun; plan: PatchPlan; file: vscode.Uri } {
    const run = this.store.run(ref.runId);
    if (!run) throw new UserError(`no run ${ref.runId} in this workspace`);
    const plan = loadPatch(run, ref.patchId);
    return { run, plan, file: vscode.Uri.file(join(run.repo, plan.file)) };
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const ref = refOf(uri);
    if (!ref) throw new UserError(`not a Sysight patch: ${uri.toString()}`);
    const { plan, file } = this.resolve(ref);
    const doc = await vscode.workspace.openTextDocument(file);
    return patchedText(plan, doc.getText());
  }

  async openDiff(runId: string, patchId: string): Promise<void> {
    const { run, plan, file } = this.resolve({ runId, patchId });
    const doc = await vscode.workspace.openTextDocument(file);
    patchedText(plan, doc.getText()); // refuses a stale patch before the diff opens
    const trial = findTrial(run.record, patchId);
    const title = `${plan.file} ↔ ${plan.pattern || plan.id}: ${fmtSpeedup(trial)}`;
    await vscode.commands.executeCommand('vscode.diff', file, patchUri(run, plan), title, { preview: false });
  }

  /** The patch in the active diff editor, or the one given (tree item / URI argument). */
  private target(arg: unknown): PatchRef {
    if (arg instanceof vscode.Uri) { const r = refOf(arg); if (r) return r; }
    if (typeof arg === 'object' && arg !== null && 'runId' in arg && 'patchId' in arg) return arg as PatchRef;
    const r = this.activePatch();
    if (r) return r;
    throw new UserError('open a Sysight patch diff first');
  }

  async accept(arg?: unknown): Promise<void> {
    const ref = this.target(arg);
    const { run, plan, file } = this.resolve(ref);
    const doc = await vscode.workspace.openTextDocument(file);
    const next = patchedText(plan, doc.getText()); // refused when the file changed since verification
    const edit = new vscode.WorkspaceEdit();
    edit.replace(file, doc.validateRange(new vscode.Range(0, 0, doc.lineCount, 0)), next, { needsConfirmation: false, label: `Sysight patch ${plan.id}` });
    if (!(await vscode.workspace.applyEdit(edit))) throw new UserError(`could not apply patch ${plan.id} to ${plan.file}`);
    await doc.save();
    const ledger = appendLedger(run.repo, ledgerLine(run.id, plan, findTrial(run.record, plan.id), 'user-accepted', 'accepted in the editor'));
    this.log.info(`accepted patch ${plan.id} of run ${run.id} into ${plan.file}; ledger ${ledger}`);
    await this.closeDiff(ref);
    await vscode.window.showTextDocument(doc, { preview: false });
    void vscode.window.showInformationMessage(`Applied patch ${plan.id} to ${plan.file} (Undo reverts it).`);
  }

  async reject(arg?: unknown, reason = 'rejected in the editor'): Promise<void> {
    const ref = this.target(arg);
    const { run, plan } = this.resolve(ref);
    const ledger = appendLedger(run.repo, ledgerLine(run.id, plan, findTrial(run.record, plan.id), 'user-rejected', reason));
    this.log.info(`rejected patch ${plan.id} of run ${run.id}; ledger ${ledger}`);
    await this.closeDiff(ref);
    void vscode.window.showInformationMessage(`Rejected patch ${plan.id}; recorded in .sysight/ledger.jsonl.`);
  }

  private async closeDiff(ref: PatchRef): Promise<void> {
    const tabs = vscode.window.tabGroups.all.flatMap((g) => g.tabs).filter((t) =>
      t.input instanceof vscode.TabInputTextDiff && refOf(t.input.modified)?.patchId === ref.patchId && refOf(t.input.modified)?.runId === ref.runId);
    if (tabs.length) await vscode.window.tabGroups.close(tabs);
  }

  dispose(): void {
    for (const d of this.disposables) d.dispose();
  }
}
