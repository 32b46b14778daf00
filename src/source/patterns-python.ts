// C7 patterns of per-sample / per-element Python work (conversions, per-sample tensors in collate, tokenizers
// called per sample, eager string formatting for logs) and C3 for a tensor read by an `if`/`while` condition.
// Line rule (docs/analysis.md): a call inside a loop is reported at the call's first line; a comprehension
// or generator expression at its own first line (where a profiler's `<listcomp>` frame and the fix both are).
import type { CatalogueEntry, RawMatch } from './catalogue-types.js';
import { COMPREHENSION_TYPES, LOOP_TYPES, type CallInfo, type ModuleContext } from './context.js';
import type { SyntaxNode } from './parser.js';
import { collateFunctions, itemFunctions } from './patterns-data.js';

const PY_EVIDENCE = [
  { query: 'python' as const, signal: 'CPU time in Python on this line per iteration (Python frames, or the host-bound idle it leaves)', confirmsWhen: 'the line runs every step and the step is host-bound' },
  { query: 'gaps' as const, signal: 'GPU idle gaps per iteration', confirmsWhen: 'gaps line up with the Python work' },
];

const TENSOR_CTOR = /^(torch\.(tensor|as_tensor|from_numpy|Tensor|LongTensor|FloatTensor|IntTensor|BoolTensor)|numpy\.(array|asarray))$/;
const SCALAR_CONVERT = /^(int|float|bool|complex)$/;

/** Identifiers bound by a comprehension's `for` clauses, or a for-loop's target. */
function boundNames(node: SyntaxNode): Set<string> {
  const out = new Set<string>();
  const collect = (n: SyntaxNode | null) => {
    if (!n) return;
    if (n.type === 'identifier') out.add(n.text);
    else for (const c of n.namedChildren) collect(c);
  };
  if (node.type === 'for_statement') collect(node.childForFieldName('left'));
  else for (const c of node.namedChildren) if (c?.type === 'for_in_clause') collect(c.childForFieldName('left'));
  return out;
}

const mentionsAny = (text: string, names: Set<string>) => [...names].some((n) => new RegExp(`(^|[^\\w.])${n}($|[^\\w])`).test(text));

/** The innermost comprehension or loop of a call, if any. */
const innermost = (c: CallInfo): SyntaxNode | undefined => c.loops[c.loops.length - 1];

/** Where a match inside a loop is reported: the comprehension when it is one, else the call itself. */
const anchor = (c: CallInfo): SyntaxNode => {
  const l = innermost(c);
  return l && COMPREHENSION_TYPES.has(l.type) ? l : c.node;
};

function perElementConversions(ctx: ModuleContext): RawMatch[] {
  const out: RawMatch[] = [];
  const seen = new Set<number>();
  const push = (node: SyntaxNode, c: CallInfo, why: string) => {
    if (seen.has(node.startIndex)) return;
    seen.add(node.startIndex);
    out.push({ node, fn: c.fn, loops: c.loops, why });
  };
  for (const c of ctx.calls) {
    const loop = innermost(c);
    // x.tolist() fed straight back into a tensor/array constructor: a round trip through Python objects
    if (c.method === 'tolist' && TENSOR_CTOR.test(ctx.canonical(enclosingCallee(c.node) ?? ''))) {
      push(loop && COMPREHENSION_TYPES.has(loop.type) ? loop : c.node, c, `${c.node.text.length > 40 ? '.tolist()' : c.node.text} converts to Python objects only to build a tensor again`);
      continue;
    }
    if (!loop) continue;
    // the right-hand side of an element store in a loop nest is C7.element-loop's root cause, not a second one
    if (elementStoreInNest(ctx, c)) continue;
    const names = boundNames(loop);
    if (!names.size) continue;
    if (SCALAR_CONVERT.test(c.callee) && c.args.length === 1 && mentionsAny(c.args[0]!.text, names) && !iteratesText(ctx, c.fn, loop)) {
      push(anchor(c), c, `${c.callee}() of one element at a time over \`${loopIter(loop)}\``);
    } else if ((c.method === 'item' || c.method === 'tolist') && c.receiver && mentionsAny(c.receiver.text, names)) {
      push(anchor(c), c, `.${c.method}() of one element at a time over \`${loopIter(loop)}\``);
    }
  }
  return out;
}

