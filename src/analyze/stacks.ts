// The innermost frame of a stack that is the repo's own code.
import { type PythonFrame, parsePythonFrame } from '../profile/python-frame.js';
import { matchRepoPath } from '../source/locate.js';

/** Innermost frame (frames innermost first) that lies in the repo, or null. */
export function innermostRepoFrame(frames: readonly string[], repoFiles: readonly string[]): (PythonFrame & { repoFile: string; depth: number }) | null {
  for (let i = 0; i < frames.length; i++) {
    const pf = parsePythonFrame(frames[i]!);
    if (!pf) continue;
    const rf = matchRepoPath(repoFiles, pf.file);
    if (rf) return { ...pf, repoFile: rf, depth: i };
  }
  return null;
}
