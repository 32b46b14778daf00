import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, realpathSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { makeRepo, worktreeList, type ToyRepo } from '../../test/support/sandbox-fixtures.js';
import { WORKTREE_PREFIX } from '../sandbox/index.js';
import { prepareLoop } from './prepare.js';

const repos: ToyRepo[] = [];
afterEach(() => { for (const r of repos.splice(0)) r.cleanup(); });

describe('prepareLoop', () => {
  it('removes trial worktrees a crashed earlier run left behind, and says so', async () => {
    const r = makeRepo({ 'train.py': 'print(1)\n', '.gitignore': '.sysight/\n' });
    repos.push(r);
    const dead = spawnSync('true').pid!;
    const tmpDir = mkdtempSync(join(realpathSync(tmpdir()), WORKTREE_PREFIX));
    writeFileSync(join(tmpDir, 'owner.json'), JSON.stringify({ pid: dead, root: realpathSync(r.dir), createdAt: '' }));
    execFileSync('git', ['worktree', 'add', '--detach', join(tmpDir, 'wt'), 'HEAD'], { cwd: r.dir, stdio: 'ignore' });
    expect(worktreeList(r.dir)).toHaveLength(2);
    const messages: string[] = [];
    const prep = await prepareLoop({
      repo: r.dir, command: ['python', 'train.py'], python: '/usr/bin/python3',
      onProgress: (e) => { if (e.message) messages.push(e.message); },
    });
    expect(existsSync(tmpDir)).toBe(false);
    expect(worktreeList(r.dir)).toEqual([realpathSync(r.dir)]);
    expect(messages.some((m) => /removed 1 trial worktree/.test(m))).toBe(true);
    expect(prep.command).toEqual(['python', 'train.py']);
  });
});
