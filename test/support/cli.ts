// The real `sysight` CLI as a subprocess (bin/sysight.js), for the integration tests.
import { spawn, spawnSync } from 'node:child_process';
import { join, resolve } from 'node:path';

export const repoRoot = resolve(__dirname, '../..');

export interface CliResult { code: number | null; stdout: string; stderr: string }

/** Runs `sysight …args` with this process's environment plus `env`; resolves when it exits. */
export function sysight(args: string[], env: Record<string, string> = {}): Promise<CliResult> {
  return new Promise((done) => {
    const p = spawn(process.execPath, [join(repoRoot, 'bin/sysight.js'), ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    p.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
    p.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    p.on('close', (code) => done({ code, stdout, stderr }));
  });
}

/** `git …` in `cwd` with a throwaway identity. */
export function gitIn(cwd: string, ...args: string[]) {
  return spawnSync('git', ['-c', 'user.email=t@t', '-c', 'user.name=t', ...args], { cwd, encoding: 'utf8' });
}
