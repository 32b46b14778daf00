// Reveal file:line — used by the tree, the dashboard, hovers and the report.
import * as vscode from 'vscode';
import { isAbsolute, join } from 'node:path';
import { UserError } from '../core/errors.js';

export async function revealLocation(repo: string, file: string, line: number): Promise<vscode.TextEditor> {
  const uri = vscode.Uri.file(isAbsolute(file) ? file : join(repo, file));
  let doc: vscode.TextDocument;
  try {
    doc = await vscode.workspace.openTextDocument(uri);
  } catch {
    throw new UserError(`cannot open ${file}: it is not in this workspace any more`);
  }
  const l = Math.max(0, Math.min(doc.lineCount - 1, line - 1));
  const text = doc.lineAt(l);
  const sel = new vscode.Selection(l, text.firstNonWhitespaceCharacterIndex, l, text.firstNonWhitespaceCharacterIndex);
  return vscode.window.showTextDocument(doc, { selection: sel, preview: false, viewColumn: vscode.ViewColumn.One });
}
