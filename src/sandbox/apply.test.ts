import { mkdirSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createTwoFilesPatch } from 'diff';
import { afterEach, describe, expect, it } from 'vitest';
import type { PatchPlan } from '../core/index.js';
import { applyPatchPlans, applyPatchToText, PatchApplyError, parseFilePatches, sha256 } from './apply.js';

const SRC = 'import torch\n\ndef f(x):\n    i = torch.arange(10)\n    return x + i\n\nprint(f(1))\n';
const diff = (a: string, b: string, file = 'm.py'): string => createTwoFilesPatch(`a/${file}`, `b/${file}`, a, b);
const plan = (file: string, before: string, after: string, id = 'p'): PatchPlan => ({
  id, findingId: 'f', category: 'C1', pattern: 'x', file, baseHash: sha256(before),
  diff: diff(before, after, file), linesChanged: 1, rationale: '', source: 'codemod',
});

const dirs: string[] = [];
function tree(files: Record<string, string>): string {
  const d = mkdtempSync(join(tmpdir(), 'sysight-apply-'));
  dirs.push(d);
  for (const [p, t] of Object.entries(files)) {
    mkdirSync(join(d, p, '..'), { recursive: true });
    writeFileSync(join(d, p), t);
  }
  return d;
}
afterEach(() => { for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true }); });

describe('applyPatchToText', () => {
  it('applies an exact diff', () => {
    const after = SRC.replace('torch.arange(10)', 'ARANGE');
    expect(applyPatchToText(SRC, diff(SRC, after))).toBe(after);
  });

  it('refuses, never fuzzes, when a context line differs', () => {
    const after = SRC.replace('torch.arange(10)', 'ARANGE');
    const drifted = SRC.replace('def f(x):', 'def f(x):  # changed');
    expect(() => applyPatchToText(drifted, diff(SRC, after))).toThrow(PatchApplyError);
    expect(() => applyPatchToText(drifted, diff(SRC, after))).toThrow(/context differs/);
  });

  it('sha256 is hex of utf-8 bytes', () => {
    expect(sha256('abc')).toBe('ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad');
    expect(sha256(Buffer.from('abc'))).toBe(sha256('abc'));
  });

  it('parses file names without a/ b/ and marks creations', () => {
    const created = createTwoFilesPatch('/dev/null', 'b/new.py', '', 'x = 1\n');
    expect(parseFilePatches(created)).toMatchObject([{ file: 'new.py', created: true, deleted: false }]);
    expect(() => parseFilePatches('not a diff')).toThrow(/malformed diff/);
  });
});

describe('applyPatchPlans', () => {
  it('writes the patched file', () => {
    const d = tree({ 'pkg/m.py': SRC });
    const after = SRC.replace('torch.arange(10)', 'ARANGE');
    expect(applyPatchPlans(d, [plan('pkg/m.py', SRC, after)])).toEqual([{ patchId: 'p', files: ['pkg/m.py'] }]);
    expect(readFileSync(join(d, 'pkg/m.py'), 'utf8')).toBe(after);
  });

  it('refuses a stale anchor with the documented message and writes nothing', () => {
    const d = tree({ 'm.py': `${SRC}# edited\n`, 'n.py': 'a\n' });
    const good = plan('n.py', 'a\n', 'b\n', 'good');
    const stale = plan('m.py', SRC, SRC.replace('return x + i', 'return i + x'));
    expect(() => applyPatchPlans(d, [good, stale])).toThrow('stale patch: m.py changed since the patch was made');
    expect(readFileSync(join(d, 'n.py'), 'utf8')).toBe('a\n');
  });

  it('stacks two patches on the same file (second planned against the original)', () => {
    const d = tree({ 'm.py': SRC });
    const p1 = plan('m.py', SRC, SRC.replace('import torch\n', 'import torch\nimport os\n'), 'p1');
    const p2 = plan('m.py', SRC, SRC.replace('print(f(1))', 'print(f(2))'), 'p2');
    applyPatchPlans(d, [p1, p2]);
    expect(readFileSync(join(d, 'm.py'), 'utf8')).toBe(SRC.replace('import torch\n', 'import torch\nimport os\n').replace('print(f(1))', 'print(f(2))'));
  });

  it('reports a conflict between stacked patches', () => {
    const d = tree({ 'm.py': SRC });
    const p1 = plan('m.py', SRC, SRC.replace('    return x + i', '    return x - i'), 'p1');
    const p2 = plan('m.py', SRC, SRC.replace('    return x + i', '    return x * i'), 'p2');
    expect(() => applyPatchPlans(d, [p1, p2])).toThrow('patch p2 does not apply to m.py: conflicts with an earlier patch');
  });

  it('refuses paths outside the tree and symlinked targets', () => {
    const outside = tree({ 'victim.py': 'x = 1\n' });
    const d = tree({ 'm.py': SRC });
    symlinkSync(outside, join(d, 'link'));
    symlinkSync(join(outside, 'victim.py'), join(d, 'v.py'));
    expect(() => applyPatchPlans(d, [plan('../victim.py', 'x = 1\n', 'x = 2\n')])).toThrow(/escapes the repository/);
    expect(() => applyPatchPlans(d, [plan('link/victim.py', 'x = 1\n', 'x = 2\n')])).toThrow(/through a symlink/);
    expect(() => applyPatchPlans(d, [plan('v.py', 'x = 1\n', 'x = 2\n')])).toThrow(/is a symlink/);
    expect(readFileSync(join(outside, 'victim.py'), 'utf8')).toBe('x = 1\n');
  });

  it('a plan whose diff names another file is invalid', () => {
    const d = tree({ 'm.py': SRC });
    const p = { ...plan('m.py', SRC, SRC.replace('f(1)', 'f(3)')), file: 'other.py' };
    expect(() => applyPatchPlans(d, [p])).toThrow(/is for other.py but its diff patches m.py/);
  });

  it('creates a new file from /dev/null', () => {
    const d = tree({ 'm.py': SRC });
    const p: PatchPlan = { ...plan('m.py', SRC, SRC), file: 'util/new.py', baseHash: sha256(''), diff: createTwoFilesPatch('/dev/null', 'b/util/new.py', '', 'y = 2\n') };
    applyPatchPlans(d, [p]);
    expect(readFileSync(join(d, 'util/new.py'), 'utf8')).toBe('y = 2\n');
  });
});
