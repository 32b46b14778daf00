// The "stack once" codemod, a syntax-tree edit: a collate function or batch builder that makes one tensor per
// sample and stacks them —
//   torch.stack([torch.tensor(b["input_ids"], dtype=torch.long) for b in batch])
//   torch.stack([torch.tensor(img, dtype=torch.float32) / 255.0 for img, _ in batch])
//   torch.stack([torch.from_numpy(x) for x, _ in samples], dim=0)
// — stacks the samples' arrays once with numpy and converts the batch once:
//   torch.as_tensor(np.stack([b["input_ids"] for b in batch]), dtype=torch.long)
// Element-wise arithmetic with a number (`/ 255.0`, `* 2 - 1`) and dtype/device casts (`.float()`, `.to(…)`)
// around the per-sample tensor move outside, applied once to the batch: the same values per element.
// The same batch written as a loop —
//   xs = []
//   for s in batch:
//       xs.append(torch.tensor(s[0], dtype=torch.long))
//   x = torch.stack(xs)
// — keeps its loop and appends the sample's data; the stack becomes the one conversion:
//   xs.append(s[0])  …  x = torch.as_tensor(np.stack(xs), dtype=torch.long)
import type { SyntaxNode, SyntaxTree } from '../source/parser.js';
import { ensureImport, moduleAlias } from './pyedit.js';
import { enclosing, named } from './pytree.js';

export type StackOnceResult = { lines: string[]; rationale: string } | { refused: string };

/** Methods that act element by element (or only move/cast), so applying them to the batch is the same. */
const ELEMENTWISE_METHODS = new Set(['float', 'double', 'half', 'bfloat16', 'long', 'int', 'short', 'bool', 'byte', 'contiguous', 'to']);
/** Arithmetic methods, taken with one number (`.div(255)`, `.sub_(0.5)` is not: in place on the sample). */
const ARITH_METHODS = new Set(['div', 'mul', 'add', 'sub', 'true_divide']);
const ARITH = new Set(['+', '-', '*', '/', '//', '**', '%']);

function isNumber(n: SyntaxNode): boolean {
  if (n.type === 'integer' || n.type === 'float') return true;
  if (n.type === 'unary_operator') { const a = n.childForFieldName('argument'); return !!a && isNumber(a); }
  if (n.type === 'parenthesized_expression') { const a = n.namedChildren[0]; return !!a && isNumber(a); }
  return false;
}

interface Peeled {
  /** the per-sample constructor call (torch.tensor / torch.as_tensor / torch.from_numpy) */
  ctor: SyntaxNode;
  /** rebuilds the element-wise expression around a replacement of the constructor */
  wrap: (inner: string) => string;
}

/** The per-sample tensor constructor under element-wise arithmetic with numbers and element-wise casts. */
function peel(n: SyntaxNode, ctors: ReadonlySet<string>): Peeled | null {
  const around = (child: SyntaxNode, outer: SyntaxNode): Peeled | null => {
    const p = peel(child, ctors);
    if (!p) return null;
    const before = outer.text.slice(0, child.startIndex - outer.startIndex);
    const after = outer.text.slice(child.endIndex - outer.startIndex);
    return { ctor: p.ctor, wrap: (inner) => before + p.wrap(inner) + after };
  };
  if (n.type === 'parenthesized_expression') {
    const c = n.namedChildren[0];
    return c ? around(c, n) : null;
  }
  if (n.type === 'binary_operator') {
    const op = n.childForFieldName('operator')?.text ?? '';
    const l = n.childForFieldName('left');
    const r = n.childForFieldName('right');
    if (!ARITH.has(op) || !l || !r) return null;
    if (isNumber(r)) return around(l, n);
    if (isNumber(l)) return around(r, n);
    return null;
  }
  if (n.type === 'call') {
    const fn = n.childForFieldName('function');
    if (!fn) return null;
    if (ctors.has(fn.text)) return { ctor: n, wrap: (inner) => inner };
    if (fn.type === 'attribute' && (ELEMENTWISE_METHODS.has(fn.childForFieldName('attribute')?.text ?? '') || ARITH_METHODS.has(fn.childForFieldName('attribute')?.text ?? ''))) {
      const obj = fn.childForFieldName('object');
      const args = n.childForFieldName('arguments');
      if (!obj) return null;
      const name = fn.childForFieldName('attribute')?.text ?? '';
      if (ARITH_METHODS.has(name)) {
        const a = named(args);
        return a.length === 1 && isNumber(a[0]!) ? around(obj, n) : null;
      }
      // .to(...) may cast or move, never reshape; the other methods take no arguments
      if (name !== 'to' && (args?.namedChildren.length ?? 0) > 0) return null;
      return around(obj, n);
    }
  }
  return null;
}

