// The "cache a pure per-sample function" codemod, a syntax-tree edit: a collate function or batch builder
// that calls a module-level helper of the file once per sample on every step —
//   def encode(text):
//       return [stoi[ch] for ch in text]
//   def collate(batch):
//       ids = torch.tensor([encode(text) for text, _ in batch], dtype=torch.long)
// — when the helper is pure (it reads only its arguments, its own locals, builtins without side effects and
// module-level values that nothing rebinds or modifies) and every caller only copies what it returns (into
// torch.tensor / np.array, or a local it never modifies), the helper gets `@functools.lru_cache(maxsize=None)`:
// each distinct sample is computed once, later steps look it up. The cache holds one result per distinct
// argument (the trial's peak-RSS guard measures what that costs).
// The helper may also be a lambda bound to a module-level name (`encode = lambda s: [stoi[c] for c in s]`,
// nanoGPT's char tokenizer) or to an attribute in a method (`self.encode = lambda s: …` in `__init__`), or a
// `functools.partial` of a module-level function with constant bound arguments: the same purity rules, and the
// value gets wrapped where it is bound — `encode = functools.lru_cache(maxsize=None)(lambda s: …)`.
import type { SyntaxNode, SyntaxTree } from '../source/parser.js';
import { escapeRegExp } from '../core/regexp.js';
import { ensureImport, moduleAlias } from './pyedit.js';
import { enclosing, named } from './pytree.js';

export type CacheCallResult = { lines: string[]; rationale: string } | { refused: string };

/** Builtins without side effects whose result depends only on their arguments. */
const PURE_BUILTINS = new Set(['len', 'range', 'ord', 'chr', 'str', 'int', 'float', 'bool', 'list', 'tuple', 'dict', 'set', 'frozenset', 'enumerate', 'zip', 'min', 'max', 'sum', 'sorted', 'reversed', 'abs', 'round', 'map', 'filter', 'any', 'all', 'isinstance', 'repr', 'None', 'True', 'False']);
/** Methods that modify their receiver: called on an argument, the helper has an effect a cache would skip. */
const MUTATING = /^(append|extend|insert|pop|popitem|update|clear|remove|sort|reverse|setdefault|add|discard|fill_|copy_|zero_|resize_?)$/;
/** Literal values: a default or a partial's bound argument that nothing can change. */
const LITERAL = new Set(['string', 'integer', 'float', 'true', 'false', 'none']);
const COPYING_CTORS = /^(tensor|LongTensor|FloatTensor|IntTensor|array|asarray|as_tensor)$/;

/** Module-level `def name(...)` (not decorated), or null. */
function moduleFunction(root: SyntaxNode, name: string): SyntaxNode | null {
  for (const c of named(root)) if (c.type === 'function_definition' && c.childForFieldName('name')?.text === name) return c;
  return null;
}

/** Names bound by assignment, loops, comprehensions, with/except targets anywhere under `n`. */
function boundUnder(n: SyntaxNode): Set<string> {
  const out = new Set<string>();
  const idents = (x: SyntaxNode | null) => { for (const i of x?.descendantsOfType('identifier') ?? []) if (i) out.add(i.text); if (x?.type === 'identifier') out.add(x.text); };
  for (const t of ['assignment', 'augmented_assignment', 'for_statement', 'for_in_clause']) {
    for (const s of n.descendantsOfType(t)) idents(s?.childForFieldName('left') ?? null);
  }
  for (const s of n.descendantsOfType('as_pattern_target')) idents(s);
  return out;
}

/** Module-level names assigned exactly once at the top level and never modified or rebound anywhere. */
function moduleConstants(root: SyntaxNode, text: string): Set<string> {
  const counts = new Map<string, number>();
  for (const c of named(root)) {
    const a = c.type === 'expression_statement' ? named(c)[0] : null;
    const left = a?.type === 'assignment' ? a.childForFieldName('left') : null;
    if (left?.type === 'identifier') counts.set(left.text, (counts.get(left.text) ?? 0) + 1);
  }
  const out = new Set<string>();
  for (const [name, k] of counts) {
    if (k !== 1) continue;
    const e = escapeRegExp(name);
    const mutated = new RegExp(`\\b${e}\\s*(\\[[^\\]]*\\]\\s*[+\\-*/]?=(?!=)|\\.(append|extend|insert|pop|popitem|update|clear|remove|sort|reverse|setdefault|add|discard)\\s*\\()|\\bdel\\s+${e}\\b|\\bglobal\\s+[\\w\\s,]*\\b${e}\\b|^\\s*${e}\\s*[+\\-*/|&]=`, 'm');
    if (!mutated.test(text)) out.add(name);
  }
  return out;
}

