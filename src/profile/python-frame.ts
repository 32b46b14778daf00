// Python frames in every form a profile writes them in, parsed in one place: the Kineto reader (python_function
// names, legacy `Call stack` args), the graph and rank summaries (nsys backtraces), the dashboard's slice details
// (so the webview parses no symbols) and analyze's attribution.
import type { StackFrame } from '../core/profile.js';

export interface PythonFrame {
  file: string;
  line: number;
  function: string;
}

const frame = (file: string, line: string, fn: string): PythonFrame => ({ file, line: Number(line), function: fn.trim() });

const FORMS: ReadonlyArray<[RegExp, (m: RegExpExecArray) => PythonFrame]> = [
  // Kineto python_function / legacy Call stack: "train.py(57): train_step", "<frozen os>(808): getenv" (any file)
  [/^(.+?)\((\d+)\):\s*(.+)$/s, (m) => frame(m[1]!, m[2]!, m[3]!)],
  // nsys backtraces: "train_step (train.py:57)" / "train_step [train.py:57]" (Cython: "f (m.pyx:3)")
  [/^(.+?)\s*[([](.+?\.pyx?):(\d+)[)\]]$/, (m) => frame(m[2]!, m[3]!, m[1]!)],
  // "train.py:57 train_step" / "train.py:57:train_step"
  [/^(.+?\.py):(\d+)(?::|\s+)(.+)$/, (m) => frame(m[1]!, m[2]!, m[3]!)],
  // "train_step@train.py:57"
  [/^(.+?)@(.+?\.py):(\d+)$/, (m) => frame(m[2]!, m[3]!, m[1]!)],
  // tracebacks: 'File "train.py", line 57, in train_step'
  [/^File "(.+?\.py)", line (\d+), in (.+)$/, (m) => frame(m[1]!, m[2]!, m[3]!)],
];

/**
 * The file, line and function of a Python frame's text; null for anything else (native frames,
 * `<built-in method item of Tensor object at 0x7f…>`, `nn.Module: Linear_0`).
 */
export function parsePythonFrame(text: string): PythonFrame | null {
  const t = text.trim();
  if (t.startsWith('<built-in')) return null;
  for (const [re, make] of FORMS) {
    const m = re.exec(t);
    if (m) return make(m);
  }
  return null;
}

/** A stack frame as a Python frame: its own file and line when the reader set them, else its symbol parsed. */
export function pythonFrameOf(f: StackFrame): PythonFrame | null {
  if (f.file !== undefined && f.line !== undefined) return { file: f.file, line: f.line, function: f.symbol };
  return parsePythonFrame(f.symbol);
}
