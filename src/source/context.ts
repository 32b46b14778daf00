// One pass over a module's syntax tree collecting what the catalogue matchers look at: calls (with
// their enclosing function, loops and `with` items), loops, comprehensions; plus helpers to tell a
// tensor-valued expression and to canonicalise callees through the module's imports.
import type { HotPath } from './hotpath.js';
import { isHotLine } from './hotpath.js';
import { walkCursor, walkScopes, type SyntaxNode } from './parser.js';
import type { ParsedModule, RepoIndex } from './repo-index.js';
import { MODULE_SCOPE, canonicalName, importAliases, type ModuleSymbols } from './symbols.js';

export const LOOP_TYPES = new Set(['for_statement', 'while_statement']);
export const COMPREHENSION_TYPES = new Set(['list_comprehension', 'generator_expression', 'set_comprehension', 'dictionary_comprehension']);

export interface CallInfo {
  node: SyntaxNode;
  /** callee text as written */
  callee: string;
  /** callee with its head expanded through imports: `np.load` → `numpy.load`, `F.relu` → `torch.nn.functional.relu` */
  canonical: string;
  /** method name when the callee is an attribute (`item` in `loss.item()`), else null */
  method: string | null;
  /** receiver node of a method call */
  receiver: SyntaxNode | null;
  fn: string;
  /** enclosing loops and comprehensions inside the function, outermost first */
  loops: SyntaxNode[];
  /** `with` item texts enclosing the call inside the function */
  withItems: string[];
  args: SyntaxNode[];
  keywords: Map<string, SyntaxNode>;
  hasSplat: boolean;
}

export interface LoopInfo {
  node: SyntaxNode;
  fn: string;
  loops: SyntaxNode[];
}

export class ModuleContext {
  readonly calls: CallInfo[] = [];
  readonly loops: LoopInfo[] = [];
  readonly comprehensions: LoopInfo[] = [];
  readonly symbols: ModuleSymbols;
  private aliases: Map<string, string>;

  constructor(readonly pm: ParsedModule, readonly index: RepoIndex, readonly hot: HotPath) {
    this.symbols = pm.symbols;
    this.aliases = importAliases(pm.symbols);
    this.walk(pm.tree.rootNode);
  }

  get file(): string {
    return this.pm.file;
  }

  canonical(expr: string): string {
    return canonicalName(this.aliases, expr);
  }

  private walk(root: SyntaxNode): void {
    type Ctx = { fn: string; loops: SyntaxNode[]; withs: string[] };
    walkScopes<Ctx>(
      root,
      { fn: MODULE_SCOPE, loops: [], withs: [] },
      (parent, cur) => {
        if (parent.type === 'function_definition') return cur.nodeType === 'block' ? parent.inner : parent.outer;
        if (parent.type === 'for_statement' && cur.currentFieldName === 'right') return parent.outer; // evaluated once
        if (parent.type === 'with_statement' && cur.nodeType === 'with_clause') return parent.outer;
        return parent.inner;
      },
      (cur, ctx) => {
        const type = cur.nodeType;
        if (type === 'function_definition') {
          const n = cur.currentNode;
          const name = n.childForFieldName('name')?.text ?? '?';
          return { inner: { fn: qualnameOf(n) ?? (ctx.fn === MODULE_SCOPE ? name : `${ctx.fn}.${name}`), loops: [], withs: [] } };
        }
        if (type === 'call') this.addCall(cur.currentNode, ctx);
        else if (LOOP_TYPES.has(type) || COMPREHENSION_TYPES.has(type)) {
          const n = cur.currentNode;
          (LOOP_TYPES.has(type) ? this.loops : this.comprehensions).push({ node: n, fn: ctx.fn, loops: ctx.loops });
          return { inner: { ...ctx, loops: [...ctx.loops, n] } };
        } else if (type === 'with_statement') {
          const clause = cur.currentNode.namedChildren.find((c) => c?.type === 'with_clause');
          return { inner: { ...ctx, withs: [...ctx.withs, ...(clause?.namedChildren ?? []).filter((c) => c?.type === 'with_item').map((c) => c!.text)] } };
        }
      },
    );
  }