/**
 * Why `fn` (a def or a lambda) is not pure, or null when it reads only its arguments, locals, pure builtins and
 * constants (module constants, and for a lambda in a method the closure constants beside it).
 */
function impurity(fn: SyntaxNode, consts: ReadonlySet<string>): string | null {
  // plain names, or names with a literal default (`unk=0`); *args, **kwargs and computed defaults are refused
  const params = named(fn.childForFieldName('parameters')).map((p) => (p.type === 'identifier' ? p : p.type === 'default_parameter' && LITERAL.has(p.childForFieldName('value')?.type ?? '') ? p.childForFieldName('name') : null));
  if (!params.length || params.some((p) => p?.type !== 'identifier')) return 'its parameters are not plain names or names with a literal default (*args, **kwargs or a computed default)';
  const paramNames = new Set(params.map((p) => p!.text));
  const body = fn.childForFieldName('body')!;
  if (body.descendantsOfType(['yield', 'global_statement', 'nonlocal_statement', 'await', 'lambda']).some((x) => !!x)) return 'it yields, uses global/nonlocal state or builds lambdas';
  const locals = boundUnder(body);
  for (const id of body.descendantsOfType('identifier')) {
    if (!id) continue;
    const p = id.parent;
    if (p?.type === 'attribute' && p.childForFieldName('attribute')?.id === id.id) continue;
    if (p?.type === 'keyword_argument' && p.childForFieldName('name')?.id === id.id) continue;
    const name = id.text;
    if (paramNames.has(name) || locals.has(name) || consts.has(name)) continue;
    if (PURE_BUILTINS.has(name)) continue;
    return `it reads \`${name}\`, which is not its argument, a local, a pure builtin or a module constant`;
  }
  for (const call of body.descendantsOfType('call')) {
    const f = call?.childForFieldName('function');
    if (!f) continue;
    if (f.type === 'identifier') {
      if (!PURE_BUILTINS.has(f.text)) return `it calls \`${f.text}()\``;
      continue;
    }
    if (f.type !== 'attribute') return `it calls \`${f.text}\``;
    const method = f.childForFieldName('attribute')?.text ?? '';
    let root: SyntaxNode | null = f.childForFieldName('object');
    while (root && (root.type === 'attribute' || root.type === 'subscript' || root.type === 'call')) root = root.type === 'call' ? root.childForFieldName('function') : root.childForFieldName(root.type === 'attribute' ? 'object' : 'value');
    const r = root?.type === 'identifier' ? root.text : '';
    if (consts.has(r) && method !== 'get') return `it calls \`${f.text}()\` on a module-level object`;
    if (paramNames.has(r) && MUTATING.test(method)) return `it modifies its argument (\`${f.text}()\`)`;
    if (!paramNames.has(r) && !locals.has(r) && !consts.has(r)) return `it calls \`${f.text}()\``;
  }
  for (const a of body.descendantsOfType(['assignment', 'augmented_assignment'])) {
    const left = a?.childForFieldName('left');
    let root: SyntaxNode | null = left ?? null;
    while (root && (root.type === 'attribute' || root.type === 'subscript')) root = root.childForFieldName(root.type === 'attribute' ? 'object' : 'value');
    if (left && left.type !== 'identifier' && root && paramNames.has(root.text)) return `it modifies its argument (\`${left.text} = …\`)`;
  }
  return null;
}

/** Whether what the call returns is only copied (into a tensor/array) or kept in a local that is never modified. */
function resultOnlyCopied(call: SyntaxNode, text: string): boolean {
  let n: SyntaxNode = call;
  // up through the comprehension or list holding it, to the call that receives it
  let p = n.parent;
  if (p?.type === 'list_comprehension' || p?.type === 'list' || p?.type === 'generator_expression') { n = p; p = n.parent; }
  if (p?.type === 'argument_list' && named(p)[0]?.id === n.id) {
    const f = p.parent?.childForFieldName('function');
    const last = f?.type === 'attribute' ? f.childForFieldName('attribute')?.text : f?.text;
    if (last && COPYING_CTORS.test(last)) return true;
  }
  // `ids = encode(text)`: the local may only be copied into a tensor/array or measured afterwards
  if (n.id === call.id && p?.type === 'assignment' && p.childForFieldName('right')?.id === n.id && p.childForFieldName('left')?.type === 'identifier') {
    const name = p.childForFieldName('left')!.text;
    const fn = enclosing(p, new Set(['function_definition']));
    const scope = fn ? text.slice(p.endIndex, fn.endIndex) : text.slice(p.endIndex);
    const esc = escapeRegExp(name);
    const rest = scope.replace(new RegExp(`\\b(\\w+\\.)*(${COPYING_CTORS.source.slice(2, -2)})\\s*\\(\\s*${esc}\\b|\\blen\\s*\\(\\s*${esc}\\s*\\)`, 'g'), '');
    return !new RegExp(`\\b${esc}\\b`).test(rest);
  }
  return false;
}

