// The deterministic judge: is a finding real, and is it safe to fix automatically? Every verdict says why.
// An LLM judge (src/agent) may refine these; it never overrides a "not safe".
import type { Finding } from '../core/findings.js';
import type { JudgeVerdict } from '../core/run.js';
import { indentOf } from './pyedit.js';

export interface JudgeContext {
  lines: string[];
  /** 0-based index of the finding's line */
  index: number;
  /** the profile has GPU activity (kernels or copies) */
  gpu: boolean;
  /** minimum impact (ms/iter) worth a trial */
  minImpactMs?: number | undefined;
}

/** Name assigned on the line, e.g. `lossf = loss.item()` → "lossf". */
function assignedName(line: string): string | null {
  const m = /^\s*([A-Za-z_]\w*)\s*(?::[^=]+)?=(?!=)/.exec(line);
  return m ? m[1]! : null;
}

/** Lines of the enclosing function body (same or deeper indentation than the def's body). */
function functionBody(lines: string[], index: number): [number, number] {
  let start = index;
  const ind = indentOf(lines[index]!).length;
  while (start > 0 && !(/^\s*(async\s+)?def\s/.test(lines[start]!) && indentOf(lines[start]!).length < ind)) start--;
  const defInd = /^\s*(async\s+)?def\s/.test(lines[start]!) ? indentOf(lines[start]!).length : -1;
  let end = index;
  while (end + 1 < lines.length && (lines[end + 1]!.trim() === '' || indentOf(lines[end + 1]!).length > defInd)) end++;
  return [start, end];
}

/** True when `name` is read in a condition (if/while/assert/break-guard) or returned after `index`. */
function drivesControlFlow(lines: string[], index: number, name: string): boolean {
  const [, end] = functionBody(lines, index);
  const use = new RegExp(`\\b${name}\\b`);
  for (let i = index + 1; i <= end; i++) {
    const l = lines[i]!.replace(/#.*$/, '');
    if (!use.test(l)) continue;
    if (/^\s*(if|elif|while|assert)\b/.test(l) || /^\s*return\b/.test(l) || /\bif\b.*\belse\b/.test(l)) return true;
  }
  return false;
}

/** What a comment says when it explains why the code has its current form (a fix would undo a decision). */
const INTENT = /\b(leak(s|ing|ed)?|thread[- ]?saf(e|ety)|not thread|race condition|(do not|don'?t|never) (cache|change|move|reuse|vectori[sz]e|hoist)|on purpose|intentional(ly)?|deliberate(ly)?|determinis(m|tic)|reproducib(le|ility)|avoid(s|ing)? (a |the )?(memory|leak|stale|shared))/i;

/** The comment text of a line (after an unquoted #), or null. */
function commentOf(line: string): string | null {
  let q: string | null = null;
  for (let i = 0; i < line.length; i++) {
    const c = line[i]!;
    if (q) {
      if (c === '\\') i++;
      else if (c === q) q = null;
    } else if (c === '"' || c === "'") q = c;
    else if (c === '#') return line.slice(i + 1).trim();
  }
  return null;
}

const TRIPLE = /("""|''')/;

/**
 * A comment or docstring at the finding's line that explains its current form ("recreate the memmap
 * every batch to avoid a memory leak", "not thread-safe", "do not cache"): the line's own comment, the
 * comment block right above its statement, and the enclosing function's docstring. Returns the quote
 * and its 1-based line.
 */
export function intentComment(lines: readonly string[], index: number): { quote: string; line: number } | null {
  const texts: Array<{ text: string; line: number }> = [];
  const own = commentOf(lines[index] ?? '');
  if (own) texts.push({ text: own, line: index + 1 });
  // the comment block right above the statement (through the headers of blocks that hold it: a comment
  // above `if split == 'train':` speaks for the lines under it); a blank line or other code ends it
  let headerIndent = indentOf(lines[index] ?? '').length;
  for (let i = index - 1; i >= 0; i--) {
    const l = lines[i]!;
    const c = /^\s*#/.test(l) ? commentOf(l) : null;
    if (c !== null) {
      if (c) texts.push({ text: c, line: i + 1 });
      continue;
    }
    if (/:\s*(#.*)?$/.test(l) && indentOf(l).length < headerIndent && !/^\s*(async\s+)?(def|class)\s/.test(l)) {
      headerIndent = indentOf(l).length;
      continue;
    }
    break;
  }
  // the enclosing def's docstring: the first statement under the def line
  const ind = indentOf(lines[index] ?? '').length;
  for (let i = index - 1; i >= 0; i--) {
    const l = lines[i]!;
    if (!/^\s*(async\s+)?def\s/.test(l) || indentOf(l).length >= ind) continue;
    let j = i;
    while (j < lines.length - 1 && !/:\s*(#.*)?$/.test(lines[j]!)) j++; // a signature over several lines
    const first = lines[j + 1] ?? '';
    const q = TRIPLE.exec(first);
    if (q && /^\s*[rRbBuU]?("""|''')/.test(first)) {
      const end = first.split(q[1]!).length > 2 ? j + 1 : lines.findIndex((x, k) => k > j + 1 && x.includes(q[1]!));
      for (let k = j + 1; k <= (end < 0 ? j + 1 : end); k++) texts.push({ text: lines[k]!.replace(/"""|'''/g, '').trim(), line: k + 1 });
    }
    break;
  }
  for (const t of texts) if (INTENT.test(t.text)) return { quote: t.text, line: t.line };
  return null;
}