  private addCall(n: SyntaxNode, ctx: { fn: string; loops: SyntaxNode[]; withs: string[] }): void {
    const f = n.childForFieldName('function');
    const callee = f?.text ?? '';
    const argList = n.childForFieldName('arguments');
    const args: SyntaxNode[] = [];
    const keywords = new Map<string, SyntaxNode>();
    let hasSplat = false;
    if (argList?.type === 'generator_expression') args.push(argList);
    else {
      for (const a of argList?.namedChildren ?? []) {
        if (!a || a.type === 'comment') continue;
        if (a.type === 'keyword_argument') {
          const k = a.childForFieldName('name')?.text;
          const v = a.childForFieldName('value');
          if (k && v) keywords.set(k, v);
        } else if (a.type === 'dictionary_splat' || a.type === 'list_splat') hasSplat = true;
        else args.push(a);
      }
    }
    const isAttr = f?.type === 'attribute';
    this.calls.push({
      node: n, callee, canonical: this.canonical(callee), method: isAttr ? f!.childForFieldName('attribute')?.text ?? null : null,
      receiver: isAttr ? f!.childForFieldName('object') : null, fn: ctx.fn, loops: ctx.loops, withItems: ctx.withs, args, keywords, hasSplat,
    });
  }

  isHot(fn: string, line: number): boolean {
    return isHotLine(this.hot, this.file, fn, line);
  }

  /** True when the loop node is one of WARMUP's training/inference/data loops. */
  isWorkloadLoop(loop: SyntaxNode): boolean {
    const line = loop.startPosition.row + 1;
    return this.hot.loops.some((l) => l.file === this.file && l.line === line);
  }

  /** Local assignment to `name` in `fn` in force at `line` (the last before it), as the value node. */
  assignedValue(fn: string, name: string, line: number): SyntaxNode | null {
    let best: SyntaxNode | null = null;
    for (const a of this.assignmentNodes()) {
      if (a.fn !== fn || a.line >= line) continue;
      if (a.targets.includes(name)) best = a.value;
    }
    return best;
  }

  private assignCache: Array<{ fn: string; line: number; targets: string[]; value: SyntaxNode }> | null = null;
  private assignmentNodes() {
    if (this.assignCache) return this.assignCache;
    const out: Array<{ fn: string; line: number; targets: string[]; value: SyntaxNode }> = [];
    const fns: string[] = [MODULE_SCOPE];
    const pushed: boolean[] = [];
    walkCursor(
      this.pm.tree.rootNode,
      (cur) => {
        const type = cur.nodeType;
        if (type === 'function_definition') {
          fns.push(qualnameOf(cur.currentNode) ?? fns[fns.length - 1]!);
          pushed.push(true);
          return;
        }
        pushed.push(false);
        if (type === 'assignment' || type === 'augmented_assignment') {
          const n = cur.currentNode;
          const left = n.childForFieldName('left');
          const right = n.childForFieldName('right');
          if (left && right) {
            const targets = left.type === 'identifier' ? [left.text] : left.namedChildren.filter((c) => c?.type === 'identifier').map((c) => c!.text);
            out.push({ fn: fns[fns.length - 1]!, line: n.startPosition.row + 1, targets, value: right });
          }
        }
        if (!cur.nodeIsNamed) return 'skip';
      },
      () => {
        if (pushed.pop()) fns.pop();
      },
    );
    return (this.assignCache = out);
  }

