import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { commitPatch, readAt, resolveHead } from './stack.js';
import { sha256Hex } from '../core/hash.js';
import { unifiedDiff } from '../optimize/plan.js';

const dirs: string[] = [];
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

function repo(): string {
  const d = mkdtempSync(join(tmpdir(), 'sysight-stack-'));
  dirs.push(d);
  writeFileSync(join(d, 'm.py'), 'a = 1\nb = 2\n');
  const git = (...a: string[]) => execFileSync('git', a, { cwd: d, stdio: 'ignore' });
  git('init', '-q');
  git('add', 'm.py');
  git('-c', 'user.name=t', '-c', 'user.email=t@t', 'commit', '-q', '-m', 'init');
  return d;
}

describe('readAt', () => {
  it('reads the tree of a stacked commit, not HEAD (a second patch in a round is planned on the first)', async () => {
    const d = repo();
    const head = await resolveHead(d);
    const before = readFileSync(join(d, 'm.py'), 'utf8');
    const after = 'a = 10\nb = 2\n';
    const plan = {
      id: 'p1', findingId: 'f', category: 'C5' as const, pattern: 'C5.x', file: 'm.py', baseHash: sha256Hex(before),
      diff: unifiedDiff('m.py', before, after), linesChanged: 2, rationale: '', source: 'codemod' as const,
    };
    const stacked = await commitPatch(d, head, plan);
    expect(stacked).not.toBe(head);
    expect(await readAt(d, stacked, (dir) => readFileSync(join(dir, 'm.py'), 'utf8'))).toBe(after);
    expect(await readAt(d, head, (dir) => readFileSync(join(dir, 'm.py'), 'utf8'))).toBe(before);
    expect(readFileSync(join(d, 'm.py'), 'utf8')).toBe(before);
  });
});