function decorator(lines: string[]): { lines: string[]; name: string } {
  const from = lines.find((l) => /^from\s+functools\s+import\s+.*\blru_cache\b/.test(l));
  if (from) {
    const m = /\blru_cache(?:\s+as\s+(\w+))?/.exec(from.replace(/^from\s+functools\s+import\s+/, ''));
    return { lines, name: m?.[1] ?? 'lru_cache' };
  }
  const ft = moduleAlias(lines, 'functools') ? { lines, name: moduleAlias(lines, 'functools')! } : ensureImport(lines, 'functools');
  return { lines: ft.lines, name: `${ft.name}.lru_cache` };
}

/**
 * A helper the file calls per sample: how calls spell it, the def or lambda whose purity decides, the names
 * beside the module constants it may read, and the node to cache (a def gets a decorator, a bound value is wrapped).
 */
interface Helper {
  callee: string;
  fn: SyntaxNode;
  closure: ReadonlySet<string>;
  cached: { decorate: SyntaxNode } | { wrap: SyntaxNode };
  /** why the binding itself cannot be cached, when it cannot (a partial with a bound argument that could change) */
  bad?: string;
}

/** The value of the module-level `name = <value>` (a single plain assignment), or null. */
function moduleValue(root: SyntaxNode, name: string): SyntaxNode | null {
  for (const c of named(root)) {
    const a = c.type === 'expression_statement' ? named(c)[0] : null;
    if (a?.type === 'assignment' && a.childForFieldName('left')?.text === name) return a.childForFieldName('right');
  }
  return null;
}

/**
 * Names a lambda defined in a function reads from that function: each assigned there exactly once by a plain
 * assignment and mentioned nowhere else in it but in this lambda, so nothing can rebind, modify or hand it out.
 */
function closureConstants(lambda: SyntaxNode, fn: SyntaxNode | null): Set<string> {
  const out = new Set<string>();
  const body = fn?.childForFieldName('body');
  if (!body) return out;
  const inLambda = (n: SyntaxNode) => n.startIndex >= lambda.startIndex && n.endIndex <= lambda.endIndex;
  for (const id of lambda.descendantsOfType('identifier')) {
    if (!id || out.has(id.text)) continue;
    const mentions = body.descendantsOfType('identifier').filter((x): x is SyntaxNode => !!x && x.text === id.text && !inLambda(x));
    const assigned = mentions.filter((x) => x.parent?.type === 'assignment' && x.parent.childForFieldName('left')?.id === x.id);
    if (assigned.length === 1 && mentions.length === 1 && assigned[0]!.parent!.parent?.parent?.id === body.id) out.add(id.text);
  }
  return out;
}

/** `f(…)` with the helper's binding: a module def, a lambda or partial bound to a module name, a lambda bound to `self.x`. */
function helperOf(root: SyntaxNode, call: SyntaxNode, text: string, consts: ReadonlySet<string>): Helper | null {
  const f = call.childForFieldName('function');
  if (f?.type === 'identifier') {
    const def = moduleFunction(root, f.text);
    if (def) return { callee: f.text, fn: def, closure: new Set(), cached: { decorate: def } };
    const value = moduleValue(root, f.text);
    const rebound = consts.has(f.text) ? {} : { bad: `${f.text} is bound more than once` };
    if (value?.type === 'lambda') return { callee: f.text, fn: value, closure: new Set(), cached: { wrap: value }, ...rebound };
    if (value?.type === 'call' && /^(functools\.)?partial$/.test(value.childForFieldName('function')?.text ?? '')) {
      const [target, ...bound] = named(value.childForFieldName('arguments'));
      const def = target?.type === 'identifier' ? moduleFunction(root, target.text) : null;
      if (!def) return null;
      if (rebound.bad) return { callee: f.text, fn: def, closure: new Set(), cached: { wrap: value }, ...rebound };
      const loose = bound.map((b) => (b.type === 'keyword_argument' ? b.childForFieldName('value') : b)).find((v) => !v || !(LITERAL.has(v.type) || (v.type === 'identifier' && consts.has(v.text))));
      const helper: Helper = { callee: f.text, fn: def, closure: new Set(), cached: { wrap: value } };
      return loose === undefined ? helper : { ...helper, bad: `partial binds \`${loose?.text ?? '*'}\`, which is not a literal or a module constant` };
    }
    return null;
  }
  // self.encode(…): the one assignment of `.encode` in the file is `self.encode = lambda …` in a method of this class
  if (f?.type !== 'attribute' || f.childForFieldName('object')?.text !== 'self') return null;
  const cls = enclosing(call, 'class_definition');
  const attr = f.childForFieldName('attribute')!.text;
  if (!cls || (text.match(new RegExp(`\\.${escapeRegExp(attr)}\\s*(=(?!=)|[+\\-*/|&]=)`, 'g')) ?? []).length !== 1) return null;
  for (const a of cls.descendantsOfType('assignment')) {
    const right = a?.childForFieldName('right');
    if (a?.childForFieldName('left')?.text !== f.text || right?.type !== 'lambda') continue;
    return { callee: f.text, fn: right, closure: closureConstants(right, enclosing(a, 'function_definition')), cached: { wrap: right } };
  }
  return null;
}

