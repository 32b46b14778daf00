// Small, careful text edits on Python source used by the codemods. Each edit is local to the finding's
// line (located again by its text if earlier patches moved it) and every result is re-checked by the
// caller (the patch applies to the exact base text; the sandbox runs it).

export function splitLines(text: string): string[] {
  return text.split('\n');
}

/** The 0-based index of the line holding `anchorText` (trimmed) nearest to `line` (1-based). */
export function locateLine(lines: string[], line: number, anchorText: string): number {
  const want = anchorText.trim();
  const i0 = line - 1;
  if (i0 >= 0 && i0 < lines.length && lines[i0]!.trim() === want) return i0;
  for (let d = 1; d < lines.length; d++) {
    for (const i of [i0 - d, i0 + d]) {
      if (i >= 0 && i < lines.length && lines[i]!.trim() === want) return i;
    }
  }
  return -1;
}

export function indentOf(line: string): string {
  return /^[ \t]*/.exec(line)![0];
}

/**
 * Index after which module-level helpers go: after the last top-level import (multi-line parenthesized
 * imports and a module docstring respected), else after the docstring / shebang / encoding lines.
 */
export function moduleInsertionIndex(lines: string[]): number {
  let last = -1;
  let i = 0;
  // skip shebang/encoding/comments and a docstring
  while (i < lines.length && /^\s*(#.*)?$/.test(lines[i]!)) i++;
  if (i < lines.length && /^\s*[rbuRBU]?("""|''')/.test(lines[i]!)) {
    const q = lines[i]!.includes('"""') ? '"""' : "'''";
    const rest = lines[i]!.slice(lines[i]!.indexOf(q) + 3);
    if (!rest.includes(q)) {
      i++;
      while (i < lines.length && !lines[i]!.includes(q)) i++;
    }
    last = i;
    i++;
  }
  for (; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^(import|from)\s/.test(l)) {
      if (l.includes('(') && !l.includes(')')) {
        while (i < lines.length && !lines[i]!.includes(')')) i++;
      } else {
        while (i < lines.length && lines[i]!.trimEnd().endsWith('\\')) i++;
      }
      last = i;
    } else if (/^\S/.test(l) && !/^#/.test(l) && !/^(if|try|except|else|finally)\b/.test(l)) {
      // first top-level statement that is not an import: stop looking (imports after code are rare)
      if (last >= 0) break;
    }
  }
  return last;
}

/** Inserts a module-level block once (keyed by a marker that the block contains). */
export function ensureModuleBlock(lines: string[], marker: string, block: string[]): string[] {
  if (lines.some((l) => l.includes(marker))) return lines;
  const at = moduleInsertionIndex(lines);
  const out = lines.slice();
  out.splice(at + 1, 0, '', ...block, '');
  return out;
}

/**
 * The name the module uses for `pkg` (`import numpy as np` → "np"); when it has none, a plain
 * `import pkg as alias` (or `import pkg`) is added after the last top-level import and that name returned.
 */
export function ensureImport(lines: string[], pkg: string, alias?: string): { lines: string[]; name: string } {
  const have = moduleAlias(lines, pkg);
  if (have) return { lines, name: have };
  const at = moduleInsertionIndex(lines);
  const out = lines.slice();
  out.splice(at + 1, 0, alias ? `import ${pkg} as ${alias}` : `import ${pkg}`);
  return { lines: out, name: alias ?? pkg };
}

/** Name the module uses for a top-level package (`import numpy as np` → "np"), or null. */
export function moduleAlias(lines: string[], pkg: string): string | null {
  for (const l of lines) {
    const m = new RegExp(`^import\\s+${pkg.replace('.', '\\.')}(?:\\s+as\\s+(\\w+))?\\s*$`).exec(l.trim());
    if (m && /^import/.test(l)) return m[1] ?? pkg;
  }
  return null;
}

/**
 * Finds the call `callee(` … `)` starting at or after column `from` in `s`, returning [start, endExclusive]
 * with balanced parentheses and string literals skipped, or null.
 */
export function findCall(s: string, callee: RegExp, from = 0): [number, number] | null {
  const re = new RegExp(callee.source, 'g');
  re.lastIndex = from;
  const m = re.exec(s);
  if (!m) return null;
  const open = s.indexOf('(', m.index + m[0].length - 1);
  if (open < 0) return null;
  const close = matchParen(s, open);
  return close < 0 ? null : [m.index, close + 1];
}

/** Index of the bracket closing the one at `open`, skipping strings; -1 if unbalanced. */
export function matchParen(s: string, open: number): number {
  const pairs: Record<string, string> = { '(': ')', '[': ']', '{': '}' };
  const stack: string[] = [];
  for (let i = open; i < s.length; i++) {
    const c = s[i]!;
    if (c === '"' || c === "'") {
      const q = c;
      i++;
      while (i < s.length && s[i] !== q) i += s[i] === '\\' ? 2 : 1;
      continue;
    }
    if (pairs[c]) stack.push(pairs[c]!);
    else if (c === ')' || c === ']' || c === '}') {
      if (stack.pop() !== c) return -1;
      if (!stack.length) return i;
    }
  }
  return -1;
}

/** Identifiers and dotted attribute chains used in an expression, minus the given module names and keywords. */
export function freeNames(expr: string, modules: string[]): string[] {
  const noStrings = expr.replace(/(["'])(?:\\.|(?!\1).)*\1/g, '""');
  const keyword = new Set(['None', 'True', 'False', 'and', 'or', 'not', 'in', 'is', 'lambda', 'if', 'else', 'for']);
  const out: string[] = [];
  const re = /(?<![\w.])([A-Za-z_]\w*(?:\.[A-Za-z_]\w*)*)(\s*\()?/g;
  let m: RegExpExecArray | null;
  while ((m = re.exec(noStrings))) {
    const name = m[1]!;
    const root = name.split('.')[0]!;
    if (keyword.has(root) || modules.includes(root)) continue;
    // keyword argument names (name=) are not values
    const after = noStrings.slice(m.index + name.length).trimStart();
    if (after.startsWith('=') && !after.startsWith('==')) continue;
    if (m[2]) continue; // a call on a non-module object: its result is not a plain value
    if (!out.includes(name)) out.push(name);
  }
  return out;
}
