// `sysight warmup` as a subprocess (after `npm run build`).
import { spawnSync, execSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, realpathSync, statSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { makeRepo, py, removeRepo } from '../../src/source/testing.js';

const ROOT = resolve(__dirname, '..', '..');
const BIN = join(ROOT, 'bin', 'sysight.js');

function sysight(...args: string[]) {
  const r = spawnSync(process.execPath, [BIN, ...args], { encoding: 'utf8', cwd: ROOT });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

function snapshot(dir: string, base = dir, out: Record<string, string> = {}): Record<string, string> {
  for (const name of readdirSync(dir)) {
    const abs = join(dir, name);
    if (statSync(abs).isDirectory()) snapshot(abs, base, out);
    else out[abs.slice(base.length + 1)] = readFileSync(abs, 'utf8');
  }
  return out;
}

describe('sysight warmup (CLI)', () => {
  let repo: string;
  beforeAll(() => {
    if (!existsSync(join(ROOT, 'dist', 'cli.js'))) execSync('npm run build', { cwd: ROOT, stdio: 'ignore' });
    repo = makeRepo({
      'README.md': '# demo\n\n```\npython train.py --steps 5\n```\n',
      'model.py': py`
        import torch.nn as nn
        class Net(nn.Module):
            def __init__(self):
                super().__init__()
                self.fc = nn.Linear(4, 4)
            def forward(self, x):
                return self.fc(x)
      `,
      'train.py': py`
        import torch
        from model import Net

        def get_batch():
            return torch.randn(8, 4)

        def main():
            model = Net()
            opt = torch.optim.AdamW(model.parameters())
            for step in range(5):
                loss = model(get_batch()).sum()
                loss.backward()
                opt.step()
                print(loss.item())

        if __name__ == "__main__":
            main()
      `,
    });
  });
  afterAll(() => removeRepo(repo));

  it('prints the entry command, loop and hot path, writes only .sysight/setup.json', () => {
    const before = snapshot(repo);
    const r = sysight('warmup', repo, '--patterns');
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^entry {4}python train\.py --steps 5$/m);
    expect(r.stdout).toMatch(/\* train +train\.py:10-14 in main/);
    expect(r.stdout).toMatch(/^ {2}train\.py:get_batch {2}— called from the train loop at train\.py:10$/m);
    expect(r.stdout).toMatch(/C3\.item-sync +train\.py:14 main \[hot\] \[loop\] {2}print\(loss\.item\(\)\)/);
    const path = join(realpathSync(repo), '.sysight', 'setup.json');
    expect(r.stdout).toContain(`wrote ${path}`);
    const setup = JSON.parse(readFileSync(path, 'utf8'));
    expect(setup.entryCommand).toEqual(['python', 'train.py', '--steps', '5']);
    const after = snapshot(repo);
    delete after[join('.sysight', 'setup.json')];
    expect(after).toEqual(before);
  });

  it('--json prints the RepoSetup', () => {
    const r = sysight('warmup', repo, '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout);
    expect(s.schemaVersion).toBe(1);
    expect(s.hotFunctions).toEqual(['model.py:Net.forward', 'train.py:get_batch']);
    expect(s.loops).toHaveLength(1);
  });

  it('exits 2 with one line for a path that is not a directory, and for a repo with no Python', () => {
    const file = sysight('warmup', join(repo, 'train.py'));
    expect(file.code).toBe(2);
    expect(file.stderr).toBe(`sysight: error: ${join(repo, 'train.py')} is not a directory\n`);
    const missing = sysight('warmup', join(repo, 'nope'));
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^sysight: error: no such directory: .*nope\n$/);
    const empty = makeRepo({ 'README.md': '# no code\n' });
    try {
      const r = sysight('warmup', empty);
      expect(r.code).toBe(2);
      expect(r.stderr).toMatch(/^sysight: error: no Python files in .*: nothing to warm up\n$/);
      expect(existsSync(join(empty, '.sysight'))).toBe(false);
    } finally {
      removeRepo(empty);
    }
  });
});
