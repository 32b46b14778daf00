import { mkdirSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { UserError } from '../core/errors.js';
import { resolveInRepo } from './paths.js';
import { makeRepo, removeRepo } from './testing.js';
import { listFiles, readLines, searchRepo } from './walk.js';

describe('repo walker', () => {
  const repo = makeRepo({
    '.gitignore': '*.log\n/build/\ndata/*.bin\n!data/keep.bin\n# comment\n',
    'train.py': 'import torch\nx = torch.ones(3)\nprint(x.item())\n',
    'debug.log': 'x',
    'build/out.py': 'x = 1\n',
    'src/build/inner.py': 'y = 2\n', // /build/ is anchored to the root: not ignored here
    'data/a.bin': 'x',
    'data/keep.bin': 'x',
    'pkg/.gitignore': 'generated_*.py\ncache/\n',
    'pkg/mod.py': 'def f():\n    return 1\n',
    'pkg/generated_x.py': 'z = 3\n',
    'pkg/cache/c.py': 'z = 4\n',
    'node_modules/m/index.py': 'x',
    '.sysight/setup.json': '{}',
    '__pycache__/a.pyc': 'x',
    'myenv/pyvenv.cfg': 'home = /usr',
    'myenv/lib/site.py': 'x',
    '.venv/lib/x.py': 'x',
    'README.md': '# hi\n',
  });
  const outside = makeRepo({ 'secret.txt': 'secret' });
  symlinkSync(join(outside, 'secret.txt'), join(repo, 'link-out.txt'));
  symlinkSync(join(repo, 'train.py'), join(repo, 'link-in.py'));
  mkdirSync(join(repo, '.git', 'info'), { recursive: true });
  writeFileSync(join(repo, '.git', 'info', 'exclude'), 'README.md\n');
  afterAll(() => {
    removeRepo(repo);
    removeRepo(outside);
  });

  it('honours root and nested .gitignore files, negation, anchoring, info/exclude and the always-skipped folders', () => {
    expect(listFiles(repo)).toEqual(['.gitignore', 'data/keep.bin', 'pkg/.gitignore', 'pkg/mod.py', 'src/build/inner.py', 'train.py']);
  });

  it('filters by extension', () => {
    expect(listFiles(repo, { ext: 'py' })).toEqual(['pkg/mod.py', 'src/build/inner.py', 'train.py']);
    expect(listFiles(repo, { ext: ['.bin'] })).toEqual(['data/keep.bin']);
  });

  it('searches literally, by regex, with a glob and a limit', () => {
    expect(searchRepo(repo, 'x.item()')).toEqual([{ file: 'train.py', line: 3, column: 7, text: 'print(x.item())' }]);
    expect(searchRepo(repo, /^def \w+/).map((h) => `${h.file}:${h.line}`)).toEqual(['pkg/mod.py:1']);
    expect(searchRepo(repo, /=/, { glob: 'src/**/*.py' }).map((h) => h.file)).toEqual(['src/build/inner.py']);
    expect(searchRepo(repo, /./, { glob: '*.py', limit: 2 })).toHaveLength(2);
  });

  it('reads lines with their numbers, clamped to the file', () => {
    const r = readLines(repo, 'train.py', 2, 10);
    expect(r.lines).toEqual([{ n: 2, text: 'x = torch.ones(3)' }, { n: 3, text: 'print(x.item())' }]);
    expect(r.totalLines).toBe(3);
    expect(r.formatted).toBe('2| x = torch.ones(3)\n3| print(x.item())');
  });

  it('rejects paths that escape the repo', () => {
    expect(() => resolveInRepo(repo, '../x.py')).toThrow(UserError);
    expect(() => resolveInRepo(repo, 'pkg/../../x.py')).toThrow(/escapes the repo/);
    expect(() => resolveInRepo(repo, '/etc/passwd')).toThrow(/relative/);
    expect(() => resolveInRepo(repo, 'link-out.txt')).toThrow(/symlink/);
    expect(() => readLines(repo, 'link-out.txt')).toThrow(UserError);
    expect(resolveInRepo(repo, 'pkg/../train.py')).toBe(join(resolveInRepo(repo, '.'), 'train.py'));
    expect(resolveInRepo(repo, 'link-in.py')).toBe(join(resolveInRepo(repo, '.'), 'train.py'));
    expect(resolveInRepo(repo, 'new/file.py')).toBe(join(resolveInRepo(repo, '.'), 'new', 'file.py'));
  });

  it('refuses a repo that is not a directory', () => {
    expect(() => listFiles(join(repo, 'train.py'))).toThrow(/not a directory/);
    expect(() => listFiles(join(tmpdir(), 'sysight-no-such-dir-xyz'))).toThrow(/no such directory/);
  });
});
