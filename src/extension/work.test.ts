// WorkRunner with a stand-in `vscode` module: a failed run leaves the busy state at once, while its error toast
// is still open (the toast resolves only when the user closes it).
import { beforeEach, describe, expect, it, vi } from 'vitest';

const state = vi.hoisted(() => ({
  context: new Map<string, unknown>(),
  toasts: [] as string[],
  closeToast: [] as Array<(v: string | undefined) => void>,
}));

vi.mock('vscode', () => {
  class EventEmitter<T> {
    private listeners: Array<(v: T) => void> = [];
    event = (l: (v: T) => void) => { this.listeners.push(l); return { dispose() {} }; };
    fire(v: T) { for (const l of this.listeners) l(v); }
    dispose() {}
  }
  const channel = { info() {}, warn() {}, error() {}, show() {}, dispose() {} };
  return {
    EventEmitter,
    StatusBarAlignment: { Left: 1 },
    ProgressLocation: { Notification: 15 },
    commands: { executeCommand: async (cmd: string, key: string, value: unknown) => { if (cmd === 'setContext') state.context.set(key, value); } },
    window: {
      createStatusBarItem: () => ({ show() {}, dispose() {}, text: '', tooltip: '', command: '', name: '' }),
      createOutputChannel: () => channel,
      withProgress: async (_o: unknown, task: (p: { report(): void }, t: { onCancellationRequested(): void }) => Promise<unknown>) =>
        task({ report() {} }, { onCancellationRequested() {} }),
      // a toast that stays open until the test closes it
      showErrorMessage: (text: string) => { state.toasts.push(text); return new Promise((res) => state.closeToast.push(res)); },
      showInformationMessage: async () => undefined,
      showWarningMessage: async () => undefined,
    },
  };
});

const { WorkRunner } = await import('./work.js');
const { Log } = await import('./log.js');
const { UserError } = await import('../core/errors.js');

describe('WorkRunner', () => {
  beforeEach(() => {
    state.context.clear();
    state.toasts.length = 0;
    state.closeToast.length = 0;
  });

  it('clears the busy state when a run fails, before the error toast is closed', async () => {
    const runner = new WorkRunner(new Log());
    const views: boolean[] = [];
    runner.onProgress((p) => views.push(p.active));
    const run = runner.run('Analyze', async () => { throw new UserError('notes.sqlite is not an Nsight Systems export'); });
    await vi.waitFor(() => expect(state.toasts).toEqual(['Analyze: notes.sqlite is not an Nsight Systems export']));
    expect(state.closeToast).toHaveLength(1); // still open
    expect(runner.busy).toBe(false);
    expect(state.context.get('sysight.busy')).toBe(false);
    expect(views.at(-1)).toBe(false);
    expect(runner.last).toEqual({ active: false });
    expect(await run).toBe(false);
    // and the next run may start while the toast is still open
    expect(await runner.run('Analyze again', async () => {})).toBe(true);
    state.closeToast[0]!(undefined);
    runner.dispose();
  });

  it('refuses a second run while one is going, and is idle after a success', async () => {
    const runner = new WorkRunner(new Log());
    let release!: () => void;
    const first = runner.run('Open', () => new Promise<void>((r) => { release = r; }));
    expect(runner.busy).toBe(true);
    expect(await runner.run('Other', async () => {})).toBe(false);
    release();
    expect(await first).toBe(true);
    expect(runner.busy).toBe(false);
    expect(state.context.get('sysight.busy')).toBe(false);
    runner.dispose();
  });
});