/** The `<torch>.stack(...)` calls whose lines hold row `index`, innermost first. */
function stackCallsAt(tree: SyntaxTree, index: number, torch: string): SyntaxNode[] {
  return callsAt(tree, index).filter((c) => c.childForFieldName('function')?.text === `${torch}.stack`);
}

/** The calls whose lines hold row `index`, innermost first. */
function callsAt(tree: SyntaxTree, index: number): SyntaxNode[] {
  return tree.rootNode.descendantsOfType('call').filter((c): c is SyntaxNode => !!c && c.startPosition.row <= index && c.endPosition.row >= index)
    .sort((a, b) => (a.endIndex - a.startIndex) - (b.endIndex - b.startIndex));
}

export function stackOnce(text: string, tree: SyntaxTree, index: number): StackOnceResult {
  const lines = text.split('\n');
  const torch = moduleAlias(lines, 'torch');
  if (!torch) return { refused: 'the file does not import torch under a name this edit can use' };
  const ctors = new Set([`${torch}.tensor`, `${torch}.as_tensor`, `${torch}.from_numpy`]);
  // the comprehension inside a stack on the line, or a list filled by a loop on the line and stacked after it
  const candidates: Array<() => Rewrite> = [
    ...stackCallsAt(tree, index, torch).map((call) => () => (named(call.childForFieldName('arguments'))[0]?.type === 'identifier' ? appendLoop(tree, call, torch, ctors) : rewrite(text, call, ctors, torch))),
    ...callsAt(tree, index).filter((c) => c.childForFieldName('function')?.type === 'attribute' && c.childForFieldName('function')?.childForFieldName('attribute')?.text === 'append')
      .map((call) => () => appendLoop(tree, call, torch, ctors)),
  ];
  if (!candidates.length) return { refused: `no ${torch}.stack(...) call or list append on the line` };
  let last = 'the stacked list is not a comprehension of per-sample tensors';
  for (const candidate of candidates) {
    const r = candidate();
    if ('refused' in r) { last = r.refused; continue; }
    // the edits on the text, last first, with the file's numpy name (or `import numpy as np` added after its imports)
    const np = moduleAlias(lines, 'numpy');
    let edited = text;
    for (const e of [...r.edits].sort((a, b) => b.at[0] - a.at[0])) edited = edited.slice(0, e.at[0]) + e.text(np ?? 'np') + edited.slice(e.at[1]);
    const final = np ? edited.split('\n') : ensureImport(edited.split('\n'), 'numpy', 'np').lines;
    return {
      lines: final,
      rationale: `The batch is built one tensor per sample (${r.ctorName}(…) for every item of \`${r.iter}\`, then a stack). Stack the samples' arrays once with numpy and convert the batch once: the same values in one conversion instead of one per sample.`,
    };
  }
  return { refused: last };
}

/** Text edits of one rewrite: the span [start, end) of the file and its replacement (given the numpy name). */
type Rewrite = { edits: Array<{ at: [number, number]; text: (np: string) => string }>; ctorName: string; iter: string } | { refused: string };

/** The per-sample constructor's data and options, checked to carry over to one batch conversion. */
type Ctor = { data: SyntaxNode; options: string; fromNumpy: boolean; ctorName: string; wrap: (inner: string) => string } | { refused: string };

function perSampleTensor(expr: SyntaxNode, ctors: ReadonlySet<string>, torch: string): Ctor {
  const p = peel(expr, ctors);
  if (!p) return { refused: `the per-sample expression \`${expr.text}\` is not a tensor made from the sample (under element-wise arithmetic)` };
  const ctorName = p.ctor.childForFieldName('function')!.text;
  const cargs = named(p.ctor.childForFieldName('arguments'));
  const data = cargs[0];
  if (!data || data.type === 'keyword_argument' || data.type === 'list_splat' || data.type === 'dictionary_splat') return { refused: 'the per-sample tensor has no data argument' };
  const kwargs = cargs.slice(1);
  for (const k of kwargs) {
    const name = k.type === 'keyword_argument' ? k.childForFieldName('name')?.text : undefined;
    if (name !== 'dtype' && name !== 'device') return { refused: `the per-sample tensor takes \`${k.text}\`: only dtype and device carry over to one batch tensor` };
  }
  const fromNumpy = ctorName === `${torch}.from_numpy`;
  if (fromNumpy && kwargs.length) return { refused: 'from_numpy takes no options' };
  // without a dtype, torch.tensor of Python floats is float32 while numpy would make float64: the values would change type
  if (!fromNumpy && !kwargs.some((k) => k.childForFieldName('name')?.text === 'dtype')) {
    return { refused: `${ctorName}(…) has no dtype: a stack of Python floats would become float64 in numpy instead of float32` };
  }
  return { data, options: kwargs.map((k) => k.text).join(', '), fromNumpy, ctorName, wrap: p.wrap };
}

