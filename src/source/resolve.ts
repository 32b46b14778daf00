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
  | { kind: 'package'; name: string; fromFile: string };

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

  /** What a top-level name of a module denotes. */
  lookupTop(mod: ModuleSymbols, name: string, depth = 0, atLine?: number): Value | null {
    if (depth > MAX_DEPTH) return null;
    const fn = mod.functions.find((f) => f.qualname === name);
    if (fn) return { kind: 'function', id: fn.id };
    const cls = mod.classes.find((c) => c.qualname === name);
    if (cls) return { kind: 'class', id: cls.id };
    const v = this.lookupImport(mod, MODULE_SCOPE, name, depth);
    if (v) return v;
    const asg = pickAssignment(mod, MODULE_SCOPE, name, atLine);
    if (asg) return this.valueOfAssignment(mod, MODULE_SCOPE, asg.valueCallee, asg.valueFirstArg, depth + 1, asg.line);
    // a sub-module of a package: `import pkg` then `pkg.mod`
    const sub = this.byModule.get(mod.module ? `${mod.module}.${name}` : name);
    if (sub && mod.file.endsWith('__init__.py')) return { kind: 'module', file: sub.file };
    return null;
  }

  private lookupImport(mod: ModuleSymbols, fnQual: string, name: string, depth: number): Value | null {
    const imps = mod.imports.filter((i) => (i.function === MODULE_SCOPE || i.function === fnQual) && (i.alias === name || i.alias === '*'));
    for (const imp of imps.reverse()) {
      if (imp.name === null) {
        const aliased = imp.alias !== imp.module.split('.')[0];
        const target = aliased ? imp.module : imp.alias;
        const m = this.resolveModule(mod.file, target, 0);
        if (m) return { kind: 'module', file: m.file };
        if (!aliased && imp.module.includes('.')) return { kind: 'package', name: target, fromFile: mod.file };
        continue;
      }
      const src = this.resolveModule(mod.file, imp.module, imp.level);
      if (imp.name === '*') {
        if (src && src !== mod) {
          const v = this.lookupTop(src, name, depth + 1);
          if (v) return v;
        }
        continue;
      }
      if (src) {
        const v = src === mod ? null : this.lookupTop(src, imp.name, depth + 1);
        if (v) return v;
      }
      // `from pkg import mod` where mod is a module
      const sub = this.resolveModule(mod.file, imp.module ? `${imp.module}.${imp.name}` : imp.name, imp.level);
      if (sub) return { kind: 'module', file: sub.file };
    }
    return null;
  }

  private valueOfAssignment(mod: ModuleSymbols, fnQual: string, callee: string | null, firstArg: string | null, depth: number, line?: number): Value | null {
    if (!callee || depth > MAX_DEPTH) return null;
    if (WRAPPERS.test(callee)) {
      // torch.compile(model), DDP(model), model.to(device): the wrapped object
      const dot = callee.lastIndexOf('.');
      const receiver = dot > 0 ? callee.slice(0, dot) : null;
      const inner = receiver && !/^(torch|nn|torch\.nn\.parallel|torch\.jit)$/.test(receiver) && !/DataParallel|DDP|FSDP|compile/.test(callee) ? receiver : firstArg;
      if (inner && IDENT_PATH.test(inner)) {
        const v = this.resolveExpr(mod, fnQual, inner, depth + 1, line);
        if (v?.kind === 'instance') return v;
      }
    }
    const v = this.resolveExpr(mod, fnQual, callee, depth + 1);
    if (v?.kind === 'class') return { kind: 'instance', classId: v.id, via: 'assigned' };
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
    } else cur = this.lookupLocal(mod, fnQual, head, depth, atLine);
    for (let i = 1; i < parts.length && cur; i++) cur = this.member(cur, parts[i]!, depth);
    return cur;
  }

  private lookupLocal(mod: ModuleSymbols, fnQual: string, name: string, depth: number, atLine?: number): Value | null {
    // enclosing function chain: nested defs and local assignments, innermost first
    for (let scope = fnQual; scope && scope !== MODULE_SCOPE; scope = scope.includes('.') ? scope.slice(0, scope.lastIndexOf('.')) : '') {
      const nested = this.functions.get(`${mod.file}:${scope}.${name}`);
      if (nested) return { kind: 'function', id: nested.id };
      const cls = this.classes.get(`${mod.file}:${scope}.${name}`);
      if (cls) return { kind: 'class', id: cls.id };
      if (!this.functions.has(`${mod.file}:${scope}`)) continue; // a class scope
      const asg = pickAssignment(mod, scope, name, scope === fnQual ? atLine : undefined);
      if (asg) {
        const v = this.valueOfAssignment(mod, scope, asg.valueCallee, asg.valueFirstArg, depth + 1, asg.line);
        if (v) return v;
      }
      const imp = this.lookupImport(mod, scope, name, depth + 1);
      if (imp) return imp;
    }
    return this.lookupTop(mod, name, depth + 1, fnQual === MODULE_SCOPE ? atLine : undefined);
  }

  private member(v: Value, attr: string, depth: number): Value | null {
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
    return this.hierarchyTest(classId, this.moduleClassMemo, (b) => /^(torch\.)?nn\.Module$|^Module$|(^|\.)LightningModule$/.test(b));
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

/** The assignment to `name` in `scope` in force at `atLine` (the last one before it), else the last one. */
function pickAssignment(mod: ModuleSymbols, scope: string, name: string, atLine?: number) {
  let best: ModuleSymbols['assignments'][number] | undefined;
  for (const a of mod.assignments) {
    if (a.function !== scope || a.target !== name) continue;
    if (atLine !== undefined && a.line >= atLine) continue;
    best = a;
  }
  return best;
}
