// The real `sysight` CLI as a subprocess (bin/sysight.js), for the integration tests, and the few things
// those tests set up around it: a built dist/, a Python to run a workload with, the files a run left.
import { spawn, spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '../..');
const BIN = join(repoRoot, 'bin/sysight.js');

export interface CliResult { code: number | null; stdout: string; stderr: string }

/** Runs `sysight …args` with this process's environment plus `env`; resolves when it exits. */
export function sysight(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [BIN, ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => done({ code, stdout, stderr }));
  });
}

export interface SyncRunOptions {
  /** added to this process's environment (or, with `replaceEnv`, the whole environment) */
  env?: NodeJS.ProcessEnv;
  replaceEnv?: boolean;
  /** defaults to the repository root */
  cwd?: string;
  /** ms; defaults to 120 s */
  timeout?: number;
}

/** Runs `sysight …args` and waits for it (for tests whose steps need no concurrency). */
export function sysightSync(args: string[], o: SyncRunOptions = {}): CliResult {
  const env = o.replaceEnv ? o.env : { ...process.env, ...o.env };
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: o.cwd ?? repoRoot, env, timeout: o.timeout ?? 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

/** Builds dist/ when a test runs before `npm run build` (the CLI runs from dist/cli.js). */
export function ensureBuilt(): void {
  if (existsSync(join(repoRoot, 'dist/cli.js'))) return;
  const b = spawnSync(process.execPath, ['esbuild.config.mjs'], { cwd: repoRoot, encoding: 'utf8' });
  if (b.status !== 0) throw new Error(`build failed: ${b.stderr}`);
}

/** `git …` in `cwd` with a throwaway identity. */
export function gitIn(cwd: string, ...args: string[]) {
  return spawnSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, encoding: 'utf8' });
}

/** Every file below `dir` (none when it does not exist). */
export function filesUnder(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir).flatMap((n) => {
    const p = join(dir, n);
    return statSync(p).isDirectory() ? filesUnder(p) : [p];
  });
}

/** A Python 3 that runs, or undefined (tests that need one skip). */
export const python = ['/usr/bin/python3', 'python3'].find((p) => spawnSync(p, ['-c', 'print(1)']).status === 0);
