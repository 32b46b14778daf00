// `sysight python` as a subprocess of the built CLI.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = resolve(__dirname, '..', '..');
const CLI = resolve(ROOT, 'bin', 'sysight.js');
const hasTorch = existsSync('/usr/bin/python3') && spawnSync('/usr/bin/python3', ['-c', 'import torch']).status === 0;

function sysight(args: string[], env: NodeJS.ProcessEnv = process.env) {
  const r = spawnSync(process.execPath, [CLI, ...args], { cwd: ROOT, env, encoding: 'utf8', timeout: 120_000 });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe('sysight python', () => {
  it('refuses an explicit interpreter that does not exist, in one line, exit 2', () => {
    const r = sysight(['python', '--python', '/nonexistent/python3']);
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
    expect(r.stderr).toBe(
      'sysight: error: the Python set by --python cannot run the workload: /nonexistent/python3 (not found); install PyTorch for it or choose another interpreter\n',
    );
  });

  it.skipIf(!hasTorch)('finds the system Python with torch and prints it as JSON', () => {
    const env = { ...process.env, SYSIGHT_PYTHON: '' };
    const r = sysight(['python', '--json'], env);
    expect(r.code).toBe(0);
    const info = JSON.parse(r.stdout) as { path: string; version: string; torchVersion: string; cuda: boolean };
    expect(info.path).toBe('/usr/bin/python3');
    expect(info.torchVersion).toMatch(/^\d+\.\d+/);
    expect(sysight(['python'], env).stdout).toMatch(/^\/usr\/bin\/python3: Python 3\.\d+\.\d+, PyTorch \S+, CUDA (not )?available\n$/);
  });
});