/** `torch.stack(xs, …)` stacks along a new first dimension (no other option), or why not. */
function stackedAlongFirst(call: SyntaxNode): string | null {
  for (const extra of named(call.childForFieldName('arguments')).slice(1)) {
    const dim = extra.type === 'keyword_argument' && extra.childForFieldName('name')?.text === 'dim' ? extra.childForFieldName('value') : extra;
    if (!dim || !/^0$/.test(dim.text)) return `the samples are stacked along \`${extra.text}\`, not a new first dimension`;
  }
  return null;
}

/** One batch conversion of the stacked samples `stacked`, under the per-sample expression's element-wise wrapping. */
const batchOf = (c: Exclude<Ctor, { refused: string }>, torch: string, stacked: string): string =>
  c.wrap(c.fromNumpy ? `${torch}.from_numpy(${stacked})` : `${torch}.as_tensor(${stacked}, ${c.options})`);

function rewrite(text: string, call: SyntaxNode, ctors: ReadonlySet<string>, torch: string): Rewrite {
  const comp = named(call.childForFieldName('arguments'))[0];
  if (!comp || comp.type !== 'list_comprehension') return { refused: 'the stacked list is not a comprehension' };
  const dim = stackedAlongFirst(call);
  if (dim) return { refused: dim };
  const body = comp.childForFieldName('body');
  if (!body) return { refused: 'the comprehension has no body' };
  const c = perSampleTensor(body, ctors, torch);
  if ('refused' in c) return c;
  // the comprehension with its body replaced by the sample's data, clauses (for/if) kept as written
  const compText = text.slice(comp.startIndex, body.startIndex) + c.data.text + text.slice(body.endIndex, comp.endIndex);
  const iter = comp.namedChildren.find((x) => x?.type === 'for_in_clause')?.childForFieldName('right')?.text ?? 'the batch';
  return { edits: [{ at: [call.startIndex, call.endIndex], text: (np) => batchOf(c, torch, `${np}.stack(${compText})`) }], ctorName: c.ctorName, iter };
}

/** Writes into an array or tensor in place: after the edit the stack would read the sample's data later than its copy did. */
const IN_PLACE_METHOD = /^(?!__)\w+_$|^(fill|put|itemset|resize|sort|setflags|copyto)$/;
function writesInPlace(n: SyntaxNode): string | null {
  for (const a of n.descendantsOfType(['augmented_assignment', 'assignment'])) {
    if (!a) continue;
    if (a.type === 'augmented_assignment') return a.text;
    const left = a.childForFieldName('left');
    if (left && (left.type !== 'identifier' && left.descendantsOfType(['subscript', 'attribute']).some((x) => !!x))) return a.text;
  }
  for (const c of n.descendantsOfType('call')) {
    const f = c?.childForFieldName('function');
    const m = f?.type === 'attribute' ? f.childForFieldName('attribute')?.text ?? '' : f?.text ?? '';
    if (IN_PLACE_METHOD.test(m) || named(c?.childForFieldName('arguments')).some((k) => k.type === 'keyword_argument' && k.childForFieldName('name')?.text === 'out')) return c!.text;
  }
  return null;
}

/** The statement of `block` that holds `n` (n itself when it is one), or null when n is not under the block. */
function statementIn(block: SyntaxNode, n: SyntaxNode): SyntaxNode | null {
  for (let x: SyntaxNode | null = n; x; x = x.parent) if (x.parent?.id === block.id) return x;
  return null;
}

/**
 * `xs = []` · `for …: xs.append(<per-sample tensor>)` · `torch.stack(xs)`, from the append or the stack: the list
 * is local, filled at that one place and read only by the stack (and len), the three statements share one block
 * and nothing writes into the samples' arrays in between. The append keeps the sample's data; the stack converts.
 */
