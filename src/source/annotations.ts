// NVTX ranges and profiler record_function scopes written in the code: the names a profile's NVTX /
// user-annotation rows carry, mapped to the function and lines they cover.
import type { RepoIndex } from './repo-index.js';
import { canonicalName, importAliases } from './symbols.js';

export interface Annotation {
  /** the range name as written (an f-string keeps its literal prefix and `{…}` placeholders) */
  name: string;
  kind: 'nvtx' | 'record_function';
  /** how it is opened: a push/pop pair, a `with` block, or a decorator on a function */
  form: 'push' | 'with' | 'decorator';
  file: string;
  function: string;
  line: number;
  endLine: number;
}

const NVTX_PUSH = /^(torch\.cuda\.nvtx\.range_push|nvtx\.push_range|nvtx\.range_push)$/;
const NVTX_POP = /^(torch\.cuda\.nvtx\.range_pop|nvtx\.pop_range|nvtx\.range_pop)$/;
const SCOPED = /^(torch\.cuda\.nvtx\.range|nvtx\.annotate|torch\.profiler\.record_function|torch\.autograd\.profiler\.record_function|record_function)$/;

/** A string literal's content (f-strings as written, without the prefix); null for anything else. */
function literal(text: string | undefined): string | null {
  if (!text) return null;
  const m = /^[rRbBuUfF]{0,2}("""|'''|"|')([\s\S]*)\1$/.exec(text.trim());
  return m ? m[2]! : null;
}

function keyword(text: string | undefined): string | null {
  return text === undefined ? null : literal(text);
}

export function findAnnotations(index: RepoIndex): Annotation[] {
  const out: Annotation[] = [];
  for (const pm of index.modules) {
    const m = pm.symbols;
    const aliases = importAliases(m);
    const canon = (e: string) => canonicalName(aliases, e);
    for (const c of m.calls) {
      const callee = canon(c.callee);
      const kind: Annotation['kind'] = /record_function$/.test(callee) ? 'record_function' : 'nvtx';
      if (NVTX_PUSH.test(callee)) {
        const name = literal(c.args[0]) ?? keyword(c.keywords['message'] ?? c.keywords['msg']);
        if (name === null) continue;
        const pop = m.calls.find((p) => p.function === c.function && p.line > c.line && NVTX_POP.test(canon(p.callee)));
        const fn = m.functions.find((f) => f.qualname === c.function);
        out.push({ name, kind, form: 'push', file: m.file, function: c.function, line: c.line, endLine: pop?.line ?? fn?.endLine ?? c.line });
      } else if (SCOPED.test(callee)) {
        const w = m.withs.find((x) => x.line <= c.line && x.function === c.function && x.items.some((it) => it.includes(c.callee)) && c.line <= x.line + 2);
        if (!w) continue; // a decorator (below) or a range object kept for later: not a scope we can place
        const name = literal(c.args[0]) ?? keyword(c.keywords['message'] ?? c.keywords['name']);
        if (name === null) continue;
        out.push({ name, kind, form: 'with', file: m.file, function: c.function, line: w.line, endLine: w.endLine });
      }
    }
    for (const f of m.functions) {
      for (const d of f.decorators) {
        const call = /^([\w.]+)\s*(\((.*)\))?$/s.exec(d);
        if (!call || !SCOPED.test(canon(call[1]!))) continue;
        const first = call[3]?.split(',')[0]?.trim();
        const message = /\b(message|name)\s*=\s*([^,]+)/.exec(call[3] ?? '')?.[2];
        const named = first && !first.includes('=') ? literal(first) : literal(message);
        out.push({
          name: named ?? f.name, kind: /record_function$/.test(canon(call[1]!)) ? 'record_function' : 'nvtx', form: 'decorator',
          file: m.file, function: f.qualname, line: f.line, endLine: f.endLine,
        });
      }
    }
  }
  return out.sort((a, b) => a.file.localeCompare(b.file) || a.line - b.line);
}
