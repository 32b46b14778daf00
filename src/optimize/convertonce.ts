// The "convert once" codemod, a syntax-tree edit: array or tensor data converted to Python numbers one
// element at a time —
//   [int(t) for t in ids]          list(map(int, ids))          [x.item() for x in t]
//   for t in ids:                                               torch.tensor(a.tolist(), dtype=torch.long)
//       out.append(int(t))
// — becomes one vectorized conversion with the file's own numpy/torch names: `ids.tolist()` (an integer
// array already gives Python ints), `ids.astype(np.int64).tolist()` (any other dtype: the same truncation
// as int()), `out.extend(...)`, `torch.from_numpy(a.astype(np.int64))`. The result keeps its type (a list
// stays a list), so nothing downstream changes. Only when the iterated value is known to be a numpy array or a
// torch tensor (built by np.*/torch.* in the function, or in __init__ for a `self.` attribute): a list of
// strings or a generator is left alone.
import type { SyntaxNode, SyntaxTree } from '../source/parser.js';
import { ensureImport, moduleAlias } from './pyedit.js';
import { enclosing, named } from './pytree.js';

export type ConvertOnceResult = { lines: string[]; rationale: string } | { refused: string };

interface ArrayKind {
  lib: 'numpy' | 'torch';
  /** the dtype expression when the code states it (`np.uint16`, `torch.long`, `"float32"`) */
  dtype: string | null;
}

/** The last `name = …` assignment of `fn` that starts before `before` (a single plain target). */
function assignmentOf(fn: SyntaxNode, name: string, before: number): SyntaxNode | null {
  let found: SyntaxNode | null = null;
  for (const a of fn.descendantsOfType('assignment')) {
    if (!a || a.startIndex >= before) continue;
    const left = a.childForFieldName('left');
    if (left?.text === name && (!found || a.startIndex > found.startIndex)) found = a;
  }
  return found;
}

/** Whether the function (re)binds `name` other than by a plain assignment (a loop target, `with … as`, a parameter). */
function boundOtherwise(fn: SyntaxNode, name: string): boolean {
  const params = fn.childForFieldName('parameters');
  if (params && params.descendantsOfType('identifier').some((i) => i?.text === name)) return true;
  for (const t of ['for_statement', 'with_statement', 'augmented_assignment']) {
    for (const s of fn.descendantsOfType(t)) {
      const left = s?.childForFieldName('left') ?? null;
      if (left && left.descendantsOfType('identifier').some((i) => i?.text === name)) return true;
      if (t === 'with_statement' && s?.descendantsOfType('as_pattern_target').some((x) => x?.text === name)) return true;
    }
  }
  return false;
}

function keyword(call: SyntaxNode, name: string): string | null {
  for (const a of named(call.childForFieldName('arguments'))) {
    if (a.type === 'keyword_argument' && a.childForFieldName('name')?.text === name) return a.childForFieldName('value')?.text ?? null;
  }
  return null;
}

interface Names { np: string | null; torch: string | null }

const TORCH_DTYPE_METHODS: Record<string, string> = { long: 'torch.int64', int: 'torch.int32', short: 'torch.int16', float: 'torch.float32', double: 'torch.float64', half: 'torch.float16', bool: 'torch.bool', byte: 'torch.uint8' };

