// Static name resolution over the repo's modules: what an expression such as `self.attn`, `np.load`,
// `model` or `utils.get_batch` denotes, as far as the code alone can tell.
import type { ClassSym, FunctionSym, ModuleSymbols } from './symbols.js';
import { MODULE_SCOPE } from './symbols.js';

export type Value =
  | { kind: 'function'; id: string }
  | { kind: 'class'; id: string }
  | { kind: 'instance'; classId: string; via: 'assigned' | 'heuristic' }
  | { kind: 'module'; file: string }
  /** a dotted package prefix with no module file of its own (`import a.b` binds `a`) */
  | { kind: 'package'; name: string; fromFile: string }
  /** something from outside the repo (`nn.Linear`, `np`): known not to be repo code */
  | { kind: 'external'; name: string };

/** Variable names taken to hold the model when nothing else tells (see reachability notes). */
export const MODEL_NAME_RE = /^(model|raw_model|unwrapped_model|ddp_model|net|network|module|encoder|decoder|backbone|policy|generator|discriminator|critic|actor|teacher|student)$|_model$|^model_/i;

const WRAPPERS = /(^|\.)(compile|DistributedDataParallel|DDP|DataParallel|FSDP|FullyShardedDataParallel|script|trace|to|cuda|half|float|bfloat16|train|eval|requires_grad_|to_empty)$/;
const MAX_DEPTH = 40;
const IDENT_PATH = /^[A-Za-z_][A-Za-z0-9_]*(\.[A-Za-z_][A-Za-z0-9_]*)*$/;

export class Resolver {
  readonly byFile = new Map<string, ModuleSymbols>();
  readonly byModule = new Map<string, ModuleSymbols>();
  readonly functions = new Map<string, FunctionSym>();
  readonly classes = new Map<string, ClassSym>();
  private moduleClassMemo = new Map<string, boolean>();
  private datasetMemo = new Map<string, boolean>();
  private rootModelsMemo: string[] | null = null;
  private exprMemo = new Map<string, Value | null>();
  private moduleMemo = new Map<string, ModuleSymbols | null>();

  constructor(readonly modules: ModuleSymbols[]) {
    for (const m of modules) {
      this.byFile.set(m.file, m);
      if (!this.byModule.has(m.module)) this.byModule.set(m.module, m);
      for (const f of m.functions) this.functions.set(f.id, f);
      for (const c of m.classes) this.classes.set(c.id, c);
    }
  }

  /** The repo module a dotted name refers to from `fromFile` (absolute, src-layout suffix, or relative). */
  resolveModule(fromFile: string, name: string, level = 0): ModuleSymbols | null {
    const dir = fromFile.slice(0, Math.max(0, fromFile.lastIndexOf('/')));
    const key = `${dir}|${name}|${level}`;
    let hit = this.moduleMemo.get(key);
    if (hit === undefined) this.moduleMemo.set(key, (hit = this.resolveModuleUncached(fromFile, name, level)));
    return hit;
  }

  private resolveModuleUncached(fromFile: string, name: string, level: number): ModuleSymbols | null {
    if (level > 0) {
      const pkg = fromFile.split('/').slice(0, -1);
      for (let i = 1; i < level; i++) pkg.pop();
      const full = [...pkg, ...(name ? name.split('.') : [])].join('.');
      return this.byModule.get(full) ?? null;
    }
    const exact = this.byModule.get(name);
    if (exact) return exact;
    // src-layout or scripts run from a sub-folder: match the dotted name as a suffix, closest folder first
    const fromDir = fromFile.split('/').slice(0, -1).join('.');
    const sibling = this.byModule.get(fromDir ? `${fromDir}.${name}` : name);
    if (sibling) return sibling;
    for (const m of this.modules) if (m.module.endsWith(`.${name}`)) return m;
    return null;
  }

