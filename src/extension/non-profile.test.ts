// Files that are not profiles: which kind of file a remembered choice covers, what the setting value means, and
// (with a stand-in `vscode` module) that "reopen" opens VS Code's default editor in the dashboard's place before
// closing it, that "always" remembers the kind in the user's settings, that a remembered kind reopens without
// asking only once the file is known not to be a profile, and that the command forgets the choice.
import { beforeEach, describe, expect, it, vi } from 'vitest';

const vs = vi.hoisted(() => ({
  settings: new Map<string, unknown>(),
  workspaceSettings: new Map<string, unknown>(),
  calls: [] as string[],
  commands: new Map<string, () => unknown>(),
}));

vi.mock('vscode', () => {
  class EventEmitter<T> {
    private listeners: Array<(v: T) => void> = [];
    event = (l: (v: T) => void) => {
      this.listeners.push(l);
      return { dispose: () => { this.listeners = this.listeners.filter((x) => x !== l); } };
    };
    fire(v: T) { for (const l of [...this.listeners]) l(v); }
  }
  const ConfigurationTarget = { Global: 1, Workspace: 2 };
  return {
    EventEmitter,
    ConfigurationTarget,
    commands: {
      executeCommand: async (id: string, uri: { fsPath: string }, viewType: string, options: unknown) => {
        vs.calls.push(`${id} ${uri.fsPath} ${viewType} ${JSON.stringify(options)}`);
      },
      registerCommand: (id: string, fn: () => unknown) => { vs.commands.set(id, fn); return { dispose() {} }; },
    },
    window: {
      setStatusBarMessage: (text: string) => { vs.calls.push(`status: ${text}`); },
      showInformationMessage: async (text: string) => { vs.calls.push(`info: ${text}`); },
    },
    workspace: {
      getConfiguration: (section: string) => ({
        get: (key: string) => vs.workspaceSettings.get(`${section}.${key}`) ?? vs.settings.get(`${section}.${key}`),
        inspect: (key: string) => ({
          globalValue: vs.settings.get(`${section}.${key}`),
          workspaceValue: vs.workspaceSettings.get(`${section}.${key}`),
        }),
        update: async (key: string, value: unknown, target: number) => {
          const m = target === ConfigurationTarget.Global ? vs.settings : vs.workspaceSettings;
          if (value === undefined) m.delete(`${section}.${key}`);
          else m.set(`${section}.${key}`, value);
          vs.calls.push(`update ${section}.${key} ${JSON.stringify(value)} ${target === ConfigurationTarget.Global ? 'global' : 'workspace'}`);
        },
      }),
    },
  };
});

const vscode = await import('vscode');
const {
  alwaysReopenWithDefaultEditor, nonProfileKind, registerNonProfileCommand, rememberedKinds, reopenWhenRemembered,
  reopenWithDefaultEditor, reopensWithoutAsking, withKind,
} = await import('./non-profile.js');

const KEY = 'sysight.defaultEditorForNonProfiles';
const uri = (fsPath: string) => ({ fsPath }) as import('vscode').Uri;
function panel(viewColumn = 2, active = true) {
  const p = { viewColumn, active, disposed: false, dispose: () => { p.disposed = true; vs.calls.push('dispose panel'); } };
  return p;
}
type Status = import('../protocol/dashboard.js').DashboardState['overviewStatus'];
function doc(fsPath: string) {
  const changed = new vscode.EventEmitter<void>();
  const d = { uri: uri(fsPath), status: { state: 'loading' } as Status, onDidChange: changed.event, set(s: Status) { d.status = s; changed.fire(); } };
  return d;
}

beforeEach(() => {
  vs.settings.clear();
  vs.workspaceSettings.clear();
  vs.calls.length = 0;
});

describe('the kind of file a remembered choice covers', () => {
  it.each([
    ['/w/users.sqlite', '*.sqlite'],
    ['/w/run.nsys-rep.SQLITE', '*.sqlite'],
    ['/w/table.json.gz', '*.json.gz'],
    ['/w/step.pt.trace.json.gz', '*.json.gz'],
    ['/w/config.json', null],
    ['/w/report.nsys-rep', null],
    ['/w/archive.gz', null],
  ])('%s → %s', (path, kind) => {
    expect(nonProfileKind(path)).toBe(kind);
  });
});