/** What the expression is, when the code shows it: a numpy array or a torch tensor (and its dtype). */
function kindOf(e: SyntaxNode, names: Names, depth = 0): ArrayKind | null {
  if (depth > 6) return null;
  if (e.type === 'parenthesized_expression') { const c = named(e)[0]; return c ? kindOf(c, names, depth + 1) : null; }
  if (e.type === 'subscript') {
    // a slice or index of an array is an array of the same dtype
    const v = e.childForFieldName('value');
    return v ? kindOf(v, names, depth + 1) : null;
  }
  if (e.type === 'identifier') {
    const fn = enclosing(e, 'function_definition');
    if (!fn || boundOtherwise(fn, e.text)) return null;
    // one plain assignment in the whole function: a name rebound on some path could hold something else
    const all = fn.descendantsOfType('assignment').filter((x) => x?.childForFieldName('left')?.text === e.text);
    if (all.length !== 1) return null;
    const a = assignmentOf(fn, e.text, e.startIndex);
    const right = a?.childForFieldName('right');
    return right ? kindOf(right, names, depth + 1) : null;
  }
  if (e.type === 'attribute' && e.childForFieldName('object')?.text === 'self') {
    // self.tokens: what __init__ assigns to it, when nothing else in the class does
    const attr = e.childForFieldName('attribute')?.text ?? '';
    const cls = enclosing(e, 'class_definition');
    if (!cls) return null;
    const writes = cls.descendantsOfType('assignment').filter((a): a is SyntaxNode => !!a && a.childForFieldName('left')?.text === `self.${attr}`);
    const init = writes.length === 1 ? enclosing(writes[0]!, 'function_definition') : null;
    if (!init || init.childForFieldName('name')?.text !== '__init__') return null;
    const right = writes[0]!.childForFieldName('right');
    return right ? kindOf(right, names, depth + 1) : null;
  }
  if (e.type === 'call') {
    const fn = e.childForFieldName('function');
    if (!fn) return null;
    const text = fn.text;
    if (names.np && text.startsWith(`${names.np}.`)) {
      const f = text.slice(names.np.length + 1);
      if (!/^(memmap|array|asarray|ascontiguousarray|frombuffer|fromfile|load|arange|zeros|ones|full|empty|concatenate|stack)$/.test(f)) return null;
      return { lib: 'numpy', dtype: keyword(e, 'dtype') };
    }
    if (names.torch && text.startsWith(`${names.torch}.`)) {
      const f = text.slice(names.torch.length + 1);
      if (!/^(tensor|as_tensor|from_numpy|arange|zeros|ones|full|empty|randint|cat|stack|load)$/.test(f)) return null;
      return { lib: 'torch', dtype: keyword(e, 'dtype') };
    }
    if (fn.type === 'attribute') {
      const m = fn.childForFieldName('attribute')?.text ?? '';
      const obj = fn.childForFieldName('object');
      if (!obj) return null;
      if (m === 'numpy') return kindOf(obj, names, depth + 1)?.lib === 'torch' ? { lib: 'numpy', dtype: null } : null;
      const inner = kindOf(obj, names, depth + 1);
      if (!inner) return null;
      if (m === 'astype' && inner.lib === 'numpy') return { lib: 'numpy', dtype: named(e.childForFieldName('arguments'))[0]?.text ?? null };
      if (inner.lib === 'torch' && TORCH_DTYPE_METHODS[m]) return { lib: 'torch', dtype: TORCH_DTYPE_METHODS[m]! };
      if (/^(copy|reshape|flatten|ravel|view|squeeze|contiguous|clone|detach|cpu)$/.test(m)) return inner;
    }
  }
  return null;
}

