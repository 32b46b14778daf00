// Python frames from the forms profiles write them in, and their mapping onto repo files.
import { matchRepoPath } from '../source/locate.js';

export interface PyFrame {
  file: string;
  line: number;
  func: string;
}

const FORMS: Array<[RegExp, (m: RegExpExecArray) => PyFrame]> = [
  // Kineto python_function: "train.py(57): train_step", "/a/b/train.py(57): <module>"
  [/^(.+?\.py)\((\d+)\):\s*(.+)$/, (m) => ({ file: m[1]!, line: +m[2]!, func: m[3]!.trim() })],
  // "train_step (train.py:57)" / "train_step [train.py:57]"
  [/^(.+?)\s*[([](.+?\.py):(\d+)[)\]]$/, (m) => ({ file: m[2]!, line: +m[3]!, func: m[1]!.trim() })],
  // "train.py:57 train_step" / "train.py:57:train_step"
  [/^(.+?\.py):(\d+)(?::|\s+)(.+)$/, (m) => ({ file: m[1]!, line: +m[2]!, func: m[3]!.trim() })],
  // "train_step@train.py:57"
  [/^(.+?)@(.+?\.py):(\d+)$/, (m) => ({ file: m[2]!, line: +m[3]!, func: m[1]!.trim() })],
  // "File "train.py", line 57, in train_step"
  [/^File "(.+?\.py)", line (\d+), in (.+)$/, (m) => ({ file: m[1]!, line: +m[2]!, func: m[3]!.trim() })],
];

export function parsePythonFrame(s: string): PyFrame | null {
  const t = s.trim();
  for (const [re, make] of FORMS) {
    const m = re.exec(t);
    if (m) return make(m);
  }
  return null;
}

/** Innermost frame (frames innermost first) that lies in the repo, or null. */
export function innermostRepoFrame(frames: readonly string[], repoFiles: readonly string[]): (PyFrame & { repoFile: string; depth: number }) | null {
  for (let i = 0; i < frames.length; i++) {
    const pf = parsePythonFrame(frames[i]!);
    if (!pf) continue;
    const rf = matchRepoPath(repoFiles, pf.file);
    if (rf) return { ...pf, repoFile: rf, depth: i };
  }
  return null;
}
