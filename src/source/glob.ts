// Glob and .gitignore patterns compiled to regular expressions (no dependency).
import { escapeRegExp } from '../core/regexp.js';

/** Translates a glob body (`*`, `**`, `?`, `[...]`, `{a,b}`) to a regex source; `/` separates segments. */
export function globToRegexSource(glob: string): string {
  let out = '';
  let i = 0;
  let braces = 0;
  while (i < glob.length) {
    const c = glob[i]!;
    if (c === '*') {
      if (glob[i + 1] === '*') {
        // `**/` matches zero or more directories; a trailing `**` matches everything below.
        if (glob[i + 2] === '/') {
          out += '(?:.*/)?';
          i += 3;
        } else {
          out += '.*';
          i += 2;
        }
        continue;
      }
      out += '[^/]*';
    } else if (c === '?') {
      out += '[^/]';
    } else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close < 0) out += '\\[';
      else {
        let body = glob.slice(i + 1, close);
        if (body.startsWith('!')) body = '^' + body.slice(1);
        out += '[' + body.replace(/\\/g, '\\\\') + ']';
        i = close;
      }
    } else if (c === '{') {
      braces++;
      out += '(?:';
    } else if (c === '}' && braces > 0) {
      braces--;
      out += ')';
    } else if (c === ',' && braces > 0) {
      out += '|';
    } else if (c === '\\' && i + 1 < glob.length) {
      out += '\\' + glob[i + 1];
      i++;
    } else {
      out += /[.+^$()|\]\\]/.test(c) ? '\\' + c : c;
    }
    i++;
  }
  return out;
}

/**
 * A matcher for a user glob on repo-relative paths: a glob without `/` matches the file name at any
 * depth (`*.py`), one with `/` matches the whole path (`src/**\/*.py`).
 */
export function compileGlob(glob: string): (path: string) => boolean {
  const g = glob.startsWith('./') ? glob.slice(2) : glob;
  const re = g.includes('/')
    ? new RegExp('^' + globToRegexSource(g.replace(/^\//, '')) + '$')
    : new RegExp('(?:^|/)' + globToRegexSource(g) + '$');
  return (p) => re.test(p);
}

export interface IgnoreRule {
  negate: boolean;
  dirOnly: boolean;
  re: RegExp;
}

/** Parses one .gitignore file; `base` is its directory, repo-relative ('' for the root). */
export function parseGitignore(text: string, base: string): IgnoreRule[] {
  const rules: IgnoreRule[] = [];
  for (let raw of text.split(/\r?\n/)) {
    // trailing unescaped spaces are ignored
    raw = raw.replace(/(?<!\\)\s+$/, '');
    if (!raw || raw.startsWith('#')) continue;
    let negate = false;
    if (raw.startsWith('!')) {
      negate = true;
      raw = raw.slice(1);
    } else if (raw.startsWith('\\!') || raw.startsWith('\\#')) raw = raw.slice(1);
    let dirOnly = false;
    if (raw.endsWith('/')) {
      dirOnly = true;
      raw = raw.slice(0, -1);
    }
    if (!raw) continue;
    const anchored = raw.includes('/');
    const body = raw.replace(/^\//, '');
    const prefix = base ? escapeRegExp(base) + '/' : '';
    const src = anchored
      ? '^' + prefix + globToRegexSource(body) + '$'
      : '^' + prefix + '(?:.*/)?' + globToRegexSource(body) + '$';
    rules.push({ negate, dirOnly, re: new RegExp(src) });
  }
  return rules;
}

/** Last matching rule wins (git semantics); `rules` ordered from the root down. */
export function isIgnored(rules: IgnoreRule[], path: string, isDir: boolean): boolean {
  let ignored = false;
  for (const r of rules) {
    if (r.dirOnly && !isDir) continue;
    if (r.re.test(path)) ignored = !r.negate;
  }
  return ignored;
}
