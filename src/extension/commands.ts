// Every `sysight.*` command. Long work goes through the WorkRunner (cancellable progress); workloads
// run only in trusted workspaces.
import * as vscode from 'vscode';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { UserError } from '../core/errors.js';
import { profileEnv, readConfig } from './config.js';
import type { LoopSettings } from './engine.js';
import type { LoadedRun } from './model.js';
import type { ProfileEditorProvider } from './profile-editor.js';
import { pickRankInputs } from './ranks.js';
import { resolvePython } from './python.js';
import type { ApiKeys, KeyedProvider } from './secrets.js';
import type { Services } from './services.js';
import { ItemKind, type Node } from './tree.js';
import { SYSIGHT_DIR } from '../core/run.js';

const PROFILE_RE = /\.(sqlite|json|json\.gz)$/i;

/** Refuses to run a workload in a workspace the user has not trusted. */
function requireTrust(what: string): void {
  if (!vscode.workspace.isTrusted) {
    throw new UserError(`${what} runs code from this workspace; trust the workspace first (Workspaces: Manage Workspace Trust)`);
  }
}

/** The profile a command is about: its Uri argument (explorer, editor title) or the Sysight editor in the active tab. */
function activeProfile(arg: unknown): vscode.Uri | undefined {
  if (arg instanceof vscode.Uri) return arg;
  const tab = vscode.window.tabGroups.activeTabGroup.activeTab?.input;
  if (tab instanceof vscode.TabInputCustom && tab.viewType.startsWith('sysight.')) return tab.uri;
  return undefined;
}

/** A patch named by (run id, patch id) strings or by its Runs-view node; anything else is passed on for the patch service to refuse. */
function patchArg(a: unknown, b: unknown): { runId: string; patchId: string } | unknown {
  if (typeof a === 'string' && typeof b === 'string') return { runId: a, patchId: b };
  const n = a as Node | undefined;
  if (n && typeof n === 'object' && 'trial' in n) return { runId: n.run.id, patchId: n.trial.patchId };
  return a;
}

/** What the commands share: the services, and how they read settings, the repo, a run and a finding from their arguments. */
class CommandContext {
  constructor(readonly s: Services, readonly keys: ApiKeys, readonly editor: ProfileEditorProvider) {}

  /** The settings of the closed loop for a resource, read fresh, with the interpreter resolved and the API key. */
  async settings(resource: vscode.Uri | undefined): Promise<LoopSettings> {
    const c = readConfig(resource);
    return {
      profileEnv: profileEnv(c),
      python: await resolvePython(c.pythonPath, resource, this.s.log),
      rounds: c.rounds, runs: c.runs, trialBudgetSeconds: c.trialBudgetSeconds, minGain: c.minGain,
      llm: { provider: c.provider, model: c.model, baseUrl: c.baseUrl, apiKey: await this.keys.get(c.provider) },
    };
  }

  /** The repository of a resource, else the first workspace folder. */
  repoOrThrow(uri?: vscode.Uri): string {
    const repo = uri ? this.s.store.repoFor(uri) : vscode.workspace.workspaceFolders?.[0]?.uri.fsPath;
    if (!repo) throw new UserError('open the folder of your code first (File: Open Folder)');
    return repo;
  }

  /** The run named by an id or a Runs-view node, else the latest run. */
  runArg(arg: unknown): LoadedRun {
    const node = arg as Node | undefined;
    const id = typeof arg === 'string' ? arg : node && 'run' in node ? node.run.id : undefined;
    const run = id ? this.s.store.run(id) : this.s.store.runs[0];
    if (!run) throw new UserError(id ? `no run ${id} in this workspace` : 'no Sysight runs in this workspace yet: run Analyze Profile or Run Closed Loop');
    return run;
  }

  findingOf(runId: unknown, findingId: unknown) {
    const run = this.runArg(runId);
    const f = run.findings?.findings.find((x) => x.id === findingId);
    if (!f) throw new UserError(`run ${run.id} has no finding ${String(findingId)}`);
    return { run, f };
  }
}

