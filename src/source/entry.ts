// Entry-command detection: candidates from READMEs, shell scripts, Makefiles and `__main__` modules,
// scored by where they come from and by what the script they run contains.
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { HotLoop } from './hotpath.js';
import type { RepoIndex } from './repo-index.js';

export interface EntryCandidate {
  /** argv, run from the repo root (leading VAR=value assignments are dropped, see `env`) */
  command: string[];
  /** `README.md:42`, `scripts/train.sh:3`, `Makefile:train`, `train.py:__main__` */
  source: string;
  /** the repo Python file it runs, when it names one that exists */
  script: string | null;
  env: Record<string, string>;
  score: number;
  reason: string;
}

const LAUNCHER = /^(python(\d(\.\d+)?)?|torchrun|accelerate|deepspeed|uv|poetry)$/;

/** Splits a shell command line into words (quotes and backslashes; stops at |, &&, ;, >, &, #). */
export function shellWords(line: string): string[] {
  const words: string[] = [];
  let cur = '';
  let has = false;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (c === "'" || c === '"') {
      const close = line.indexOf(c, i + 1);
      if (close < 0) return words;
      cur += line.slice(i + 1, close);
      has = true;
      i = close;
    } else if (c === '\\' && i + 1 < line.length) {
      cur += line[++i];
      has = true;
    } else if (/\s/.test(c)) {
      if (has) words.push(cur);
      cur = '';
      has = false;
    } else if (c === '|' || c === ';' || c === '&' || c === '>' || c === '<' || (c === '#' && !has)) {
      if ((c === '>' || c === '<') && /^\d$/.test(cur)) has = false; // `2>&1`: the fd number is no word
      break;
    } else {
      cur += c;
      has = true;
    }
  }
  if (has) words.push(cur);
  return words.filter((w) => !/^\d?>|^2>&1$/.test(w));
}

/** The argv of a launcher command in a line, or null. */
export function parseLaunch(text: string): { argv: string[]; env: Record<string, string> } | null {
  const line = text.replace(/^\s*(\$|>)\s+/, '').trim();
  let words = shellWords(line);
  const env: Record<string, string> = {};
  while (words.length && /^[A-Za-z_][A-Za-z0-9_]*=/.test(words[0]!)) {
    const w = words.shift()!;
    env[w.slice(0, w.indexOf('='))] = w.slice(w.indexOf('=') + 1);
  }
  if (words[0] === 'exec' || words[0] === 'srun' || words[0] === 'nohup' || words[0] === 'time') words = words.slice(1);
  if (!words.length || !LAUNCHER.test(words[0]!)) return null;
  if (words[0] === 'uv' || words[0] === 'poetry') {
    if (words[1] !== 'run') return null;
    words = words.slice(2);
    if (!words.length || !/^(python\S*|torchrun|accelerate|deepspeed)$/.test(words[0]!)) return null;
  }
  if (words[0] === 'accelerate' && words[1] !== 'launch') return null;
  if (/^python/.test(words[0]!) && words.length < 2) return null;
  if (/^python/.test(words[0]!) && words[1] === '-m' && /^(pip|venv|pytest|unittest|http\.server|ensurepip)$/.test(words[2] ?? '')) return null;
  if (/^python/.test(words[0]!) && /^(-c|--version|-V)$/.test(words[1]!)) return null;
  return { argv: words, env };
}

/** The Python file (repo-relative) a command runs, `-m` modules resolved against the repo. */
export function scriptOf(argv: string[], index: RepoIndex): { file: string | null; named: string | null } {
  for (let i = 1; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '-m') {
      const mod = argv[i + 1];
      if (!mod) return { file: null, named: null };
      if (/^torch\.distributed\.(run|launch)$/.test(mod)) {
        i++;
        continue;
      }
      const m = index.resolver.byModule.get(mod) ?? index.resolver.byModule.get(`${mod}.__main__`);
      return { file: m?.file ?? null, named: mod };
    }
    if (/\.py$/.test(a)) {
      const f = a.replace(/^\.\//, '');
      return { file: index.byFile.has(f) ? f : null, named: a };
    }
  }
  return { file: null, named: null };
}

