// Walks a repo honouring .gitignore (root, nested, .git/info/exclude); search and numbered reads.
import { existsSync, lstatSync, readFileSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import { UserError, throwIfAborted } from '../core/errors.js';
import { escapeRegExp } from '../core/regexp.js';
import { compileGlob, isIgnored, parseGitignore, type IgnoreRule } from './glob.js';
import { repoRoot, resolveInRepo } from './paths.js';
import { SYSIGHT_DIR } from '../core/run.js';

/** Directory names never walked, whatever .gitignore says. */
export const ALWAYS_SKIP = new Set([
  '.git', 'node_modules', SYSIGHT_DIR, '__pycache__', '.venv', 'venv', 'env', '.env', '.tox', '.nox',
  '.mypy_cache', '.pytest_cache', '.ruff_cache', '.ipynb_checkpoints', 'site-packages', '.eggs',
]);

export interface ListOptions {
  /** keep only files whose name ends with one of these (with or without the dot): 'py', '.md' */
  ext?: string | string[] | undefined;
  signal?: AbortSignal | undefined;
}

function isVenv(abs: string): boolean {
  return existsSync(join(abs, 'pyvenv.cfg'));
}

/** Every file in the repo not ignored, as sorted repo-relative POSIX paths. Symlinks are not followed. */
export function listFiles(repo: string, opts: ListOptions = {}): string[] {
  const root = repoRoot(repo);
  const exts = opts.ext === undefined ? null : (Array.isArray(opts.ext) ? opts.ext : [opts.ext]).map((e) => (e.startsWith('.') ? e : '.' + e));
  const out: string[] = [];
  const baseRules: IgnoreRule[] = [];
  const exclude = join(root, '.git', 'info', 'exclude');
  if (existsSync(exclude)) baseRules.push(...parseGitignore(safeRead(exclude), ''));
  let count = 0;
  const visit = (relDir: string, inherited: IgnoreRule[]) => {
    const absDir = relDir ? join(root, relDir) : root;
    let rules = inherited;
    const gi = join(absDir, '.gitignore');
    if (existsSync(gi)) rules = inherited.concat(parseGitignore(safeRead(gi), relDir));
    let names: string[];
    try {
      names = readdirSync(absDir).sort();
    } catch {
      return; // unreadable directory: skipped
    }
    for (const name of names) {
      if ((++count & 255) === 0) throwIfAborted(opts.signal);
      const rel = relDir ? `${relDir}/${name}` : name;
      const abs = join(absDir, name);
      let st;
      try {
        st = lstatSync(abs);
      } catch {
        continue;
      }
      if (st.isSymbolicLink()) continue;
      if (st.isDirectory()) {
        if (ALWAYS_SKIP.has(name) || isVenv(abs) || isIgnored(rules, rel, true)) continue;
        visit(rel, rules);
      } else if (st.isFile()) {
        if (isIgnored(rules, rel, false)) continue;
        if (exts && !exts.some((e) => name.endsWith(e))) continue;
        out.push(rel);
      }
    }
  };
  visit('', baseRules);
  return out.sort();
}

function safeRead(abs: string): string {
  try {
    return readFileSync(abs, 'utf8');
  } catch {
    return '';
  }
}

/** Reads a repo file as UTF-8 through the path guard. */
export function readRepoFile(repo: string, file: string): string {
  const abs = resolveInRepo(repo, file);
  try {
    return readFileSync(abs, 'utf8');
  } catch {
    throw new UserError(`cannot read ${file}`);
  }
}

export interface SearchHit {
  file: string;
  /** 1-based */
  line: number;
  /** 1-based column of the match */
  column: number;
  text: string;
}

export interface SearchOptions {
  /** glob on repo-relative paths: `*.py` (any depth) or `src/**\/*.py` */
  glob?: string;
  /** maximum hits (default 200) */
  limit?: number;
  signal?: AbortSignal;
}

const MAX_SEARCH_BYTES = 2 * 1024 * 1024;

/** Searches file contents line by line: a string is matched literally, a RegExp as given. */
export function searchRepo(repo: string, pattern: RegExp | string, opts: SearchOptions = {}): SearchHit[] {
  const root = repoRoot(repo);
  const limit = opts.limit ?? 200;
  const re =
    typeof pattern === 'string'
      ? new RegExp(escapeRegExp(pattern))
      : new RegExp(pattern.source, pattern.flags.replace(/[gy]/g, ''));
  const keep = opts.glob ? compileGlob(opts.glob) : () => true;
  const hits: SearchHit[] = [];
  for (const file of listFiles(root, { signal: opts.signal })) {
    if (!keep(file)) continue;
    throwIfAborted(opts.signal);
    let buf: Buffer;
    try {
      buf = readFileSync(join(root, file));
    } catch {
      continue;
    }
    if (buf.length > MAX_SEARCH_BYTES || buf.subarray(0, 8192).includes(0)) continue;
    const lines = buf.toString('utf8').split(/\r?\n/);
    for (let i = 0; i < lines.length; i++) {
      const m = re.exec(lines[i]!);
      if (!m) continue;
      hits.push({ file, line: i + 1, column: m.index + 1, text: lines[i]! });
      if (hits.length >= limit) return hits;
    }
  }
  return hits;
}

export interface NumberedLines {
  file: string;
  start: number;
  end: number;
  totalLines: number;
  lines: Array<{ n: number; text: string }>;
  /** the lines as `  n| text`, one per line */
  formatted: string;
}

/** Lines start..end (1-based, inclusive, clamped to the file) with their numbers. */
export function readLines(repo: string, file: string, start = 1, end = Number.MAX_SAFE_INTEGER): NumberedLines {
  if (Number.isNaN(start) || Number.isNaN(end)) throw new UserError('line numbers must be numbers');
  const all = readRepoFile(repo, file).split(/\r?\n/);
  if (all.length > 1 && all[all.length - 1] === '') all.pop();
  const s = Math.max(1, Math.floor(start));
  const e = Math.min(all.length, Math.floor(end));
  const lines: Array<{ n: number; text: string }> = [];
  for (let n = s; n <= e; n++) lines.push({ n, text: all[n - 1]! });
  const width = String(Math.max(e, 1)).length;
  const formatted = lines.map((l) => `${String(l.n).padStart(width)}| ${l.text}`).join('\n');
  return { file, start: s, end: Math.max(s - 1, e), totalLines: all.length, lines, formatted };
}
