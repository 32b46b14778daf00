// Python frames from the forms profiles write them in, and their mapping onto repo files.

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

/**
 * The repo file a profile path refers to: exact repo-relative match first, else the longest
 * path-suffix match (profiles record absolute paths of the machine that ran the code). Null when
 * nothing in the repo ends with the file's name.
 */
export function matchRepoFile(repoFiles: readonly string[], path: string): string | null {
  const norm = path.replace(/\\/g, '/').replace(/^\.\//, '');
  if (repoFiles.includes(norm)) return norm;
  // installed libraries are never the user's code, whatever their file names
  if (/\/(site-packages|dist-packages)\/|\/lib\/python\d/.test(norm)) return null;
  const parts = norm.split('/');
  let best: string | null = null;
  let bestLen = 0;
  for (const f of repoFiles) {
    const fp = f.split('/');
    let k = 0;
    while (k < fp.length && k < parts.length && fp[fp.length - 1 - k] === parts[parts.length - 1 - k]) k++;
    if (k > bestLen || (k === bestLen && best !== null && k > 0 && f.length < best.length)) {
      best = k > 0 ? f : best;
      bestLen = k;
    }
  }
  return bestLen > 0 ? best : null;
}

/** Innermost frame (frames innermost first) that lies in the repo, or null. */
export function innermostRepoFrame(frames: readonly string[], repoFiles: readonly string[]): (PyFrame & { repoFile: string; depth: number }) | null {
  for (let i = 0; i < frames.length; i++) {
    const pf = parsePythonFrame(frames[i]!);
    if (!pf) continue;
    const rf = matchRepoFile(repoFiles, pf.file);
    if (rf) return { ...pf, repoFile: rf, depth: i };
  }
  return null;
}
