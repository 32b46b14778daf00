// Shared by the codemod tests: the system Python with torch (tests that run Python skip without it), a runner
// for a patched file, and a finding on one line of `m.py` as the loop hands it to planPatch.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Finding } from '../core/findings.js';
import { parsePython, type SyntaxTree } from '../source/parser.js';

export const PY = '/usr/bin/python3';
export const hasTorch = existsSync(PY) && (() => { try { execFileSync(PY, ['-c', 'import torch, numpy'], { stdio: 'ignore' }); return true; } catch { return false; } })();

/** Runs `code` as m.py in a fresh directory with the system Python; its stdout. */
export function runPython(code: string): string {
  const dir = mkdtempSync(join(tmpdir(), 'sysight-cm-'));
  try {
    writeFileSync(join(dir, 'm.py'), code);
    return execFileSync(PY, ['m.py'], { cwd: dir, encoding: 'utf8' });
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A confirmed finding of `pattern` on 1-based `line` of m.py in `src`. */
export function lineFinding(src: string, line: number, pattern: string, fn = 'f'): Finding {
  const text = src.split('\n')[line - 1] ?? '';
  return {
    id: `${pattern}:m.py:${line}`, category: pattern.slice(0, 2) as Finding['category'], pattern, title: 't', file: 'm.py', function: fn, line,
    severity: 'high', impact: { msPerIter: 5, pctOfIter: 10 }, confidence: 0.9, localizedBy: 'python-stack',
    evidence: [{ kind: 'source', file: 'm.py', line, text, why: 'w' }, { kind: 'profile', query: 'q', summary: 's' }],
  };
}

/** 0-based index of the first line of `src` containing `needle` (throws when none does). */
export function lineOf(src: string, needle: string): number {
  const line = src.split('\n').findIndex((l) => l.includes(needle));
  if (line < 0) throw new Error(`no line with ${needle}`);
  return line;
}

/** What a site codemod makes of 0-based line `index` of `src`: its new lines, or `REFUSED: <why>`. */
export async function codemodText(
  codemod: (text: string, tree: SyntaxTree, index: number) => { refused: string } | { lines: string[] },
  src: string,
  index: number,
): Promise<string> {
  const tree = await parsePython(src);
  try {
    const r = codemod(src, tree, index);
    return 'refused' in r ? `REFUSED: ${r.refused}` : r.lines.join('\n');
  } finally {
    tree.delete();
  }
}