export function registerCommands(s: Services, keys: ApiKeys, editor: ProfileEditorProvider): vscode.Disposable[] {
  const c = new CommandContext(s, keys, editor);
  const reg = (id: string, fn: (...args: unknown[]) => unknown) =>
    vscode.commands.registerCommand(id, async (...args: unknown[]) => {
      try {
        await fn(...args);
      } catch (e) {
        await s.reportError(id.replace('sysight.', ''), e);
      }
    });

  return [
    reg('sysight.analyzeProfile', (arg) => analyzeProfile(c, arg)),
    reg('sysight.runClosedLoop', (arg) => runClosedLoop(c, arg)),
    reg('sysight.optimizeFindings', (a, b) => optimizeFindings(c, a, b)),
    reg('sysight.openPatchDiff', (a, b) => {
      const r = patchArg(a, b) as { runId: string; patchId: string };
      return s.patches.openDiff(r.runId, r.patchId);
    }),
    reg('sysight.acceptPatch', (a, b) => s.patches.accept(patchArg(a, b))),
    reg('sysight.rejectPatch', (a, b) => s.patches.reject(patchArg(a, b))),
    reg('sysight.revealFinding', (runId, findingId) => {
      const { run, f } = c.findingOf(runId, findingId);
      return s.reveal(run.repo, f.file, f.line);
    }),
    reg('sysight.showEvidence', (runId, findingId) => showEvidence(c, runId, findingId)),
    reg('sysight.showReport', (arg) => showReport(c, arg)),
    reg('sysight.openKnowledgeBase', () => openKnowledgeBase(c.repoOrThrow())),
    reg('sysight.setApiKey', () => setApiKey(keys)),
    reg('sysight.openRanks', (arg) => openRanks(editor, arg)),
    reg('sysight.cancel', () => s.work.cancel()),
    reg('sysight.refreshRuns', () => s.store.reload()),
    reg('sysight.showLogs', () => s.log.show()),
  ];
}

async function analyzeProfile(c: CommandContext, arg: unknown): Promise<void> {
  requireTrust('Analyze Profile');
  let profile = activeProfile(arg);
  if (!profile) {
    const picked = await vscode.window.showOpenDialog({
      title: 'Profile to analyze', canSelectMany: false,
      filters: { Profiles: ['sqlite', 'json', 'gz'] },
    });
    profile = picked?.[0];
    if (!profile) return;
  }
  if (!PROFILE_RE.test(profile.fsPath)) throw new UserError(`${profile.fsPath} is not a .sqlite, .json or .json.gz profile`);
  const repo = c.repoOrThrow(profile);
  const cfg = await c.settings(profile);
  const ok = await c.s.work.run('Analyze Profile', (signal, onProgress) =>
    c.s.engine.analyze({ repo, profile: profile.fsPath, settings: cfg }, { signal, onProgress }));
  if (ok) c.s.store.reload();
}

async function runClosedLoop(c: CommandContext, arg: unknown): Promise<void> {
  requireTrust('Run Closed Loop');
  const profile = activeProfile(arg);
  const repo = c.repoOrThrow(profile);
  const cfg = await c.settings(profile);
  const ok = await c.s.work.run('Run Closed Loop', (signal, onProgress) =>
    c.s.engine.closedLoop({ repo, profile: profile?.fsPath, settings: cfg }, { signal, onProgress }));
  c.s.store.reload();
  if (ok) void vscode.commands.executeCommand('workbench.view.extension.sysight');
}

/** Optimize a run's findings: one finding (a CodeLens passes run id and finding id, the Runs view a finding node) or all of them. */
async function optimizeFindings(c: CommandContext, a: unknown, b: unknown): Promise<void> {
  requireTrust('Optimize Findings');
  const node = a as Node | undefined;
  const run = c.runArg(node && typeof node === 'object' && 'run' in node ? node.run.id : a);
  const findingIds = typeof b === 'string' ? [b] : node && typeof node === 'object' && node.kind === ItemKind.Finding ? [node.finding.id] : undefined;
  const cfg = await c.settings(vscode.Uri.file(run.repo));
  await c.s.work.run('Optimize Findings', (signal, onProgress) =>
    c.s.engine.optimize({ repo: run.repo, runId: run.id, findingIds, settings: cfg }, { signal, onProgress }));
  c.s.store.reload();
}