  /** What a top-level name of a module denotes: the latest binding before `atLine` that resolves. */
  lookupTop(mod: ModuleSymbols, name: string, depth = 0, atLine?: number): Value | null {
    for (const get of this.topCandidates(mod, name, depth, atLine)) {
      const v = get();
      if (v) return v;
    }
    return null;
  }

  /** Bindings of a module-level name, latest first (then wildcard imports and sub-modules). */
  private topCandidates(mod: ModuleSymbols, name: string, depth: number, atLine?: number): Array<() => Value | null> {
    if (depth > MAX_DEPTH) return [];
    const out = this.bindings(mod, MODULE_SCOPE, name, atLine, depth);
    if (out.length) return out;
    for (const imp of mod.imports) {
      if (imp.alias !== '*' || imp.function !== MODULE_SCOPE) continue;
      const src = this.resolveModule(mod.file, imp.module, imp.level);
      if (src && src !== mod) out.push(() => this.lookupTop(src, name, depth + 1));
    }
    // a sub-module of a package: `import pkg` then `pkg.mod`
    const sub = this.byModule.get(mod.module ? `${mod.module}.${name}` : name);
    if (sub && mod.file.endsWith('__init__.py')) out.push(() => ({ kind: 'module', file: sub.file }));
    return out;
  }

  /**
   * The bindings of `name` in one scope (`<module>` or a function qualname) before `atLine` (all of them
   * without atLine), latest first, as lazily computed values. Code is read flow-insensitively: the
   * branches of an if/else are both bindings, and the caller takes the latest one that makes sense.
   */
  private bindings(mod: ModuleSymbols, scope: string, name: string, atLine: number | undefined, depth: number): Array<() => Value | null> {
    const found: Array<{ line: number; value: () => Value | null }> = [];
    const offer = (line: number, value: () => Value | null) => {
      if (atLine === undefined || line < atLine) found.push({ line, value });
    };
    const qual = scope === MODULE_SCOPE ? name : `${scope}.${name}`;
    const fn = this.functions.get(`${mod.file}:${qual}`);
    if (fn) offer(fn.line, () => ({ kind: 'function', id: fn.id }));
    const cls = this.classes.get(`${mod.file}:${qual}`);
    if (cls) offer(cls.line, () => ({ kind: 'class', id: cls.id }));
    for (const imp of mod.imports) if (imp.function === scope && imp.alias === name) offer(imp.line, () => this.importValue(mod, imp, depth + 1));
    for (const a of mod.assignments) {
      if (a.function === scope && a.target === name) offer(a.line, () => this.valueOfAssignment(mod, scope, a.valueCallee, a.valueFirstArg, depth + 1, a.line));
    }
    return found.sort((a, b) => b.line - a.line).slice(0, 6).map((f) => f.value);
  }

  private importValue(mod: ModuleSymbols, imp: ModuleSymbols['imports'][number], depth: number): Value | null {
    if (imp.name === null) {
      const aliased = imp.alias !== imp.module.split('.')[0];
      const target = aliased ? imp.module : imp.alias;
      const m = this.resolveModule(mod.file, target, 0);
      if (m) return { kind: 'module', file: m.file };
      if (!aliased && imp.module.includes('.') && this.resolveModule(mod.file, imp.module, 0)) return { kind: 'package', name: target, fromFile: mod.file };
      return { kind: 'external', name: imp.module };
    }
    const src = this.resolveModule(mod.file, imp.module, imp.level);
    if (src && src !== mod) {
      const v = this.lookupTop(src, imp.name, depth + 1);
      if (v) return v;
    }
    // `from pkg import mod` where mod is a module
    const sub = this.resolveModule(mod.file, imp.module ? `${imp.module}.${imp.name}` : imp.name, imp.level);
    if (sub) return { kind: 'module', file: sub.file };
    if (!src && imp.level === 0) return { kind: 'external', name: `${imp.module}.${imp.name}` };
    return null;
  }

