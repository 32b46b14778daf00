// The "stack once" codemod, a syntax-tree edit: a collate function or batch builder that makes one tensor per
// sample and stacks them —
//   torch.stack([torch.tensor(b["input_ids"], dtype=torch.long) for b in batch])
//   torch.stack([torch.tensor(img, dtype=torch.float32) / 255.0 for img, _ in batch])
//   torch.stack([torch.from_numpy(x) for x, _ in samples], dim=0)
// — stacks the samples' arrays once with numpy and converts the batch once:
//   torch.as_tensor(np.stack([b["input_ids"] for b in batch]), dtype=torch.long)
// Element-wise arithmetic with a number (`/ 255.0`, `* 2 - 1`) and dtype/device casts (`.float()`, `.to(…)`)
// around the per-sample tensor move outside, applied once to the batch: the same values per element.
import type { SyntaxNode, SyntaxTree } from '../source/parser.js';
import { ensureImport, moduleAlias } from './pyedit.js';
import { named } from './pytree.js';

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
  return tree.rootNode.descendantsOfType('call').filter((c): c is SyntaxNode =>
    !!c && c.startPosition.row <= index && c.endPosition.row >= index && c.childForFieldName('function')?.text === `${torch}.stack`)
    .sort((a, b) => (a.endIndex - a.startIndex) - (b.endIndex - b.startIndex));
}

export function stackOnce(text: string, tree: SyntaxTree, index: number): StackOnceResult {
  const lines = text.split('\n');
  const torch = moduleAlias(lines, 'torch');
  if (!torch) return { refused: 'the file does not import torch under a name this edit can use' };
  const calls = stackCallsAt(tree, index, torch);
  if (!calls.length) return { refused: `no ${torch}.stack(...) call on the line` };
  const ctors = new Set([`${torch}.tensor`, `${torch}.as_tensor`, `${torch}.from_numpy`]);
  let last = 'the stacked list is not a comprehension of per-sample tensors';
  for (const call of calls) {
    const r = rewrite(text, call, ctors, torch);
    if ('refused' in r) { last = r.refused; continue; }
    // the edit on the text, with the file's numpy name (or `import numpy as np` added after its imports)
    const np = moduleAlias(lines, 'numpy');
    const edited = (text.slice(0, call.startIndex) + r.expr(np ?? 'np') + text.slice(call.endIndex)).split('\n');
    const final = np ? edited : ensureImport(edited, 'numpy', 'np').lines;
    return {
      lines: final,
      rationale: `The batch is built one tensor per sample (${r.ctorName}(…) for every item of \`${r.iter}\`, then a stack). Stack the samples' arrays once with numpy and convert the batch once: the same values in one conversion instead of one per sample.`,
    };
  }
  return { refused: last };
}

type Rewrite = { expr: (np: string) => string; ctorName: string; iter: string } | { refused: string };

function rewrite(text: string, call: SyntaxNode, ctors: ReadonlySet<string>, torch: string): Rewrite {
  const args = named(call.childForFieldName('arguments'));
  const comp = args[0];
  if (!comp || comp.type !== 'list_comprehension') return { refused: 'the stacked list is not a comprehension' };
  for (const extra of args.slice(1)) {
    const dim = extra.type === 'keyword_argument' && extra.childForFieldName('name')?.text === 'dim' ? extra.childForFieldName('value') : extra;
    if (!dim || !/^0$/.test(dim.text)) return { refused: `the samples are stacked along \`${extra.text}\`, not a new first dimension` };
  }
  const body = comp.childForFieldName('body');
  if (!body) return { refused: 'the comprehension has no body' };
  const p = peel(body, ctors);
  if (!p) return { refused: `the per-sample expression \`${body.text}\` is not a tensor made from the sample (under element-wise arithmetic)` };
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
  // the comprehension with its body replaced by the sample's data, clauses (for/if) kept as written
  const compText = text.slice(comp.startIndex, body.startIndex) + data.text + text.slice(body.endIndex, comp.endIndex);
  const iter = comp.namedChildren.find((c) => c?.type === 'for_in_clause')?.childForFieldName('right')?.text ?? 'the batch';
  const options = kwargs.map((k) => k.text).join(', ');
  const expr = (npName: string): string => {
    const stacked = `${npName}.stack(${compText})`;
    const batch = fromNumpy ? `${torch}.from_numpy(${stacked})` : `${torch}.as_tensor(${stacked}, ${options})`;
    return p.wrap(batch);
  };
  return { expr, ctorName, iter };
}