function appendLoop(tree: SyntaxTree, at: SyntaxNode, torch: string, ctors: ReadonlySet<string>): Rewrite {
  const f = at.childForFieldName('function')!;
  const list = f.text === `${torch}.stack` ? named(at.childForFieldName('arguments'))[0]! : f.childForFieldName('object');
  if (list?.type !== 'identifier') return { refused: 'the list appended to is not a local name' };
  const fn = enclosing(at, 'function_definition');
  if (!fn) return { refused: 'the list is not built in a function' };
  const xs = list.text;
  const mentions = fn.descendantsOfType('identifier').filter((x): x is SyntaxNode => !!x && x.text === xs && !(x.parent?.type === 'attribute' && x.parent.childForFieldName('attribute')?.id === x.id));
  const role = (x: SyntaxNode): 'append' | 'stack' | 'init' | 'len' | null => {
    const p = x.parent;
    if (p?.type === 'attribute' && p.parent?.type === 'call' && p.parent.childForFieldName('function')?.id === p.id && p.childForFieldName('attribute')?.text === 'append') return 'append';
    const call = p?.type === 'argument_list' && named(p)[0]?.id === x.id ? p.parent : null;
    if (call?.childForFieldName('function')?.text === `${torch}.stack`) return 'stack';
    if (call?.childForFieldName('function')?.text === 'len' && named(p).length === 1) return 'len';
    // `xs = []`, or `xs, ys = [], []`: the value at the same place on the right is an empty list
    const a = p?.type === 'pattern_list' ? p.parent : p;
    const left = p?.type === 'pattern_list' ? p : x;
    if (a?.type !== 'assignment' || a.childForFieldName('left')?.id !== left.id) return null;
    const right = a.childForFieldName('right');
    const value = left.id === x.id ? right : named(right)[named(left).findIndex((y) => y.id === x.id)];
    return value && /^(\[\s*\]|list\(\s*\))$/.test(value.text) ? 'init' : null;
  };
  const roles = mentions.map((x) => ({ x, role: role(x) }));
  const odd = roles.find((r) => r.role === null);
  if (odd) return { refused: `\`${xs}\` is used other than filled once and stacked (line ${odd.x.startPosition.row + 1}: \`${odd.x.parent?.text ?? xs}\`)` };
  const one = (k: string) => roles.filter((r) => r.role === k).map((r) => r.x);
  const [inits, appends, stacks] = [one('init'), one('append'), one('stack')];
  if (inits.length !== 1 || appends.length !== 1 || stacks.length !== 1) return { refused: `\`${xs}\` is not made empty once, appended to at one place and stacked once` };
  const append = appends[0]!.parent!.parent!;
  const stack = stacks[0]!.parent!.parent!;
  const loop = enclosing(append, new Set(['for_statement', 'while_statement']));
  const block = loop?.parent;
  if (!loop || !block || enclosing(loop, 'function_definition')?.id !== fn.id) return { refused: `\`${xs}.append(…)\` is not in a loop of the function` };
  const init = statementIn(block, inits[0]!);
  const after = statementIn(block, stack);
  if (!init || !after || init.endIndex > loop.startIndex || after.startIndex < loop.endIndex) return { refused: `\`${xs} = []\`, the loop and \`${torch}.stack(${xs})\` are not one after the other in one block` };
  const dim = stackedAlongFirst(stack);
  if (dim) return { refused: dim };
  const arg = named(append.childForFieldName('arguments'));
  if (arg.length !== 1) return { refused: `\`${append.text}\` does not append one value` };
  const c = perSampleTensor(arg[0]!, ctors, torch);
  if ('refused' in c) return c;
  const between = block.namedChildren.filter((s): s is SyntaxNode => !!s && s.startIndex >= loop.startIndex && s.endIndex <= after.startIndex);
  for (const s of between) {
    const w = writesInPlace(s);
    if (w) return { refused: `\`${w}\` writes in place while the batch is built: the samples' data could change before one stack reads it` };
  }
  const iter = loop.childForFieldName('right')?.text ?? 'the loop';
  return {
    edits: [
      { at: [arg[0]!.startIndex, arg[0]!.endIndex], text: () => c.data.text },
      { at: [stack.startIndex, stack.endIndex], text: (np) => batchOf(c, torch, `${np}.stack(${xs})`) },
    ],
    ctorName: c.ctorName,
    iter,
  };
}