  /**
   * Whether an expression evaluates to a torch tensor, as far as the syntax tells: torch.* / F.* calls,
   * tensor methods, model calls, names assigned from such (last assignment before use), and — for names
   * with no assignment in the function (parameters, globals) — names that conventionally hold tensors.
   */
  tensorish(node: SyntaxNode, fn: string, depth = 0): boolean {
    if (depth > 6) return false;
    switch (node.type) {
      case 'parenthesized_expression':
        return node.namedChildren.some((c) => c && this.tensorish(c, fn, depth + 1));
      case 'call': {
        const f = node.childForFieldName('function');
        if (!f) return false;
        const callee = this.canonical(f.text);
        if (/^(float|int|bool|len|str|round|sum|max|min|abs|repr|format)$/.test(callee)) return false;
        if (f.type === 'attribute') {
          const m = f.childForFieldName('attribute')?.text ?? '';
          if (NON_TENSOR_METHODS.has(m)) return false;
          if (TENSOR_METHODS.has(m)) return true;
        }
        if (/^torch\.(?!cuda\.|distributed\.|no_grad|inference_mode|device|Size|manual_seed|save|load|set_|get_|is_|autocast|compile|jit|backends|utils)/.test(callee)) return true;
        if (/^torch\.nn\.functional\./.test(callee)) return true;
        const last = f.text.split('.').pop() ?? '';
        if (/^(model|raw_model|net|module|encoder|decoder|criterion|loss_fn|loss_fct)$|_model$/i.test(last)) return true;
        const targets = this.index.graph.targetsAt(this.file, node.startPosition.row + 1, node.startPosition.column + 1);
        return targets.some((e) => e.to.endsWith('.forward'));
      }
      case 'attribute': {
        const a = node.childForFieldName('attribute')?.text ?? '';
        if (/^(shape|ndim|dtype|device|is_cuda|requires_grad)$/.test(a)) return false;
        if (/^(data|grad|T|mT|real|imag)$/.test(a)) return this.tensorish(node.childForFieldName('object')!, fn, depth + 1);
        return false;
      }
      case 'subscript':
        return this.tensorish(node.childForFieldName('value')!, fn, depth + 1);
      case 'binary_operator':
        return ['left', 'right'].some((k) => {
          const c = node.childForFieldName(k);
          return !!c && this.tensorish(c, fn, depth + 1);
        });
      case 'unary_operator':
        return this.tensorish(node.childForFieldName('argument')!, fn, depth + 1);
      case 'identifier': {
        const v = this.assignedValue(fn, node.text, node.startPosition.row + 1);
        if (v) return this.tensorish(v, fn, depth + 1);
        return TENSOR_NAME_RE.test(node.text);
      }
      default:
        return false;
    }
  }
}

const TENSOR_NAME_RE = /^(loss|losses|logits|outputs?|preds?|predictions?|y_hat|yhat|grad_norm|tensor|targets?|labels?|scores?|probs?|attn|hidden_states?|embeddings?|features?|activations?)$/i;
const TENSOR_METHODS = new Set([
  'sum', 'mean', 'max', 'min', 'norm', 'float', 'half', 'double', 'long', 'int', 'detach', 'argmax', 'argmin', 'softmax',
  'exp', 'log', 'abs', 'sqrt', 'pow', 'std', 'var', 'mul', 'add', 'sub', 'div', 'matmul', 'view', 'reshape', 'squeeze',
  'unsqueeze', 'to', 'cuda', 'clone', 'contiguous', 'eq', 'ne', 'gt', 'lt', 'ge', 'le', 'all', 'any', 'prod', 'cumsum',
]);
const NON_TENSOR_METHODS = new Set(['item', 'tolist', 'numpy', 'keys', 'values', 'items', 'get', 'format', 'join', 'split', 'size', 'dim', 'numel', 'nelement']);

/** The qualname of a function_definition node from its ancestors (same rules as symbols.ts). */
export function qualnameOf(def: SyntaxNode): string | null {
  const names: string[] = [];
  for (let p: SyntaxNode | null = def; p; p = p.parent) {
    if (p.type === 'function_definition' || p.type === 'class_definition') {
      const nm = p.childForFieldName('name')?.text;
      if (!nm) return null;
      names.unshift(nm);
    }
  }
  return names.join('.');
}

/** The nearest enclosing class qualname of a function qualname in this module, or null. */
export function classOf(ctx: ModuleContext, fn: string): string | null {
  const f = ctx.index.resolver.functions.get(`${ctx.file}:${fn}`);
  return f?.className ?? null;
}