async function showEvidence(c: CommandContext, runId: unknown, findingId: unknown): Promise<void> {
  const { run, f } = c.findingOf(runId, findingId);
  const items = f.evidence.map((e) => e.kind === 'source'
    ? { label: `$(file-code) ${e.file}:${e.line}`, detail: `${e.text.trim()} — ${e.why}`, file: e.file, line: e.line }
    : e.kind === 'profile'
      ? { label: `$(pulse) ${e.query}`, detail: e.summary }
      : { label: `$(list-tree) ${e.via}`, detail: e.frames.join(' ← ') });
  const pick = await vscode.window.showQuickPick(items, { title: `${f.category} ${f.title} — evidence`, matchOnDetail: true });
  if (pick && 'file' in pick && pick.file) await c.s.reveal(run.repo, pick.file, pick.line);
}

/** A run's report.md in the Markdown preview; a run with no report yet opens its profile instead. */
async function showReport(c: CommandContext, arg: unknown): Promise<void> {
  const run = c.runArg(arg);
  const md = join(run.dir, 'report.md');
  if (existsSync(md)) {
    await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(md));
    return;
  }
  const profile = run.findings?.profile ?? run.record.rounds[0]?.profile;
  if (!profile) throw new UserError(`run ${run.id} has no report and no profile yet`);
  c.editor.openPanel(vscode.Uri.file(join(run.repo, profile)));
}

async function openKnowledgeBase(repo: string): Promise<void> {
  const wiki = join(repo, SYSIGHT_DIR, 'wiki');
  const index = join(wiki, 'index.md');
  if (existsSync(index)) await vscode.commands.executeCommand('markdown.showPreview', vscode.Uri.file(index));
  else if (existsSync(wiki)) await vscode.commands.executeCommand('revealInExplorer', vscode.Uri.file(wiki));
  else throw new UserError('no knowledge base yet: it is written by the closed loop into .sysight/wiki');
}

/** Stores (or, left empty, removes) a provider's API key; a first key also selects that provider. */
async function setApiKey(keys: ApiKeys): Promise<void> {
  const pick = await vscode.window.showQuickPick(
    [{ label: 'OpenAI-compatible', id: 'openai_compatible' as KeyedProvider }, { label: 'Anthropic', id: 'anthropic' as KeyedProvider }],
    { title: 'Sysight: API key for which provider?' });
  if (!pick) return;
  const key = await vscode.window.showInputBox({
    title: `${pick.label} API key`, password: true, ignoreFocusOut: true,
    prompt: 'Stored in the editor\'s secret storage. Leave empty to remove the key.',
  });
  if (key === undefined) return;
  await keys.set(pick.id, key.trim());
  const c = vscode.workspace.getConfiguration('sysight');
  if (key.trim() && c.get('provider') === 'none') await c.update('provider', pick.id, vscode.ConfigurationTarget.Global);
  void vscode.window.showInformationMessage(key.trim() ? `Sysight: ${pick.label} key saved.` : `Sysight: ${pick.label} key removed.`);
}

async function openRanks(editor: ProfileEditorProvider, arg: unknown): Promise<void> {
  // a folder or file Uri (explorer), a list of paths (tests, other extensions), else ask
  const inputs = arg instanceof vscode.Uri ? [arg.fsPath]
    : Array.isArray(arg) && arg.length && arg.every((x) => typeof x === 'string' || x instanceof vscode.Uri)
      ? arg.map((x: string | vscode.Uri) => (typeof x === 'string' ? x : x.fsPath))
      : await pickRankInputs();
  if (!inputs) return;
  const missing = inputs.find((p) => !existsSync(p));
  if (missing) throw new UserError(`${missing} does not exist`);
  await editor.openRanks(inputs).controller.compute();
}
