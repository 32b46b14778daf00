// Per-module symbol table from the tree-sitter syntax tree: classes, functions (qualified names),
// decorators, imports, calls, loops, assignments of interest, the `__main__` block, parse errors.
//
// Qualified names: `Class.method`; a function nested in a function is `outer.inner` (no `<locals>`);
// a class nested in a function is `outer.Inner`; code outside any function is `<module>`.
import { walkScopes, type SyntaxNode } from './parser.js';

export const MODULE_SCOPE = '<module>';

/** What a `def` and a `class` both declare: where they stand and under which names. */
export interface DefinitionSym {
  /** `file:qualname` */
  id: string;
  file: string;
  name: string;
  qualname: string;
  /** 1-based line of the `def` / `class` keyword */
  line: number;
  endLine: number;
  decorators: string[];
}

export interface FunctionSym extends DefinitionSym {
  /** qualname of the class it is a method of (direct member), else null */
  className: string | null;
  /** qualname of the enclosing function or class, else null */
  parent: string | null;
  params: string[];
  isAsync: boolean;
}

export interface ClassSym extends DefinitionSym {
  /** base class expressions as written: `nn.Module`, `Dataset` */
  bases: string[];
  /** method names defined directly in the class body */
  methods: string[];
}

export interface ImportSym {
  /** `import a.b as c` → module 'a.b', name null, alias 'c'; `from a import b as c` → module 'a', name 'b' */
  module: string;
  name: string | null;
  /** the local name it binds ('*' for a wildcard import) */
  alias: string;
  /** leading dots of a relative import (0 for absolute) */
  level: number;
  line: number;
  /** function in which the import statement appears */
  function: string;
}

export interface CallSym {
  /** the callee expression's text, e.g. `self.attn`, `torch.cuda.synchronize`, `DataLoader` */
  callee: string;
  line: number;
  column: number;
  endLine: number;
  /** enclosing function's qualname or `<module>` */
  function: string;
  /** positional argument texts */
  args: string[];
  /** keyword argument texts by name (`**kw` splats are listed under '**') */
  keywords: Record<string, string>;
}

export interface LoopSym {
  kind: 'for' | 'while';
  line: number;
  endLine: number;
  /** first line of the body */
  bodyLine: number;
  function: string;
  /** the iterated expression (for) or the condition (while) */
  iter: string;
  /** loop variable(s) text (for), else null */
  target: string | null;
}

export interface AssignSym {
  /** target text: `model`, `self.attn`, `x, y` */
  target: string;
  value: string;
  /** callee text when the value is a call (`GPT`, `torch.compile`), else null */
  valueCallee: string | null;
  /** first positional argument text of that call (`model` in `DDP(model)`) */
  valueFirstArg: string | null;
  line: number;
  function: string;
}

export interface WithSym {
  line: number;
  endLine: number;
  function: string;
  items: string[];
}

export interface ModuleSymbols {
  file: string;
  /** dotted module name from the path: `pkg/mod.py` → `pkg.mod`, `pkg/__init__.py` → `pkg` */
  module: string;
  classes: ClassSym[];
  functions: FunctionSym[];
  imports: ImportSym[];
  calls: CallSym[];
  loops: LoopSym[];
  assignments: AssignSym[];
  withs: WithSym[];
  /** the `if __name__ == "__main__":` block, when present */
  mainBlock: { line: number; endLine: number } | null;
  /** ERROR/MISSING node ranges; the rest of the file is still indexed */
  parseErrors: Array<{ line: number; endLine: number }>;
}

export function moduleNameOf(file: string): string {
  const noExt = file.replace(/\.pyi?$/, '');
  const parts = noExt.split('/');
  if (parts[parts.length - 1] === '__init__') parts.pop();
  return parts.join('.');
}

const line = (n: SyntaxNode) => n.startPosition.row + 1;
const endLine = (n: SyntaxNode) => n.endPosition.row + 1;

/** The qualname of the function enclosing `node` (`<module>` at top level), computed from parents. */
export function enclosingFunction(node: SyntaxNode): string {
  let fnNode: SyntaxNode | null = null;
  for (let p = node.parent; p; p = p.parent) {
    if (p.type === 'function_definition') {
      fnNode = p;
      break;
    }
  }
  if (!fnNode) return MODULE_SCOPE;
  const names: string[] = [];
  for (let p: SyntaxNode | null = fnNode; p; p = p.parent) {
    if (p.type === 'function_definition' || p.type === 'class_definition') {
      const nm = p.childForFieldName('name')?.text;
      if (nm) names.unshift(nm);
    }
  }
  return names.join('.');
}

function decoratorsOf(def: SyntaxNode): string[] {
  const p = def.parent;
  if (!p || p.type !== 'decorated_definition') return [];
  return p.namedChildren.filter((c) => c?.type === 'decorator').map((c) => c!.text.replace(/^@\s*/, ''));
}