function fencedBlocks(text: string): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  const lines = text.split(/\r?\n/);
  let inFence = false;
  for (let i = 0; i < lines.length; i++) {
    const l = lines[i]!;
    if (/^\s*(```|~~~)/.test(l)) {
      inFence = !inFence;
      continue;
    }
    if (inFence || /^\s*\$\s+\S/.test(l) || /^( {4}|\t)\S/.test(l)) out.push({ line: i + 1, text: l });
  }
  return out;
}

/** Joins backslash-continued lines. */
function logicalLines(lines: Array<{ line: number; text: string }>): Array<{ line: number; text: string }> {
  const out: Array<{ line: number; text: string }> = [];
  for (let i = 0; i < lines.length; i++) {
    let { text } = lines[i]!;
    const start = lines[i]!.line;
    while (/\\\s*$/.test(text) && i + 1 < lines.length && lines[i + 1]!.line === lines[i]!.line + 1) {
      text = text.replace(/\\\s*$/, ' ') + lines[++i]!.text.trim();
    }
    out.push({ line: start, text });
  }
  return out;
}

/** A command line found somewhere in the repo, before it is scored. */
interface Mention {
  argv: string[];
  env: Record<string, string>;
  /** `README.md:42`, `Makefile:train` … */
  source: string;
  /** how much the place it was found in counts */
  weight: number;
  /** what kind of place that is, for the reason */
  kind: string;
}

const numbered = (text: string) => text.split(/\r?\n/).map((t, i) => ({ line: i + 1, text: t }));

/** The launch commands a README, shell script, launch.json, Dockerfile or Makefile mentions; [] for other files. */
function mentionsIn(f: string, read: (f: string) => string): Mention[] {
  const base = f.split('/').pop()!;
  const depth = f.split('/').length - 1;
  if (/^readme(\.(md|markdown|rst|txt))?$/i.test(base) && depth <= 1) {
    const text = read(f);
    return lineMentions(f, /\.(md|markdown)$/i.test(base) ? fencedBlocks(text) : numbered(text), depth === 0 ? 3 : 2, 'README');
  }
  if (/\.(sh|bash|slurm|sbatch)$/.test(base)) return lineMentions(f, numbered(read(f)), 2.5, 'script');
  if (f === '.vscode/launch.json') {
    return launchConfigs(read(f)).map((c) => ({ ...c, source: `${f}:${c.name}`, weight: 2.5, kind: `VS Code launch configuration "${c.name}"` }));
  }
  if (/^Dockerfile(\..+)?$/.test(base)) return dockerfileMentions(f, read(f));
  if (base === 'Makefile' || base === 'makefile' || base === 'GNUmakefile') return makefileMentions(f, read(f));
  return [];
}

/** Launch commands on the (backslash-continued) lines of a README's code blocks or a shell script. */
function lineMentions(f: string, lines: Array<{ line: number; text: string }>, weight: number, kind: string): Mention[] {
  const out: Mention[] = [];
  for (const l of logicalLines(lines)) {
    const p = parseLaunch(l.text);
    if (p) out.push({ ...p, source: `${f}:${l.line}`, weight, kind });
  }
  return out;
}

/** CMD and ENTRYPOINT lines, in exec (JSON array) or shell form. */
function dockerfileMentions(f: string, text: string): Mention[] {
  const out: Mention[] = [];
  text.split(/\r?\n/).forEach((t, i) => {
    const m = /^\s*(CMD|ENTRYPOINT)\s+(.*)$/.exec(t);
    if (!m) return;
    let line = m[2]!;
    try {
      const arr = JSON.parse(line);
      if (Array.isArray(arr)) line = arr.map((w) => (/\s/.test(String(w)) ? `'${w}'` : String(w))).join(' ');
    } catch {
      // shell form
    }
    const p = parseLaunch(line);
    if (p) out.push({ ...p, source: `${f}:${i + 1}`, weight: 1.5, kind: 'Dockerfile' });
  });
  return out;
}

/** The recipe lines of each target ($(PYTHON) read as python). */
function makefileMentions(f: string, text: string): Mention[] {
  const out: Mention[] = [];
  let target = '';
  for (const t of text.split(/\r?\n/)) {
    const tm = /^([A-Za-z0-9_.-]+)\s*:(?!=)/.exec(t);
    if (tm) target = tm[1]!;
    else if (/^\t/.test(t) && target) {
      const p = parseLaunch(t.replace(/^\t[@-]*/, '').replace(/\$\(PYTHON\)/g, 'python'));
      if (p) out.push({ ...p, source: `${f}:${target}`, weight: 2, kind: `Makefile target ${target}` });
    }
  }
  return out;
}

/**
 * Modules that are entries by themselves: a `__main__` block, a package's `__main__.py`, and a script whose
 * top-level code runs a loop with no `__main__` guard (unless a mention already runs that script).
 */
function moduleEntries(index: RepoIndex, loops: HotLoop[], mentioned: Mention[]): Mention[] {
  const out: Mention[] = [];
  for (const pm of index.modules) {
    const m = pm.symbols;
    if (m.mainBlock) out.push({ argv: ['python', m.file], env: {}, source: `${m.file}:${m.mainBlock.line}`, weight: 1, kind: '__main__ block' });
    else if (m.file.endsWith('__main__.py')) {
      const pkg = m.module.replace(/\.__main__$/, '');
      out.push({ argv: ['python', '-m', pkg], env: {}, source: `${m.file}:1`, weight: 1, kind: 'package __main__' });
    }
  }
  const scripts = new Set([...mentioned, ...out].map((r) => r.source.split(':')[0]));
  for (const l of loops) {
    if (l.function !== '<module>' || l.kind === 'data' || scripts.has(l.file)) continue;
    scripts.add(l.file);
    out.push({ argv: ['python', l.file], env: {}, source: `${l.file}:${l.line}`, weight: 1, kind: 'top-level loop' });
  }
  return out;
}

/**
 * A mention's score and reasons: its place's weight, raised when the script it runs reaches a training (or
 * inference) loop, lowered when it names no Python file of the repo, for a multi-node launch, or for a script whose
 * name says it prepares, converts or tests rather than trains.
 */
function scoreMention(c: Mention, script: { file: string | null; named: string | null }, loopsOf: (file: string) => HotLoop[]): { score: number; why: string[] } {
  const { file, named } = script;
  let score = c.weight;
  const why: string[] = [`${c.kind} ${c.source}`];
  if (file) {
    const ls = loopsOf(file);
    const train = ls.find((l) => l.kind === 'train');
    const inf = ls.find((l) => l.kind === 'inference');
    if (train) {
      score += 4;
      why.push(`runs the training loop at ${train.file}:${train.line}`);
    } else if (inf) {
      score += 2;
      why.push(`runs the inference loop at ${inf.file}:${inf.line}`);
    } else if (ls.length) score += 0.5;
    else why.push(`${file} runs no training or inference loop found statically`);
  } else if (named) {
    score -= 4;
    why.push(`${named} is not a Python file of this repo`);
  } else score -= 2;
  // a command that runs on one machine as written beats a multi-node launch
  if (c.argv.some((w) => /^--(master_addr|node_rank|hostfile)\b/.test(w) || /^--nnodes=([2-9]|\d\d)/.test(w))) {
    score -= 1.5;
    why.push('multi-node launch');
  } else if (/^python/.test(c.argv[0]!)) score += 0.3;
  const name = (named ?? '').split('/').pop() ?? '';
  if (/train|finetune|pretrain|main|run|bench/i.test(name)) score += 1;
  if (/prepare|download|setup|install|convert|export|plot|lint|format|^test_|_test\.py$|conftest/i.test(name)) score -= 1.5;
  return { score, why };
}

/** The repo's candidate entry commands, best first; a command mentioned again gains a little instead of repeating. */
export function entryCandidates(index: RepoIndex, files: string[], loops: HotLoop[]): EntryCandidate[] {
  const read = (f: string) => {
    try {
      return readFileSync(join(index.root, f), 'utf8');
    } catch {
      return '';
    }
  };
  const mentioned = files.flatMap((f) => mentionsIn(f, read));
  const raw = [...mentioned, ...moduleEntries(index, loops, mentioned)];
  const loopFiles = new Map<string, HotLoop[]>();
  /** the loops a script runs: its own and those its top-level code reaches */
  const loopsOf = (file: string): HotLoop[] => {
    let r = loopFiles.get(file);
    if (r) return r;
    const reach = new Set(index.graph.reachableFrom([`${file}:<module>`]));
    r = loops.filter((l) => l.file === file || reach.has(`${l.file}:${l.function}`));
    loopFiles.set(file, r);
    return r;
  };
  const byCommand = new Map<string, EntryCandidate>();
  for (const c of raw) {
    const key = c.argv.join('\u0000');
    const prev = byCommand.get(key);
    if (prev) {
      prev.score += 0.5;
      continue;
    }
    const script = scriptOf(c.argv, index);
    const { score, why } = scoreMention(c, script, loopsOf);
    byCommand.set(key, { command: c.argv, source: c.source, script: script.file, env: c.env, score, reason: why.join('; ') });
  }
  // ties: the first mention wins (READMEs show the quick start first)
  return [...byCommand.values()].sort((a, b) => b.score - a.score);
}

/** Python launch configurations of a VS Code launch.json (comments and trailing commas tolerated). */
export function launchConfigs(text: string): Array<{ name: string; argv: string[]; env: Record<string, string> }> {
  let data: unknown;
  try {
    data = JSON.parse(text.replace(/^\s*\/\/.*$/gm, '').replace(/,(\s*[}\]])/g, '$1'));
  } catch {
    return [];
  }
  const out: Array<{ name: string; argv: string[]; env: Record<string, string> }> = [];
  const configs = (data as { configurations?: unknown[] })?.configurations;
  for (const c of Array.isArray(configs) ? configs : []) {
    const o = c as { type?: string; name?: string; program?: string; module?: string; args?: unknown; env?: Record<string, unknown> };
    if (o.type !== 'python' && o.type !== 'debugpy') continue;
    const clean = (v: string) => v.replace(/^\$\{workspaceFolder\}\/?/, '').replace(/^\.\//, '');
    const args = Array.isArray(o.args) ? o.args.map(String) : typeof o.args === 'string' ? shellWords(o.args) : [];
    let argv: string[] | null = null;
    if (o.module) argv = ['python', '-m', o.module, ...args];
    else if (o.program && !o.program.includes('${file}')) argv = ['python', clean(o.program), ...args];
    if (!argv || argv.some((a) => a.includes('${'))) continue;
    const env: Record<string, string> = {};
    for (const [k, v] of Object.entries(o.env ?? {})) env[k] = String(v);
    out.push({ name: o.name ?? 'python', argv, env });
  }
  return out;
}
