// From profile facts (a frame's file/line/symbol) to repo locations: the helpers the detectors use to
// turn a Python stack frame or a callchain into file:function:line.
import type { StackFrame } from '../core/profile.js';
import type { RepoIndex } from './repo-index.js';
import { MODULE_SCOPE } from './symbols.js';

const LIBRARY_PATH = /(^|\/)(site-packages|dist-packages|lib\/python\d[\d.]*|\.venv|venv|conda|node_modules)\//;

/**
 * The repo file a path from a profile names: exact repo-relative match, else the repo file that is the
 * longest path suffix of it (`/home/u/proj/src/train.py` → `src/train.py`). Installed-library paths
 * (site-packages, lib/pythonX.Y) never match. Null when nothing matches.
 */
export function matchRepoPath(files: Iterable<string>, path: string): string | null {
  const p = path.replace(/\\/g, '/').replace(/^\.\//, '');
  let best: string | null = null;
  for (const f of files) {
    if (f === p) return f;
    if (LIBRARY_PATH.test(p)) continue;
    if (p.endsWith(`/${f}`) && (!best || f.length > best.length)) best = f;
  }
  return best;
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