const INT_DTYPE = /(^|\.)(u?int(8|16|32|64)?|intp|long|short|byte)$|^["'](u?int(8|16|32|64)?)["']$/;
const FLOAT_DTYPE = /(^|\.)(float(16|32|64)?|double|half|bfloat16)$|^["']float(16|32|64)?["']$/;

/** `x` converted at once to the Python numbers `conv` gives element by element. */
function vectorized(x: string, kind: ArrayKind, conv: 'int' | 'float' | 'item', np: string): string {
  const src = /^[\w.]+$|^[\w.]+\[[^\]]*\]$/.test(x) ? x : `(${x})`;
  if (conv === 'item') return `${src}.tolist()`;
  const same = kind.dtype !== null && (conv === 'int' ? INT_DTYPE : FLOAT_DTYPE).test(kind.dtype);
  if (same) return `${src}.tolist()`;
  if (kind.lib === 'torch') return `${src}.${conv === 'int' ? 'long' : 'double'}().tolist()`;
  return `${src}.astype(${np}.${conv === 'int' ? 'int64' : 'float64'}).tolist()`;
}

/** int(v) / float(v) / v.item() of the loop variable `v`: the conversion, else null. */
function conversionOf(body: SyntaxNode, v: string): 'int' | 'float' | 'item' | null {
  if (body.type !== 'call') return null;
  const fn = body.childForFieldName('function');
  const args = named(body.childForFieldName('arguments'));
  if ((fn?.text === 'int' || fn?.text === 'float') && args.length === 1 && args[0]!.text === v) return fn.text;
  if (fn?.type === 'attribute' && fn.childForFieldName('attribute')?.text === 'item' && fn.childForFieldName('object')?.text === v && !args.length) return 'item';
  return null;
}

interface Site { node: SyntaxNode; replacement: (np: string) => string; iter: SyntaxNode; conv: string; kind: ArrayKind }

function sites(tree: SyntaxTree, index: number, names: Names): { found: Site[]; why: string } {
  const found: Site[] = [];
  let why = 'no per-element int()/float()/.item() conversion of an array on the line';
  const onRow = (n: SyntaxNode) => n.startPosition.row <= index && n.endPosition.row >= index;
  const check = (iter: SyntaxNode, conv: 'int' | 'float' | 'item', node: SyntaxNode, build: (vec: (np: string) => string) => (np: string) => string) => {
    const kind = kindOf(iter, names);
    if (!kind) { why = `\`${iter.text}\` is not known to be a numpy array or a torch tensor (built by np.*/torch.* where this code can see it)`; return; }
    found.push({ node, iter, conv, kind, replacement: build((np) => vectorized(iter.text, kind, conv, np)) });
  };
  // [conv(v) for v in X]
  for (const c of tree.rootNode.descendantsOfType('list_comprehension')) {
    if (!c || !onRow(c)) continue;
    const clauses = named(c).filter((x) => x.type === 'for_in_clause' || x.type === 'if_clause');
    const body = c.childForFieldName('body');
    const fc = clauses[0];
    if (!body || clauses.length !== 1 || fc?.type !== 'for_in_clause') continue;
    const v = fc.childForFieldName('left');
    const iter = fc.childForFieldName('right');
    if (!v || v.type !== 'identifier' || !iter) continue;
    const conv = conversionOf(body, v.text);
    if (conv) check(iter, conv, c, (vec) => vec);
  }
  // list(map(int, X))
  for (const c of tree.rootNode.descendantsOfType('call')) {
    if (!c || !onRow(c) || c.childForFieldName('function')?.text !== 'list') continue;
    const inner = named(c.childForFieldName('arguments'));
    if (inner.length !== 1 || inner[0]!.type !== 'call' || inner[0]!.childForFieldName('function')?.text !== 'map') continue;
    const margs = named(inner[0]!.childForFieldName('arguments'));
    if (margs.length !== 2 || !/^(int|float)$/.test(margs[0]!.text)) continue;
    check(margs[1]!, margs[0]!.text as 'int' | 'float', c, (vec) => vec);
  }
  // for v in X: out.append(conv(v))
  for (const f of tree.rootNode.descendantsOfType('for_statement')) {
    if (!f || !onRow(f) || f.childForFieldName('alternative')) continue;
    const v = f.childForFieldName('left');
    const iter = f.childForFieldName('right');
    const stmts = named(f.childForFieldName('body'));
    const call = stmts.length === 1 && stmts[0]!.type === 'expression_statement' ? named(stmts[0]!)[0] : null;
    const fn = call?.type === 'call' ? call.childForFieldName('function') : null;
    const arg = call ? named(call.childForFieldName('arguments')) : [];
    if (!v || v.type !== 'identifier' || !iter || fn?.type !== 'attribute' || fn.childForFieldName('attribute')?.text !== 'append' || arg.length !== 1) continue;
    const conv = conversionOf(arg[0]!, v.text);
    const target = fn.childForFieldName('object')!.text;
    if (conv) check(iter, conv, f, (vec) => (np) => `${target}.extend(${vec(np)})`);
  }
  // torch.tensor(a.tolist(), dtype=D): the round trip through Python numbers, for a numpy array
  for (const c of tree.rootNode.descendantsOfType('call')) {
    if (!c || !onRow(c) || !names.torch || !/^(tensor|as_tensor)$/.test(c.childForFieldName('function')?.text.replace(`${names.torch}.`, '') ?? '') || !c.childForFieldName('function')!.text.startsWith(`${names.torch}.`)) continue;
    const args = named(c.childForFieldName('arguments'));
    const first = args[0];
    const tl = first?.type === 'call' ? first.childForFieldName('function') : null;
    if (!first || tl?.type !== 'attribute' || tl.childForFieldName('attribute')?.text !== 'tolist' || named(first.childForFieldName('arguments')).length) continue;
    const x = tl.childForFieldName('object')!;
    const dtype = keyword(c, 'dtype');
    const npDtype = dtype ? NP_OF_TORCH[dtype.replace(`${names.torch}.`, 'torch.')] : undefined;
    const kind = kindOf(x, names);
    if (kind?.lib !== 'numpy' || !npDtype || args.length !== 2) { why = `\`${c.text.slice(0, 60)}\` is not a numpy array's round trip with a plain dtype`; continue; }
    const torch = names.torch;
    found.push({ node: c, iter: x, conv: 'tolist', kind, replacement: (np) => `${torch}.from_numpy(${/^[\w.]+$/.test(x.text) ? x.text : `(${x.text})`}.astype(${np}.${npDtype}))` });
  }
  return { found, why };
}

const NP_OF_TORCH: Record<string, string> = {
  'torch.long': 'int64', 'torch.int64': 'int64', 'torch.int': 'int32', 'torch.int32': 'int32', 'torch.int16': 'int16', 'torch.short': 'int16',
  'torch.int8': 'int8', 'torch.uint8': 'uint8', 'torch.float': 'float32', 'torch.float32': 'float32', 'torch.double': 'float64',
  'torch.float64': 'float64', 'torch.half': 'float16', 'torch.float16': 'float16', 'torch.bool': 'bool_',
};

export function convertOnce(text: string, tree: SyntaxTree, index: number): ConvertOnceResult {
  const lines = text.split('\n');
  const names: Names = { np: moduleAlias(lines, 'numpy'), torch: moduleAlias(lines, 'torch') };
  const { found, why } = sites(tree, index, names);
  // the outermost site on the line (a for loop holds its own append call)
  const site = found.sort((a, b) => (b.node.endIndex - b.node.startIndex) - (a.node.endIndex - a.node.startIndex))[0];
  if (!site) return { refused: why };
  const np = names.np ?? 'np';
  const edited = (text.slice(0, site.node.startIndex) + site.replacement(np) + text.slice(site.node.endIndex)).split('\n');
  const needsNp = !names.np && /\bnp\./.test(site.replacement('np'));
  const out = needsNp ? ensureImport(edited, 'numpy', 'np').lines : edited;
  const what = site.conv === 'tolist' ? '.tolist() only to build a tensor again' : `${site.conv === 'item' ? '.item()' : `${site.conv}()`} of one element at a time`;
  return {
    lines: out,
    rationale: `\`${site.iter.text}\` is a ${site.kind.lib === 'numpy' ? 'numpy array' : 'torch tensor'} converted ${what} (an interpreter round trip per element). One vectorized conversion gives the same values${site.conv === 'tolist' ? ' as a tensor' : ' as Python numbers, in a list as before'}.`,
  };
}
