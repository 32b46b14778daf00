// Call graph over the repo's Python functions. Each call site is resolved with the Resolver:
//   f()                 → a function of this module, a nested def, or an imported one (from x import f)
//   mod.f(), pkg.mod.f() → the function in the repo module the alias names
//   self.m(), super().m() → the method through the repo part of the class hierarchy
//   C(...)              → C.__init__ (found through repo bases)
//   x(...) where x = C(...) (local, module-level, `self.x = C(...)`, through torch.compile/DDP/.to())
//                       → C.forward when C is an nn.Module subclass, else C.__call__
//   x.m() with x typed as above → C.m
//   model(...) / model.m() with nothing known about `model` (a parameter, say): when the name looks like
//     a model (MODEL_NAME_RE) → forward / m of the root nn.Module classes (not built inside another one);
//     such edges are marked via 'heuristic'.
// Anything else (library calls, dynamic dispatch, getattr, callbacks in containers) stays unresolved.
import type { CallSym, ModuleSymbols } from './symbols.js';
import { MODULE_SCOPE } from './symbols.js';
import { MODEL_NAME_RE, Resolver, type Value } from './resolve.js';

export interface CallEdge {
  /** caller id `file:qualname` (`file:<module>` for top-level code) */
  from: string;
  /** callee function id */
  to: string;
  file: string;
  line: number;
  callee: string;
  via: 'direct' | 'instance' | 'heuristic';
}

const NOT_USER_METHODS = new Set([
  'to', 'cuda', 'cpu', 'train', 'eval', 'parameters', 'named_parameters', 'state_dict', 'load_state_dict', 'zero_grad',
  'modules', 'children', 'apply', 'half', 'float', 'register_buffer', 'requires_grad_', 'named_modules', 'buffers',
]);

export class CallGraph {
  readonly edges: CallEdge[] = [];
  private out = new Map<string, CallEdge[]>();
  private in = new Map<string, CallEdge[]>();
  private sites = new Map<string, CallEdge[]>();
  /** every function id plus one `file:<module>` per module */
  readonly nodes = new Set<string>();

  constructor(readonly resolver: Resolver) {
    for (const m of resolver.modules) {
      this.nodes.add(`${m.file}:${MODULE_SCOPE}`);
      for (const f of m.functions) this.nodes.add(f.id);
      for (const c of m.calls) {
        for (const e of this.resolveCall(m, c)) this.add(e, c);
      }
    }
  }

  private add(e: CallEdge, c: CallSym): void {
    this.edges.push(e);
    push(this.out, e.from, e);
    push(this.in, e.to, e);
    push(this.sites, siteKey(e.file, c.line, c.column), e);
  }

  /** Targets of one call site. */
  resolveCall(m: ModuleSymbols, c: CallSym): CallEdge[] {
    const r = this.resolver;
    const from = `${m.file}:${c.function}`;
    const mk = (to: string, via: CallEdge['via']): CallEdge => ({ from, to, file: m.file, line: c.line, callee: c.callee, via });
    const values = r.resolveAll(m, c.function, c.callee, c.line);
    const edges = values.flatMap((v) => this.edgesFor(v, mk));
    if (edges.length || values.length) return edges;
    // nothing known: no binding, or a parameter
    // heuristics for values the code does not type: `model(x)`, `self.model(x)`, `model.generate(...)`
    const parts = c.callee.split('.');
    if (!parts.every((p) => /^[A-Za-z_][A-Za-z0-9_]*$/.test(p))) return [];
    const last = parts[parts.length - 1]!;
    if (MODEL_NAME_RE.test(last)) {
      return r.rootModelClasses().map((id) => r.classMember(id, 'forward', false)).filter((x): x is string => !!x).map((id) => mk(id, 'heuristic'));
    }
    const recv = parts[parts.length - 2];
    if (recv && MODEL_NAME_RE.test(recv) && !NOT_USER_METHODS.has(last)) {
      return r.rootModelClasses().map((id) => r.classMember(id, last, false)).filter((x): x is string => !!x).map((id) => mk(id, 'heuristic'));
    }
    return [];
  }

  private edgesFor(v: Value, mk: (to: string, via: CallEdge['via']) => CallEdge): CallEdge[] {
    const r = this.resolver;
    if (v.kind === 'function') return [mk(v.id, 'direct')];
    if (v.kind === 'class') {
      const init = r.classMember(v.id, '__init__', false);
      return init ? [mk(init, 'direct')] : [];
    }
    if (v.kind === 'instance') {
      const target = r.isModuleClass(v.classId) ? r.classMember(v.classId, 'forward', false) : null;
      const call = target ?? r.classMember(v.classId, '__call__', false);
      return call ? [mk(call, v.via === 'heuristic' ? 'heuristic' : 'instance')] : [];
    }
    return []; // a module, a package, or code outside the repo (`nn.Linear`, `np.load`)
  }

  /** Function ids a symbol names: an id (`file:qualname`), a qualname (`GPT.forward`) or a bare name. */
  find(symbol: string): string[] {
    if (this.nodes.has(symbol)) return [symbol];
    const byQual = [...this.nodes].filter((id) => id.slice(id.lastIndexOf(':') + 1) === symbol);
    if (byQual.length) return byQual;
    return [...this.nodes].filter((id) => id.slice(id.lastIndexOf(':') + 1).split('.').pop() === symbol);
  }

  callers(symbol: string): CallEdge[] {
    return this.find(symbol).flatMap((id) => this.in.get(id) ?? []);
  }

  callees(symbol: string): CallEdge[] {
    return this.find(symbol).flatMap((id) => this.out.get(id) ?? []);
  }

  /** Edges leaving one call site (file, 1-based line and column of the call expression). */
  targetsAt(file: string, line: number, column: number): CallEdge[] {
    return this.sites.get(siteKey(file, line, column)) ?? [];
  }

  /** Every function reachable from the given symbols (themselves included), through resolved calls. */
  reachableFrom(symbols: string[]): string[] {
    const seen = new Set<string>();
    const stack = symbols.flatMap((s) => this.find(s));
    while (stack.length) {
      const id = stack.pop()!;
      if (seen.has(id)) continue;
      seen.add(id);
      for (const e of this.out.get(id) ?? []) if (!seen.has(e.to)) stack.push(e.to);
    }
    return [...seen].sort();
  }
}

function siteKey(file: string, line: number, column: number): string {
  return `${file}:${line}:${column}`;
}

function push<K, V>(m: Map<K, V[]>, k: K, v: V): void {
  const a = m.get(k);
  if (a) a.push(v);
  else m.set(k, [v]);
}