function paramNames(params: SyntaxNode | null): string[] {
  if (!params) return [];
  const out: string[] = [];
  for (const c of params.namedChildren) {
    if (!c) continue;
    if (c.type === 'identifier') out.push(c.text);
    else {
      const id = c.childForFieldName('name') ?? c.namedChildren.find((x) => x?.type === 'identifier');
      if (id) out.push(id.text);
    }
  }
  return out;
}

export function callArgs(call: SyntaxNode): { args: string[]; keywords: Record<string, string>; argNodes: SyntaxNode[] } {
  const args: string[] = [];
  const argNodes: SyntaxNode[] = [];
  const keywords: Record<string, string> = {};
  const list = call.childForFieldName('arguments');
  if (!list) return { args, keywords, argNodes };
  if (list.type === 'generator_expression') return { args: [list.text], keywords, argNodes: [list] };
  for (const a of list.namedChildren) {
    if (!a || a.type === 'comment') continue;
    if (a.type === 'keyword_argument') {
      const k = a.childForFieldName('name')?.text;
      const v = a.childForFieldName('value');
      if (k && v) keywords[k] = v.text;
    } else if (a.type === 'dictionary_splat') keywords['**'] = a.text;
    else {
      args.push(a.text);
      argNodes.push(a);
    }
  }
  return { args, keywords, argNodes };
}

function isMainGuard(cond: SyntaxNode | null): boolean {
  if (!cond) return false;
  const t = cond.text.replace(/\s+/g, '');
  return t === `__name__=="__main__"` || t === `__name__=='__main__'` || t === `"__main__"==__name__` || t === `'__main__'==__name__`;
}

/** Builds the symbol table of one parsed module (one cursor walk over the tree). */
export function extractSymbols(file: string, root: SyntaxNode, parseErrors: ModuleSymbols['parseErrors'] = []): ModuleSymbols {
  const sym: ModuleSymbols = {
    file, module: moduleNameOf(file), classes: [], functions: [], imports: [], calls: [], loops: [],
    assignments: [], withs: [], mainBlock: null, parseErrors,
  };
  // prefix: qualname prefix; fn: enclosing function qualname; cls: class qualname when directly in a class body
  type Ctx = { prefix: string; fn: string; cls: string | null };
  walkScopes<Ctx>(
    root,
    { prefix: '', fn: MODULE_SCOPE, cls: null },
    (parent, cur) => {
      // a function's parameters, decorators and name belong to the enclosing scope, its block to itself;
      // a class's bases to the enclosing scope, its body to the class
      if (parent.type === 'function_definition') return cur.nodeType === 'block' ? parent.inner : parent.outer;
      if (parent.type === 'class_definition') return cur.currentFieldName === 'body' ? parent.inner : parent.outer;
      return parent.inner;
    },
    (cur, ctx) => {
      const type = cur.nodeType;
      let inner = ctx;
      let skip = false;
      switch (type) {
        case 'function_definition': {
          const n = cur.currentNode;
          const name = n.childForFieldName('name')?.text ?? '?';
          const qual = ctx.prefix ? `${ctx.prefix}.${name}` : name;
          sym.functions.push({
            id: `${file}:${qual}`, file, name, qualname: qual, line: line(n), endLine: endLine(n), className: ctx.cls,
            parent: ctx.prefix || null, decorators: decoratorsOf(n), params: paramNames(n.childForFieldName('parameters')),
            isAsync: n.children.some((c) => c?.type === 'async'),
          });
          const cs = ctx.cls === null ? undefined : sym.classes.find((c) => c.qualname === ctx.cls);
          if (cs) cs.methods.push(name);
          inner = { prefix: qual, fn: qual, cls: null };
          break;
        }
        case 'class_definition': {
          const n = cur.currentNode;
          const name = n.childForFieldName('name')?.text ?? '?';
          const qual = ctx.prefix ? `${ctx.prefix}.${name}` : name;
          const sup = n.childForFieldName('superclasses');
          sym.classes.push({
            id: `${file}:${qual}`, file, name, qualname: qual, line: line(n), endLine: endLine(n),
            bases: sup ? sup.namedChildren.filter((c) => c && c.type !== 'keyword_argument' && c.type !== 'comment').map((c) => c!.text) : [],
            decorators: decoratorsOf(n), methods: [],
          });
          inner = { prefix: qual, fn: ctx.fn, cls: qual };
          break;
        }
        case 'import_statement':
          addImport(sym, cur.currentNode, ctx.fn);
          skip = true;
          break;
        case 'import_from_statement':
          addFromImport(sym, cur.currentNode, ctx.fn);
          skip = true;
          break;
        case 'call': {
          const n = cur.currentNode;
          const f = n.childForFieldName('function');
          const { args, keywords } = callArgs(n);
          sym.calls.push({ callee: f?.text ?? '', line: line(n), column: n.startPosition.column + 1, endLine: endLine(n), function: ctx.fn, args, keywords });
          break;
        }
        case 'for_statement':
        case 'while_statement': {
          const n = cur.currentNode;
          const body = n.childForFieldName('body');
          const isFor = type === 'for_statement';
          sym.loops.push({
            kind: isFor ? 'for' : 'while', line: line(n), endLine: endLine(n), bodyLine: body ? line(body) : line(n), function: ctx.fn,
            iter: (isFor ? n.childForFieldName('right') : n.childForFieldName('condition'))?.text ?? '',
            target: isFor ? (n.childForFieldName('left')?.text ?? null) : null,
          });
          break;
        }
        case 'assignment': {
          const n = cur.currentNode;
          const left = n.childForFieldName('left');
          let right = n.childForFieldName('right');
          while (right?.type === 'assignment') right = right.childForFieldName('right');
          if (left && right) {
            const isCall = right.type === 'call';
            const first = isCall ? callArgs(right).args[0] ?? null : null;
            sym.assignments.push({
              target: left.text, value: right.text, valueCallee: isCall ? right.childForFieldName('function')?.text ?? null : null,
              valueFirstArg: first, line: line(n), function: ctx.fn,
            });
          }
          break;
        }
        case 'with_statement': {
          const n = cur.currentNode;
          const clause = n.namedChildren.find((c) => c?.type === 'with_clause');
          const items = (clause?.namedChildren ?? []).filter((c) => c?.type === 'with_item').map((c) => c!.text);
          sym.withs.push({ line: line(n), endLine: endLine(n), function: ctx.fn, items });
          break;
        }
        case 'if_statement':
          if (ctx.fn === MODULE_SCOPE && !ctx.cls && !sym.mainBlock) {
            const n = cur.currentNode;
            if (isMainGuard(n.childForFieldName('condition'))) sym.mainBlock = { line: line(n), endLine: endLine(n) };
          }
          break;
      }
      return { inner, skip };
    },
  );
  return sym;
}

