// Line decorations (one type per category, made once; colours from contributes.colors) and hovers
// with impact and evidence. Updates are debounced.
import * as vscode from 'vscode';
import { CATEGORIES, CATEGORY_NAMES, type Category } from '../core/findings.js';
import { bestTrial, evidenceLine, fmtSpeedup } from './model.js';
import type { FindingEntry, RunStore } from './run-store.js';

function gutterIcon(cat: Category): vscode.Uri {
  const svg = `<svg xmlns="http://www.w3.org/2000/svg" width="16" height="16"><rect x="0.5" y="2.5" width="15" height="11" rx="2" fill="#c27c0e"/><text x="8" y="11" font-family="sans-serif" font-size="8" font-weight="bold" text-anchor="middle" fill="#fff">${cat}</text></svg>`;
  return vscode.Uri.parse(`data:image/svg+xml;utf8,${encodeURIComponent(svg)}`);
}

export class FindingDecorations implements vscode.Disposable {
  private readonly types = new Map<Category, vscode.TextEditorDecorationType>(
    CATEGORIES.map((c) => [c, vscode.window.createTextEditorDecorationType({
      isWholeLine: true,
      backgroundColor: new vscode.ThemeColor('sysight.findingBackground'),
      overviewRulerColor: new vscode.ThemeColor('sysight.findingGutter'),
      overviewRulerLane: vscode.OverviewRulerLane.Right,
      gutterIconPath: gutterIcon(c),
      gutterIconSize: 'contain',
      after: { color: new vscode.ThemeColor('sysight.findingForeground'), margin: '0 0 0 2em', fontStyle: 'italic' },
    })]),
  );
  private readonly disposables: vscode.Disposable[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(private readonly store: RunStore) {
    this.disposables.push(
      store.onDidChange(() => this.schedule()),
      vscode.window.onDidChangeVisibleTextEditors(() => this.schedule()),
      vscode.languages.registerHoverProvider({ scheme: 'file' }, { provideHover: (doc, pos) => this.hover(doc, pos) }),
    );
    this.schedule();
  }

  private schedule(): void {
    clearTimeout(this.timer);
    this.timer = setTimeout(() => this.apply(), 100);
  }

  private apply(): void {
    for (const editor of vscode.window.visibleTextEditors) {
      const entries = this.store.findingsIn(editor.document.uri);
      for (const [cat, type] of this.types) {
        editor.setDecorations(type, entries.filter((e) => e.finding.category === cat).map(({ finding: f }) => {
          const line = Math.min(editor.document.lineCount - 1, Math.max(0, f.line - 1));
          return {
            range: new vscode.Range(line, 0, line, 0),
            renderOptions: { after: { contentText: `${f.category} ${CATEGORY_NAMES[f.category]} · ${f.impact.msPerIter.toFixed(1)} ms/iter` } },
          };
        }));
      }
    }
  }

  hover(doc: vscode.TextDocument, pos: vscode.Position): vscode.Hover | undefined {
    const here = this.store.findingsIn(doc.uri).filter((e) => e.finding.line - 1 === pos.line);
    if (here.length === 0) return undefined;
    const md = new vscode.MarkdownString(undefined, true);
    md.isTrusted = { enabledCommands: ['sysight.openPatchDiff', 'sysight.optimizeFindings', 'sysight.showEvidence'] };
    here.forEach((e, i) => {
      if (i) md.appendMarkdown('\n\n---\n\n');
      hoverFor(md, e);
    });
    return new vscode.Hover(md, doc.lineAt(pos.line).range);
  }

  dispose(): void {
    clearTimeout(this.timer);
    for (const d of this.disposables) d.dispose();
    for (const t of this.types.values()) t.dispose();
  }
}

function cmd(id: string, args: unknown[]): string {
  return `command:${id}?${encodeURIComponent(JSON.stringify(args))}`;
}

function hoverFor(md: vscode.MarkdownString, { run, finding: f }: FindingEntry): void {
  md.appendMarkdown(`**Sysight ${f.category} · ${CATEGORY_NAMES[f.category]}** — ${f.title}\n\n`);
  md.appendMarkdown(`Impact: **${f.impact.msPerIter.toFixed(2)} ms/iter** (${f.impact.pctOfIter.toFixed(1)}% of an iteration) · severity ${f.severity} · confidence ${Math.round(f.confidence * 100)}% · found by ${f.localizedBy}\n\n`);
  md.appendMarkdown('Evidence:\n');
  for (const e of f.evidence) md.appendMarkdown(`- ${evidenceLine(e).replace(/([*_`[\]])/g, '\\$1')}\n`);
  const t = bestTrial(run.record, f.id);
  md.appendMarkdown('\n');
  if (t) md.appendMarkdown(`[$(diff) Patch ${t.patchId}: ${t.verdict}, ${fmtSpeedup(t)}](${cmd('sysight.openPatchDiff', [run.id, t.patchId])}) · `);
  md.appendMarkdown(`[$(rocket) Optimize](${cmd('sysight.optimizeFindings', [run.id, f.id])}) · _run ${run.id}_`);
}
