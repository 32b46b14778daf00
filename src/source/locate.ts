// From profile facts (a frame's file/line/symbol) to repo locations: the helpers the detectors use to
// turn a Python stack frame or a callchain into file:function:line.
import type { StackFrame } from '../core/profile.js';
import type { RepoIndex } from './repo-index.js';
import { MODULE_SCOPE } from './symbols.js';

/** Installed code (pip/apt packages, the interpreter's standard library) is never the user's, whatever its file names. */
const LIBRARY_PATH = /(^|\/)(site-packages|dist-packages|lib\/python\d[\d.]*)\//i;
/** A path written on Windows (`C:\\…` or any backslash): its file system ignores case, so matching does too. */
const WINDOWS_PATH = /^[A-Za-z]:|\\/;

/**
 * The repo file a path from a profile names (profiles record absolute paths of the machine that ran the
 * code, POSIX or Windows). In order:
 * - an exact repo-relative match (`./` and `\\` normalized) wins, whatever the path looks like;
 * - installed-library paths (site-packages, dist-packages, lib/pythonX.Y) never match;
 * - otherwise the repo file sharing the most trailing path components with it, at least its file name
 *   (`/home/u/proj/src/train.py` → `src/train.py`; `/app/train.py` → `services/trainer/train.py`, a
 *   container that copied one folder of the repo); at equal counts a repo file matched whole beats one
 *   matched only in part, and two partial matches are ambiguous: null, never a guess.
 * Components compare case-sensitively, except for Windows paths. Null when nothing matches.
 */
export function matchRepoPath(files: Iterable<string>, path: string): string | null {
  const fold = WINDOWS_PATH.test(path) ? (s: string) => s.toLowerCase() : (s: string) => s;
  const parts = fold(path.replace(/\\/g, '/').replace(/^(\.\/)+/, '')).split('/').filter((c) => c.length > 0);
  const name = parts[parts.length - 1];
  if (name === undefined) return null;
  const exact = parts.join('/');
  const library = LIBRARY_PATH.test(exact);
  let best: string | null = null;
  let bestCount = 0;
  let bestWhole = false;
  let ambiguous = false;
  for (const file of files) {
    const f = fold(file);
    if (f === exact) return file;
    if (library || (f !== name && !f.endsWith(`/${name}`))) continue;
    const fp = f.split('/');
    let k = 0;
    while (k < fp.length && k < parts.length && fp[fp.length - 1 - k] === parts[parts.length - 1 - k]) k++;
    const whole = k === fp.length;
    if (k > bestCount || (k === bestCount && whole && !bestWhole)) {
      best = file;
      bestCount = k;
      bestWhole = whole;
      ambiguous = false;
    } else if (k === bestCount && !whole && !bestWhole) ambiguous = true;
  }
  return ambiguous ? null : best;
}

/** The innermost function (qualname) whose `def … end` contains the line; `<module>` outside any. */
export function functionAt(index: RepoIndex, file: string, line: number): string {
  const m = index.byFile.get(file);
  if (!m) return MODULE_SCOPE;
  let best: { qualname: string; span: number } | null = null;
  for (const f of m.symbols.functions) {
    if (line < f.line || line > f.endLine) continue;
    const span = f.endLine - f.line;
    if (!best || span < best.span) best = { qualname: f.qualname, span };
  }
  return best?.qualname ?? MODULE_SCOPE;
}

export interface RepoLocation {
  file: string;
  function: string;
  /** the frame's line, or the function's `def` line when the frame has none */
  line: number;
}

/**
 * A profile stack frame as a repo location: by file (+ line) when the frame has them, else by a
 * symbol that names exactly one repo function (`get_batch`, `GPT.forward`). Null for library frames.
 */
export function locateFrame(index: RepoIndex, frame: Pick<StackFrame, 'symbol' | 'file' | 'line'>): RepoLocation | null {
  if (frame.file) {
    const file = matchRepoPath(index.byFile.keys(), frame.file);
    if (!file) return null;
    if (frame.line && frame.line > 0) return { file, function: functionAt(index, file, frame.line), line: frame.line };
    const f = index.byFile.get(file)!.symbols.functions.find((x) => x.qualname === frame.symbol || x.name === frame.symbol);
    return f ? { file, function: f.qualname, line: f.line } : { file, function: MODULE_SCOPE, line: 1 };
  }
  const name = frame.symbol.replace(/\s*\(.*\)$/, '').trim();
  const ids = index.graph.find(name).filter((id) => !id.endsWith(`:${MODULE_SCOPE}`));
  if (ids.length !== 1) return null;
  const f = index.resolver.functions.get(ids[0]!);
  return f ? { file: f.file, function: f.qualname, line: f.line } : null;
}