function addImport(sym: ModuleSymbols, n: SyntaxNode, fn: string): void {
  for (const c of n.namedChildren) {
    if (!c) continue;
    if (c.type === 'dotted_name') {
      sym.imports.push({ module: c.text, name: null, alias: c.text.split('.')[0]!, level: 0, line: line(n), function: fn });
    } else if (c.type === 'aliased_import') {
      const mod = c.childForFieldName('name')?.text ?? '';
      sym.imports.push({ module: mod, name: null, alias: c.childForFieldName('alias')?.text ?? mod, level: 0, line: line(n), function: fn });
    }
  }
}

function addFromImport(sym: ModuleSymbols, n: SyntaxNode, fn: string): void {
  const modNode = n.childForFieldName('module_name');
  let module = modNode?.text ?? '';
  let level = 0;
  if (modNode?.type === 'relative_import') {
    const prefixNode = modNode.namedChildren.find((c) => c?.type === 'import_prefix');
    level = prefixNode ? prefixNode.text.length : 0;
    module = modNode.namedChildren.find((c) => c?.type === 'dotted_name')?.text ?? '';
  }
  for (const c of n.namedChildren) {
    if (!c || c.id === modNode?.id) continue;
    if (c.type === 'wildcard_import') sym.imports.push({ module, name: '*', alias: '*', level, line: line(n), function: fn });
    else if (c.type === 'dotted_name') sym.imports.push({ module, name: c.text, alias: c.text, level, line: line(n), function: fn });
    else if (c.type === 'aliased_import') {
      const nm = c.childForFieldName('name')?.text ?? '';
      sym.imports.push({ module, name: nm, alias: c.childForFieldName('alias')?.text ?? nm, level, line: line(n), function: fn });
    }
  }
}

/** Local name → full dotted name from a module's absolute imports (`np` → `numpy`, `F` → `torch.nn.functional`). */
export function importAliases(sym: ModuleSymbols): Map<string, string> {
  const aliases = new Map<string, string>();
  for (const i of sym.imports) {
    if (i.alias === '*' || i.level !== 0) continue;
    aliases.set(i.alias, i.name === null ? (i.alias === i.module.split('.')[0] ? i.alias : i.module) : i.module ? `${i.module}.${i.name}` : i.name);
  }
  return aliases;
}

/** A dotted expression with its head expanded through the import aliases. */
export function canonicalName(aliases: Map<string, string>, expr: string): string {
  const dot = expr.indexOf('.');
  const full = aliases.get(dot < 0 ? expr : expr.slice(0, dot));
  return full ? full + (dot < 0 ? '' : expr.slice(dot)) : expr;
}