describe('the setting value', () => {
  it('keeps only known kinds, in a fixed order, and ignores a value of another type', () => {
    expect(rememberedKinds(['*.json.gz', '*.txt', 3, '*.sqlite'])).toEqual(['*.sqlite', '*.json.gz']);
    expect(rememberedKinds('*.sqlite')).toEqual([]);
    expect(rememberedKinds(undefined)).toEqual([]);
  });

  it('adds a kind once', () => {
    expect(withKind(undefined, '*.json.gz')).toEqual(['*.json.gz']);
    expect(withKind(['*.json.gz'], '*.sqlite')).toEqual(['*.sqlite', '*.json.gz']);
    expect(withKind(['*.sqlite'], '*.sqlite')).toEqual(['*.sqlite']);
  });

  it('reopens without asking only files of a remembered kind', () => {
    expect(reopensWithoutAsking(['*.sqlite'], '/w/users.sqlite')).toBe(true);
    expect(reopensWithoutAsking(['*.sqlite'], '/w/table.json.gz')).toBe(false);
    expect(reopensWithoutAsking([], '/w/users.sqlite')).toBe(false);
    expect(reopensWithoutAsking(['*.sqlite', '*.json.gz'], '/w/config.json')).toBe(false);
  });
});

describe('reopening with the default editor', () => {
  it('opens the default editor in the panel\'s column first, then closes the dashboard', async () => {
    const p = panel(3, false);
    await reopenWithDefaultEditor(uri('/w/users.sqlite'), p as never);
    expect(vs.calls).toEqual([
      'vscode.openWith /w/users.sqlite default {"preview":false,"preserveFocus":true,"viewColumn":3}',
      'dispose panel',
    ]);
  });

  it('"always" remembers the kind in the user settings, keeping kinds remembered before', async () => {
    vs.settings.set(KEY, ['*.json.gz']);
    await alwaysReopenWithDefaultEditor(uri('/w/users.sqlite'), panel() as never);
    expect(vs.settings.get(KEY)).toEqual(['*.sqlite', '*.json.gz']);
    expect(vs.calls[0]).toBe(`update ${KEY} ["*.sqlite","*.json.gz"] global`);
    expect(vs.calls[1]).toMatch(/^vscode\.openWith \/w\/users\.sqlite default/);
  });

  it('a remembered kind reopens once the file is known not to be a profile, and only then', async () => {
    vs.settings.set(KEY, ['*.sqlite']);
    const d = doc('/w/users.sqlite');
    const p = panel();
    reopenWhenRemembered(d, p as never, () => undefined);
    expect(vs.calls).toEqual([]);
    d.set({ state: 'loading', fraction: 0.5 });
    expect(vs.calls).toEqual([]);
    d.set({ state: 'error', message: 'not an nsys export', notProfile: { kind: '*.sqlite' } });
    d.set({ state: 'error', message: 'not an nsys export', notProfile: { kind: '*.sqlite' } });
    await vi.waitFor(() => expect(p.disposed).toBe(true));
    expect(vs.calls.filter((c) => c.startsWith('vscode.openWith'))).toHaveLength(1);
    expect(vs.calls[0]).toBe('status: Sysight: users.sqlite is not a profile, opened with the default editor');
  });

  it('leaves a damaged profile, a profile and a kind not remembered in the dashboard', () => {
    vs.settings.set(KEY, ['*.json.gz']);
    for (const [path, status] of [
      ['/w/cut.sqlite', { state: 'error', message: 'truncated' }],
      ['/w/ok.json.gz', { state: 'ready' }],
      ['/w/users.sqlite', { state: 'error', message: 'not an nsys export', notProfile: { kind: '*.sqlite' } }],
    ] as const) {
      const d = doc(path);
      reopenWhenRemembered(d, panel() as never, () => undefined);
      d.set(status);
    }
    expect(vs.calls).toEqual([]);
  });

  it('checks a document already known not to be a profile at once (a second editor of the same file)', async () => {
    vs.workspaceSettings.set(KEY, ['*.json.gz']);
    const d = doc('/w/table.json.gz');
    d.status = { state: 'error', message: 'not a trace', notProfile: { kind: '*.json.gz' } };
    const p = panel();
    reopenWhenRemembered(d, p as never, () => undefined);
    await vi.waitFor(() => expect(p.disposed).toBe(true));
  });
});

describe('Sysight: Ask Again for Files That Are Not Profiles', () => {
  it('forgets the choice in the user and the workspace settings', async () => {
    registerNonProfileCommand();
    vs.settings.set(KEY, ['*.sqlite']);
    vs.workspaceSettings.set(KEY, ['*.json.gz']);
    await vs.commands.get('sysight.askAgainForNonProfiles')!();
    expect(vs.settings.has(KEY)).toBe(false);
    expect(vs.workspaceSettings.has(KEY)).toBe(false);
    expect(reopensWithoutAsking(vscode.workspace.getConfiguration('sysight').get('defaultEditorForNonProfiles'), '/w/users.sqlite')).toBe(false);
    expect(vs.calls.at(-1)).toBe('info: Sysight will ask again when a *.sqlite or *.json.gz file is not a profile.');
  });
});