/**
 * Whether the call is (inside) the value of `x[i, j] = …` within two or more nested loops that are not workload
 * loops: the loop nest filling a tensor element by element (C7.element-loop) is the finding, and the conversion
 * in its body is evidence of it, not a second root cause.
 */
function elementStoreInNest(ctx: ModuleContext, c: CallInfo): boolean {
  const nest = c.loops.filter((l) => LOOP_TYPES.has(l.type) && !ctx.isWorkloadLoop(l));
  if (nest.length < 2) return false;
  for (let p = c.node.parent; p; p = p.parent) {
    if (p.type === 'assignment' || p.type === 'augmented_assignment') return p.childForFieldName('left')?.type === 'subscript';
    if (/statement$|^block$/.test(p.type)) return false;
  }
  return false;
}

/**
 * Whether the loop walks text (fields split from a line, characters of a string): converting parsed strings to
 * numbers is the parse itself, not a round trip a vectorized call removes.
 */
function iteratesText(ctx: ModuleContext, fn: string, loop: SyntaxNode): boolean {
  const iter = loopIter(loop);
  if (/\.(split|rsplit|splitlines|decode|strip|rstrip|readline|readlines|read)\(/.test(iter)) return true;
  const root = /^[A-Za-z_]\w*/.exec(iter)?.[0];
  if (!root) return false;
  return ctx.symbols.assignments.some((a) => a.function === fn && a.target === root && /\.(split|rsplit|splitlines|decode|strip|readline|readlines|read)\(|\bcsv\.|\bjson\.loads?\(/.test(a.value));
}

/** The callee text of the call whose argument list holds `node` (directly or through a comprehension), if any. */
function enclosingCallee(node: SyntaxNode): string | null {
  for (let p = node.parent, depth = 0; p && depth < 6; p = p.parent, depth++) {
    if (p.type === 'call') return p.childForFieldName('function')?.text ?? null;
    if (!/argument_list|list_comprehension|generator_expression|list|parenthesized_expression|for_in_clause/.test(p.type) && p.type !== 'call') {
      if (p.type !== 'attribute') return null;
    }
  }
  return null;
}

function loopIter(loop: SyntaxNode): string {
  const clause = loop.type === 'for_statement' ? loop : loop.namedChildren.find((c) => c?.type === 'for_in_clause');
  return clause?.childForFieldName('right')?.text.slice(0, 40) ?? '…';
}

const TOKENIZER_RECEIVER = /(^|\.)(tokenizer|tokeniser|tok|sp|bpe|enc|encoder|processor)$/i;
const TOKENIZER_METHOD = /^(encode|encode_plus|tokenize|encode_as_ids|EncodeAsIds|encode_ordinary|convert_tokens_to_ids)$/;

function isTokenizerCall(c: CallInfo): boolean {
  if (c.method && TOKENIZER_METHOD.test(c.method)) return !!c.receiver && TOKENIZER_RECEIVER.test(c.receiver.text);
  // tokenizer(text, …) / self.tokenizer(text, …): the tokenizer object called directly
  return /(^|\.)(tokenizer|tokeniser)$/i.test(c.callee);
}

/** Whether the call's first argument is one sample (not a list of texts built for the batch). */
function singleSampleArg(c: CallInfo): boolean {
  const a = c.args[0];
  if (!a) return c.keywords.has('text');
  return !(a.type === 'list' || COMPREHENSION_TYPES.has(a.type) || /(^|_)(texts|lines|sentences|batch|prompts|captions|docs|examples)$/i.test(a.text));
}

/** Logging / print calls whose message is formatted eagerly (f-string, .format, %) with a non-scalar value in it. */
const LOG_CALL = /^(print|(logging|logger|log|LOGGER|_logger|self\.logger|self\.log)\.(debug|info|warning|warn|error|critical|log))$/;

function eagerFormatted(ctx: ModuleContext, c: CallInfo): SyntaxNode | null {
  const a = c.args[c.callee.endsWith('.log') ? 1 : 0];
  if (!a) return null;
  const heavy = (e: SyntaxNode | null | undefined, spec: boolean): boolean => {
    if (!e) return false;
    if (ctx.tensorish(e, c.fn)) return true;
    // a value shown without a number format: a container, a repr, an element of one
    if (spec) return false;
    return e.type === 'subscript' || e.type === 'list' || e.type === 'dictionary' || (e.type === 'call' && /\b(repr|str|pformat|dumps)\b/.test(e.childForFieldName('function')?.text ?? ''));
  };
  if (a.type === 'string') {
    for (const i of a.namedChildren) {
      if (i?.type !== 'interpolation') continue;
      const expr = i.childForFieldName('expression') ?? i.namedChildren[0];
      const spec = i.namedChildren.some((x) => x?.type === 'format_specifier');
      const conv = i.namedChildren.some((x) => x?.type === 'type_conversion');
      if (heavy(expr, spec) || (conv && !spec)) return a;
    }
    return null;
  }
  if (a.type === 'call' && /\.format$/.test(a.childForFieldName('function')?.text ?? '')) {
    const args = a.childForFieldName('arguments')?.namedChildren ?? [];
    return args.some((x) => heavy(x, false)) ? a : null;
  }
  return null;
}

/** A condition node of an if/elif/while/assert that holds `node`, or null. */
function conditionHolding(node: SyntaxNode): SyntaxNode | null {
  let child = node;
  for (let p = node.parent; p; child = p, p = p.parent) {
    if (p.type === 'if_statement' || p.type === 'elif_clause' || p.type === 'while_statement') {
      const cond = p.childForFieldName('condition');
      return cond && cond.id === child.id ? cond : null;
    }
    if (p.type === 'assert_statement') return p.namedChildren[0]?.id === child.id ? child : null;
    if (/statement$|^block$|^function_definition$|lambda|comprehension|generator_expression/.test(p.type)) return null;
  }
  return null;
}

const TENSOR_PREDICATE = /^torch\.(isfinite|isnan|isinf|isposinf|isneginf|any|all|equal|allclose|is_nonzero|count_nonzero|gt|lt|ge|le|eq|ne)$/;

export const PYTHON_PATTERNS: CatalogueEntry[] = [
  {
    id: 'C7.per-element-convert', category: 'C7', title: 'per-element conversion in a Python loop',
    description: '`[int(t) for t in a]`, `float(x)`/`.item()` one element at a time, or `.tolist()` only to build a tensor again: one interpreter round trip per element where one vectorized conversion (`a.astype`, `torch.from_numpy`, `.to(dtype)`) does the same work in C.',
    evidence: PY_EVIDENCE, scope: 'hot', pythonOnly: true,
    events: /^py:(tolist|item|int|float)$|^aten::(item|_local_scalar_dense|lift_fresh|tensor)$|^py:.*<(listcomp|genexpr)>$/,
    match: perElementConversions,
  },
  {
    id: 'C7.collate-per-sample-tensor', category: 'C7', title: 'one tensor built per sample in a collate function',
    description: 'A collate / batch builder that calls `torch.tensor(...)` once per sample pays the tensor construction overhead B times per batch; build the padded batch as one array and convert it once.',
    evidence: PY_EVIDENCE, scope: 'anywhere', pythonOnly: true,
    events: /^py:(tensor|as_tensor|from_numpy|LongTensor|FloatTensor|array|asarray)$|^aten::(lift_fresh|tensor|as_tensor|from_numpy)$/,
    match: (ctx) => {
      const fns = collateFunctions(ctx);
      const out: RawMatch[] = [];
      const seen = new Set<number>();
      for (const c of ctx.calls) {
        if (!fns.has(c.fn) || !TENSOR_CTOR.test(c.canonical) || !c.loops.length) continue;
        const at = anchor(c);
        if (seen.has(at.startIndex)) continue;
        seen.add(at.startIndex);
        out.push({ node: at, fn: c.fn, loops: c.loops, why: `${c.callee}() once per sample in ${c.fn}, for every batch` });
      }
      return out;
    },
  },
  {
    id: 'C7.tokenize-per-sample', category: 'C7', title: 'tokenizer called once per sample',
    description: 'Calling the tokenizer for each sample (in `__getitem__` or a loop over the batch) pays its Python overhead per text; tokenize the batch in one call (fast tokenizers run it in Rust, in parallel) or once ahead of training.',
    evidence: PY_EVIDENCE, scope: 'anywhere', pythonOnly: true,
    events: /^py:.*(tokeniz|sentencepiece|tiktoken|tokenizers)/i,
    match: (ctx) => {
      const items = itemFunctions(ctx);
      const collates = collateFunctions(ctx);
      return ctx.calls
        .filter((c) => isTokenizerCall(c) && singleSampleArg(c))
        .filter((c) => (items.has(c.fn) && !collates.has(c.fn)) || (c.loops.length > 0 && (ctx.isHot(c.fn, c.node.startPosition.row + 1) || collates.has(c.fn))))
        .map((c) => ({ node: anchor(c), fn: c.fn, loops: c.loops, why: `${c.callee}() tokenizes one sample per call` }));
    },
  },
  {
    id: 'C7.format-log-hot', category: 'C7', title: 'string formatting for a log line on every step',
    description: 'An f-string (or .format) passed to a logger or print is built before the call, on every step, even when the level is disabled; formatting tensors or containers is slow. Use lazy `%s` arguments, a level check, or log every N steps.',
    evidence: PY_EVIDENCE, scope: 'hot', pythonOnly: true,
    events: /^py:.*(_tensor_str\.py|_tensor\.py:(__format__|__repr__)|logging\/__init__\.py|pprint\.py|reprlib)|^py:(repr|format|print|str)$/,
    match: (ctx) =>
      ctx.calls
        .filter((c) => LOG_CALL.test(c.callee))
        .flatMap((c) => (eagerFormatted(ctx, c) ? [{ node: c.node, fn: c.fn, loops: c.loops, why: `${c.callee}(f"…") formats ${/debug/.test(c.callee) ? 'a debug message (even when DEBUG is off)' : 'its message'} with a tensor or container on every step` }] : [])),
  },
  {
    id: 'C3.tensor-condition', category: 'C3', title: 'a tensor decides an if/while on the host',
    description: '`if torch.isfinite(x):`, `while not done.all():` call bool() on a device tensor: a device→host copy and a CPU–GPU sync every time the condition is evaluated.',
    evidence: [{ query: 'sync', signal: 'synchronization per iteration (D2H copy + stream sync from aten::is_nonzero / item)', confirmsWhen: 'a sync every iteration right after the work the condition depends on' }],
    scope: 'loop-or-hot',
    events: /^aten::(is_nonzero|item|_local_scalar_dense|all|any|equal|allclose)$/,
    match: (ctx) =>
      ctx.calls
        .filter((c) => TENSOR_PREDICATE.test(c.canonical) || ((c.method === 'all' || c.method === 'any') && !!c.receiver && ctx.tensorish(c.receiver, c.fn)))
        .filter((c) => conditionHolding(c.node) !== null)
        .map((c) => ({ node: c.node, fn: c.fn, loops: c.loops, why: `the condition \`${c.node.text.slice(0, 50)}\` is a tensor: bool() copies it to the host and waits for the GPU` })),
  },
];
