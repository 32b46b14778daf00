// A Python source site from a callchain: the innermost frame that is the program's own code, not the
// framework's (torch, triton, Inductor's generated modules, FX `<eval_with_key>` code, the interpreter's
// library). Frames come innermost first, from Kineto python_function stacks (file/line set) or nsys
// CUDA_CALLCHAINS (`train_step (train.py:57)` symbols).
import type { StackFrame } from '../../core/profile.js';
import { type PythonFrame, pythonFrameOf } from '../python-frame.js';

export type Site = PythonFrame;

/** Files that belong to the frameworks a graph or compiled region runs through, never the user's line. */
const LIBRARY = [
  /(^|\/)torch\//, /(^|\/)triton\//, /(^|\/)triton_kernels\//, /(^|\/)functorch\//, /torchinductor_/, /(^|\/)site-packages\/(torch|triton)\//,
  /\/lib\/python\d[\d.]*\/(?!site-packages|dist-packages)/, /^<.*>/,
  // standard-library modules that traces write without a directory
  /^(contextlib|functools|threading|runpy|abc|typing|copy|inspect|weakref|enum|dataclasses|selectors|queue|socket|ssl)\.py$/,
  /^(asyncio|concurrent|collections|importlib|multiprocessing|logging|json|unittest)\//,
];

export function isLibraryFile(file: string): boolean {
  return LIBRARY.some((re) => re.test(file));
}

/** The innermost user-code site of a stack (frames innermost first), else the innermost Python site, else null. */
export function siteOf(frames: readonly StackFrame[] | undefined): Site | null {
  if (!frames) return null;
  let anyPython: Site | null = null;
  for (const f of frames) {
    const s = pythonFrameOf(f);
    if (!s || !s.file.endsWith('.py')) continue;
    anyPython ??= s;
    if (!isLibraryFile(s.file)) return s;
  }
  return anyPython;
}

export function siteKey(s: Site | null): string {
  return s ? `${s.file}:${s.line} ${s.function}` : '';
}

export function formatSite(s: Site | null): string {
  return s ? `${s.file}:${s.line} ${s.function}` : '—';
}