export function judge(f: Finding, ctx: JudgeContext): JudgeVerdict {
  const line = ctx.lines[ctx.index] ?? '';
  const v = (real: boolean, safe: boolean, reason: string): JudgeVerdict => ({ findingId: f.id, real, safe, reason });
  if (f.confidence < 0.3) return v(false, false, `confidence ${f.confidence.toFixed(2)} is too low to act on`);
  if (ctx.minImpactMs !== undefined && f.impact.msPerIter < ctx.minImpactMs) {
    return v(false, false, `impact ${f.impact.msPerIter.toFixed(3)} ms/iter is below the ${ctx.minImpactMs} ms/iter worth a trial`);
  }
  const intent = intentComment(ctx.lines, ctx.index);
  if (intent) {
    return v(true, false, `the code says why it is written this way (line ${intent.line}: "${intent.quote}"): not patched automatically`);
  }
  if (f.category === 'C3') {
    const near = ctx.lines.slice(Math.max(0, ctx.index - 3), ctx.index + 4).join('\n');
    if (/torch\.cuda\.synchronize/.test(line) && /\b(time\.(time|perf_counter|monotonic)|elapsed_time)\b/.test(near)) {
      return v(false, false, 'the synchronize brackets a timing measurement: it is needed for correct timing, not a bottleneck');
    }
    if (/\.(item|cpu|numpy|tolist)\s*\(/.test(line)) {
      const name = assignedName(line);
      if (name && drivesControlFlow(ctx.lines, ctx.index, name)) {
        return v(true, false, `\`${name}\` drives control flow right after it is read: deferring the sync would change behaviour`);
      }
      if (/^\s*(if|elif|while|assert)\b/.test(line)) return v(true, false, 'the value is read in a condition on this line: the sync is needed');
      if (!ctx.gpu) return v(false, false, 'no GPU in this profile: reading a CPU tensor does not synchronize anything');
    }
  }
  if ((f.category === 'C4' || f.category === 'C2' || f.category === 'C6') && !ctx.gpu) {
    return v(false, false, `no GPU in this profile: ${f.category} costs nothing measurable here`);
  }
  return v(true, true, `${f.impact.msPerIter.toFixed(2)} ms/iter (${f.impact.pctOfIter.toFixed(1)}%) supported by ${f.evidence.filter((e) => e.kind === 'profile').length} profile fact(s)`);
}