/** Where the helper's name is used other than called or bound (passed to map(), stored): its results could be kept. */
function usedAsValue(root: SyntaxNode, h: Helper): SyntaxNode | undefined {
  const leaf = h.callee.split('.').pop()!;
  const refs = root.descendantsOfType(h.callee.includes('.') ? 'attribute' : 'identifier')
    .filter((n): n is SyntaxNode => !!n && n.text === h.callee && (n.type === 'identifier' || n.childForFieldName('attribute')?.text === leaf));
  return refs.find((n) => {
    const p = n.parent;
    if (p?.type === 'call' && p.childForFieldName('function')?.id === n.id) return false;
    if (p?.type === 'assignment' && p.childForFieldName('left')?.id === n.id) return false;
    if ((p?.type === 'function_definition' || p?.type === 'keyword_argument') && p.childForFieldName('name')?.id === n.id) return false;
    return n.type === 'identifier' ? p?.type !== 'attribute' || p.childForFieldName('object')?.id === n.id : true;
  });
}

/** The file with the helper cached: a decorator line above a def, or its bound value wrapped in the cache. */
function cacheHelper(text: string, h: Helper): string[] {
  const dec = decorator(text.split('\n'));
  if ('decorate' in h.cached) {
    const shift = dec.lines.length - text.split('\n').length;
    const out = dec.lines.slice();
    out.splice(h.cached.decorate.startPosition.row + shift, 0, `@${dec.name}(maxsize=None)`);
    return out;
  }
  const v = h.cached.wrap;
  const edited = text.slice(0, v.startIndex) + `${dec.name}(maxsize=None)(${v.text})` + text.slice(v.endIndex);
  return decorator(edited.split('\n')).lines;
}

export function cacheCall(text: string, tree: SyntaxTree, index: number): CacheCallResult {
  const root = tree.rootNode;
  const perSample = new Set(['list_comprehension', 'generator_expression', 'set_comprehension', 'dictionary_comprehension', 'for_statement']);
  const consts = moduleConstants(root, text);
  let why = 'no per-sample call of a helper of this file (a module-level def, lambda or partial, or a lambda bound to self) on the line';
  for (const call of root.descendantsOfType('call')) {
    if (!call || call.startPosition.row > index || call.endPosition.row < index) continue;
    const h = helperOf(root, call, text, consts);
    if (!h || !enclosing(call, perSample)) continue;
    const caller = enclosing(call, new Set(['function_definition']));
    if (!caller || caller.id === h.fn.id || enclosing(call, 'lambda')?.id === h.fn.id) continue;
    const name = h.callee;
    if (h.bad) { why = `${name}() cannot be cached: ${h.bad}`; continue; }
    const bad = impurity(h.fn, new Set([...consts, ...h.closure]));
    if (bad) { why = `${name}() is not pure: ${bad}`; continue; }
    // every call of the helper in the file must only copy its result: a cached result is shared between calls
    const uses = root.descendantsOfType('call').filter((c): c is SyntaxNode => !!c && c.childForFieldName('function')?.text === name);
    const shared = uses.find((u) => !resultOnlyCopied(u, text));
    if (shared) { why = `${name}()'s result is kept where it could be modified (line ${shared.startPosition.row + 1}): a cached result would be shared`; continue; }
    const passed = usedAsValue(root, h);
    if (passed) { why = `${name} is used as a value (line ${passed.startPosition.row + 1}): its results could be kept where they are modified`; continue; }
    return {
      lines: cacheHelper(text, h),
      rationale: `${caller.childForFieldName('name')?.text ?? 'the caller'} calls ${name}() for every sample on every step, and ${name}() depends only on its argument: cache it (one entry per distinct sample, the same values; later steps look them up).`,
    };
  }
  return { refused: why };
}
