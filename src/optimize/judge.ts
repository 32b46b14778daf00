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

export function judge(f: Finding, ctx: JudgeContext): JudgeVerdict {
  const line = ctx.lines[ctx.index] ?? '';
  const v = (real: boolean, safe: boolean, reason: string): JudgeVerdict => ({ findingId: f.id, real, safe, reason });
  if (f.confidence < 0.3) return v(false, false, `confidence ${f.confidence.toFixed(2)} is too low to act on`);
  if (ctx.minImpactMs !== undefined && f.impact.msPerIter < ctx.minImpactMs) {
    return v(false, false, `impact ${f.impact.msPerIter.toFixed(3)} ms/iter is below the ${ctx.minImpactMs} ms/iter worth a trial`);
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