  private valueOfAssignment(mod: ModuleSymbols, fnQual: string, callee: string | null, firstArg: string | null, depth: number, line?: number): Value | null {
    if (!callee || depth > MAX_DEPTH) return null;
    if (WRAPPERS.test(callee)) {
      // torch.compile(model), DDP(model), model.to(device): the wrapped object, unknown when that is
      const dot = callee.lastIndexOf('.');
      const receiver = dot > 0 ? callee.slice(0, dot) : null;
      // `Net(cfg).to(device)`: the receiver is itself a construction
      const built = receiver ? /^([A-Za-z_][\w.]*)\(/.exec(receiver) : null;
      if (built && receiver!.endsWith(')')) return this.valueOfAssignment(mod, fnQual, built[1]!, null, depth + 1, line);
      const inner = receiver && !/^(torch|nn|torch\.nn\.parallel|torch\.jit)$/.test(receiver) && !/DataParallel|DDP|FSDP|compile/.test(callee) ? receiver : firstArg;
      if (inner && IDENT_PATH.test(inner)) return this.resolveExpr(mod, fnQual, inner, depth + 1, line);
      return null;
    }
    const v = this.resolveExpr(mod, fnQual, callee, depth + 1, line);
    if (v?.kind === 'class') return { kind: 'instance', classId: v.id, via: 'assigned' };
    if (v?.kind === 'external') return v;
    return null;
  }

  /** Resolves a dotted identifier expression seen inside function `fnQual` of `mod`. */
  resolveExpr(mod: ModuleSymbols, fnQual: string, expr: string, depth = 0, atLine?: number): Value | null {
    if (depth > MAX_DEPTH) return null;
    const key = `${mod.file}|${fnQual}|${expr}|${atLine ?? ''}`;
    if (this.exprMemo.has(key)) return this.exprMemo.get(key)!;
    this.exprMemo.set(key, null); // a cycle resolves to nothing
    const v = this.resolveExprUncached(mod, fnQual, expr, depth, atLine);
    this.exprMemo.set(key, v);
    return v;
  }

  /**
   * Every repo value a dotted expression may denote when its head has several bindings (if/else
   * branches: `model = A(...)` / `model = B(...)`); falls back to resolveExpr's single answer.
   */
  resolveAll(mod: ModuleSymbols, fnQual: string, expr: string, atLine?: number): Value[] {
    const one = this.resolveExpr(mod, fnQual, expr, 0, atLine);
    if (!IDENT_PATH.test(expr) || /^(self|cls)\b/.test(expr) || !one || one.kind === 'external') return one ? [one] : [];
    const parts = expr.split('.');
    const out = new Map<string, Value>();
    for (const get of this.headCandidates(mod, fnQual, parts[0]!, 0, atLine)) {
      let cur = get();
      for (let i = 1; i < parts.length && cur; i++) cur = this.member(cur, parts[i]!, 0);
      if (cur && cur.kind !== 'external') out.set(JSON.stringify(cur), cur);
    }
    return out.size ? [...out.values()] : [one];
  }

  private resolveExprUncached(mod: ModuleSymbols, fnQual: string, expr: string, depth: number, atLine?: number): Value | null {
    let parts: string[];
    let cur: Value | null;
    if (expr.startsWith('super().')) {
      const cls = this.enclosingClass(mod, fnQual);
      if (!cls) return null;
      const rest = expr.slice('super().'.length).split('.');
      const m = rest.length === 1 ? this.classMember(cls.id, rest[0]!, true) : null;
      return m ? { kind: 'function', id: m } : null;
    }
    if (!IDENT_PATH.test(expr)) return null;
    parts = expr.split('.');
    const head = parts[0]!;
    if (head === 'self' || head === 'cls') {
      const cls = this.enclosingClass(mod, fnQual);
      cur = cls ? (head === 'self' ? { kind: 'instance', classId: cls.id, via: 'assigned' } : { kind: 'class', id: cls.id }) : null;
      for (let i = 1; i < parts.length && cur; i++) cur = this.member(cur, parts[i]!, depth);
      return cur;
    }
    // the latest binding of the head for which the whole dotted expression resolves to repo code;
    // else the latest that resolves at all (code outside the repo)
    let outside: Value | null = null;
    for (const get of this.headCandidates(mod, fnQual, head, depth, atLine)) {
      cur = get();
      for (let i = 1; i < parts.length && cur; i++) cur = this.member(cur, parts[i]!, depth);
      if (cur && cur.kind !== 'external') return cur;
      outside ??= cur;
    }
    return outside;
  }

  /** Candidate values of a bare name used in `fnQual`: the innermost scope that binds it, latest binding first. */
  private headCandidates(mod: ModuleSymbols, fnQual: string, name: string, depth: number, atLine?: number): Array<() => Value | null> {
    // enclosing function chain, innermost first; a parameter is a binding of unknown value
    for (let scope = fnQual; scope && scope !== MODULE_SCOPE; scope = scope.includes('.') ? scope.slice(0, scope.lastIndexOf('.')) : '') {
      const f = this.functions.get(`${mod.file}:${scope}`);
      if (!f) continue; // a class scope: not visible from its methods
      const b = this.bindings(mod, scope, name, scope === fnQual ? atLine : undefined, depth);
      if (b.length) return b;
      if (f.params.includes(name)) return [];
    }
    return this.topCandidates(mod, name, depth + 1, fnQual === MODULE_SCOPE ? atLine : undefined);
  }

  private member(v: Value, attr: string, depth: number): Value | null {
    if (v.kind === 'external') return { kind: 'external', name: `${v.name}.${attr}` };
    if (v.kind === 'module') {
      const m = this.byFile.get(v.file);
      return m ? this.lookupTop(m, attr, depth + 1) : null;
    }
    if (v.kind === 'package') {
      const m = this.resolveModule(v.fromFile, `${v.name}.${attr}`, 0);
      return m ? { kind: 'module', file: m.file } : { kind: 'package', name: `${v.name}.${attr}`, fromFile: v.fromFile };
    }
    if (v.kind === 'class') {
      const id = this.classMember(v.id, attr, false);
      if (id) return { kind: 'function', id };
      const nested = this.classes.get(`${v.id}.${attr}`);
      return nested ? { kind: 'class', id: nested.id } : null;
    }
    if (v.kind === 'instance') {
      const id = this.classMember(v.classId, attr, false);
      if (id) return { kind: 'function', id };
      const t = this.selfAttrType(v.classId, attr, depth);
      return t;
    }
    return null;
  }

  enclosingClass(mod: ModuleSymbols, fnQual: string): ClassSym | null {
    let f = this.functions.get(`${mod.file}:${fnQual}`);
    while (f && !f.className && f.parent) f = this.functions.get(`${mod.file}:${f.parent}`);
    return f?.className ? this.classes.get(`${mod.file}:${f.className}`) ?? null : null;
  }

  /** Repo classes a class derives from (direct bases that resolve). */
  baseClasses(classId: string): ClassSym[] {
    const c = this.classes.get(classId);
    if (!c) return [];
    const mod = this.byFile.get(c.file)!;
    const out: ClassSym[] = [];
    for (const b of c.bases) {
      const v = IDENT_PATH.test(b) ? this.resolveExpr(mod, MODULE_SCOPE, b, 4) : null;
      if (v?.kind === 'class' && v.id !== classId) out.push(this.classes.get(v.id)!);
    }
    return out;
  }

  /** A method by name through the repo part of the class hierarchy (depth-first MRO approximation). */
  classMember(classId: string, name: string, skipSelf: boolean, seen = new Set<string>()): string | null {
    if (seen.has(classId)) return null;
    seen.add(classId);
    const c = this.classes.get(classId);
    if (!c) return null;
    if (!skipSelf && c.methods.includes(name)) return `${c.id}.${name}`;
    for (const b of this.baseClasses(classId)) {
      const m = this.classMember(b.id, name, false, seen);
      if (m) return m;
    }
    return null;
  }

  /** The type of `self.<attr>` from assignments in the class's methods (`self.attn = Attention(...)`). */
  selfAttrType(classId: string, attr: string, depth: number): Value | null {
    const c = this.classes.get(classId);
    if (!c || depth > MAX_DEPTH) return null;
    const mod = this.byFile.get(c.file)!;
    for (const a of mod.assignments) {
      if (a.target !== `self.${attr}` || !a.function.startsWith(`${c.qualname}.`)) continue;
      const v = this.valueOfAssignment(mod, a.function, a.valueCallee, a.valueFirstArg, depth + 1, a.line);
      if (v) return v;
    }
    for (const b of this.baseClasses(classId)) {
      const v = this.selfAttrType(b.id, attr, depth + 1);
      if (v) return v;
    }
    return null;
  }

  private hierarchyTest(classId: string, memo: Map<string, boolean>, direct: (base: string) => boolean, seen = new Set<string>()): boolean {
    const m = memo.get(classId);
    if (m !== undefined) return m;
    if (seen.has(classId)) return false;
    seen.add(classId);
    const c = this.classes.get(classId);
    let r = false;
    if (c) r = c.bases.some(direct) || this.baseClasses(classId).some((b) => this.hierarchyTest(b.id, memo, direct, seen));
    memo.set(classId, r);
    return r;
  }

  /** nn.Module subclass (directly or through repo classes); LightningModule counts. */
  isModuleClass(classId: string): boolean {
    // any capitalised torch.nn class (nn.Module, nn.Sequential, nn.Transformer, nn.LSTM…) except Parameter
    return this.hierarchyTest(classId, this.moduleClassMemo, (b) => (/^(torch\.)?nn\.[A-Z]\w*$/.test(b) && !/Parameter\w*$/.test(b)) || /^Module$|(^|\.)LightningModule$/.test(b));
  }

  isDatasetClass(classId: string): boolean {
    return this.hierarchyTest(classId, this.datasetMemo, (b) => /(^|\.)(Iterable)?Dataset$/.test(b));
  }

  /**
   * The models a script builds: nn.Module classes instantiated outside any nn.Module class (in scripts,
   * trainers); when none is, those neither built inside another repo nn.Module nor used as a base class.
   */
  rootModelClasses(): string[] {
    if (this.rootModelsMemo) return this.rootModelsMemo;
    const mods = [...this.classes.keys()].filter((id) => this.isModuleClass(id));
    const built = new Set<string>();
    for (const m of this.modules) {
      for (const call of m.calls) {
        const owner = this.enclosingClass(m, call.function);
        if (owner && this.isModuleClass(owner.id)) continue;
        const v = this.resolveExpr(m, call.function, call.callee, 2, call.line);
        if (v?.kind === 'class' && this.isModuleClass(v.id)) built.add(v.id);
      }
    }
    let roots = mods.filter((id) => built.has(id));
    if (!roots.length) {
      const inner = new Set<string>();
      for (const id of mods) {
        for (const sub of this.submodules(id)) if (sub !== id) inner.add(sub);
        for (const b of this.baseClasses(id)) inner.add(b.id);
      }
      roots = mods.filter((id) => !inner.has(id));
    }
    this.rootModelsMemo = roots.length ? roots : mods;
    return this.rootModelsMemo;
  }

  /** nn.Module repo classes instantiated anywhere in a class's methods (its children in the module tree). */
  submodules(classId: string): string[] {
    const c = this.classes.get(classId);
    if (!c) return [];
    const mod = this.byFile.get(c.file)!;
    const out = new Set<string>();
    for (const call of mod.calls) {
      if (!call.function.startsWith(`${c.qualname}.`)) continue;
      const v = this.resolveExpr(mod, call.function, call.callee, 2);
      if (v?.kind === 'class' && this.isModuleClass(v.id)) out.add(v.id);
    }
    return [...out];
  }
}

