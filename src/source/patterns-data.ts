// C1 (host scheduling: DataLoader settings) and C7 (Python pipeline) patterns.
import type { CatalogueEntry, RawMatch } from './catalogue-types.js';
import { escapeRegExp } from '../core/regexp.js';
import { COMPREHENSION_TYPES, LOOP_TYPES, type CallInfo, type ModuleContext } from './context.js';
import type { SyntaxNode } from './parser.js';

const DATALOADER = /(^|\.)DataLoader$/;

const HOST_EVIDENCE = [
  { query: 'gaps' as const, signal: 'GPU idle between iterations while the main thread is busy', confirmsWhen: 'the GPU idles at the start of each iteration waiting for the next batch' },
  { query: 'osrt' as const, signal: 'DataLoader worker threads/processes and main-thread time in data loading', confirmsWhen: 'no worker activity, or the main thread loads batches itself' },
];

/** Whether the DataLoader built by this call is the one a hot loop iterates. */
function loaderIsHot(ctx: ModuleContext, c: CallInfo): boolean {
  const line = c.node.startPosition.row + 1;
  const target = ctx.symbols.assignments.find((a) => a.line === line && a.valueCallee === c.callee)?.target;
  const hotLoops = ctx.hot.loops.filter((l) => l.hot);
  if (target && hotLoops.some((l) => mentions(l.iter, target))) return true;
  // built and returned by a factory (`return DataLoader(...)`) whose result a hot loop iterates: `loader = make_loader(...)`
  if (c.fn !== '<module>' && (c.node.parent?.type === 'return_statement' || (target && returnsName(ctx, c.fn, target)))) {
    const factory = c.fn.split('.').pop()!;
    for (const l of hotLoops) {
      const mod = ctx.index.byFile.get(l.file);
      const assigned = mod?.symbols.assignments.filter((a) => a.function === l.function && a.line <= l.line && a.valueCallee?.split('.').pop() === factory) ?? [];
      if (assigned.some((a) => mentions(l.iter, a.target))) return true;
    }
  }
  const sites = ctx.hot.dataLoaders.length;
  return sites === 1 && hotLoops.some((l) => /loader|_dl\b/i.test(l.iter));
}

/** Whether function `fn` of this module has a `return <name>` statement. */
function returnsName(ctx: ModuleContext, fn: string, name: string): boolean {
  const f = ctx.symbols.functions.find((x) => x.qualname === fn);
  if (!f) return false;
  const lines = ctx.pm.source.split(/\r?\n/).slice(f.line - 1, f.endLine);
  return lines.some((t) => new RegExp(`^\\s*return\\s+${name.replace(/[.]/g, '\\.')}\\s*$`).test(t));
}

/** Whether `expr` mentions `name` as a whole expression part (`loader` in `enumerate(loader)`, not in `loader2`). */
export function mentions(expr: string, name: string): boolean {
  return new RegExp(`(^|[^\\w.])${escapeRegExp(name)}($|[^\\w])`).test(expr);
}

function loaderMatch(ctx: ModuleContext, c: CallInfo, why: string): RawMatch {
  return { node: c.node, fn: c.fn, why, loops: c.loops, hot: loaderIsHot(ctx, c) };
}

const kw = (c: CallInfo, k: string) => c.keywords.get(k)?.text;

/**
 * The DataLoader calls (without **kwargs) that leave keyword `key` at its costly default `value`, by omission or
 * spelled out; the match says which, then `effect`.
 */
function loaderLeftAt(key: string, value: string, effect: string): CatalogueEntry['match'] {
  return (ctx) =>
    ctx.calls
      .filter((c) => DATALOADER.test(c.canonical) && !c.hasSplat && (kw(c, key) ?? value) === value)
      .map((c) => loaderMatch(ctx, c, `${kw(c, key) === undefined ? `${key} not set (default ${value})` : `${key}=${value}`}: ${effect}`));
}

export const LOADER_PATTERNS: CatalogueEntry[] = [
  {
    id: 'C1.dataloader-workers', category: 'C1', title: 'DataLoader loads batches on the main thread (num_workers=0)',
    description: 'With num_workers=0 (the default) every batch is read, decoded and collated on the training thread while the GPU waits.',
    evidence: HOST_EVIDENCE, scope: 'anywhere',
    match: loaderLeftAt('num_workers', '0', 'batches are built on the main thread'),
  },
  {
    id: 'C1.dataloader-pin-memory', category: 'C1', title: 'DataLoader without pin_memory',
    description: 'Without pin_memory=True, batches sit in pageable memory: host→device copies are staged and cannot overlap compute.',
    evidence: [...HOST_EVIDENCE, { query: 'memcpy', signal: 'pageable H2D copies per iteration', confirmsWhen: 'H2D copies come from pageable memory' }],
    scope: 'anywhere',
    needsGpu: true,
    match: loaderLeftAt('pin_memory', 'False', 'batches are copied from pageable memory'),
  },
  {
    id: 'C1.dataloader-prefetch', category: 'C1', title: 'DataLoader workers without persistent_workers/prefetch_factor',
    description: 'Workers are re-created every epoch and prefetch only the default 2 batches each.',
    evidence: HOST_EVIDENCE, scope: 'anywhere',
    match: (ctx) =>
      ctx.calls
        .filter((c) => DATALOADER.test(c.canonical) && !c.hasSplat)
        .filter((c) => {
          const w = kw(c, 'num_workers');
          return w !== undefined && w !== '0' && kw(c, 'prefetch_factor') === undefined && (kw(c, 'persistent_workers') === undefined || kw(c, 'persistent_workers') === 'False');
        })
        .map((c) => loaderMatch(ctx, c, 'workers are not persistent and prefetch_factor is the default')),
  },
];

const PY_EVIDENCE = [
  { query: 'python' as const, signal: 'CPU time in Python between kernel launches (or in data loading) per iteration', confirmsWhen: 'the main thread is busy in Python while the GPU idles' },
  { query: 'gaps' as const, signal: 'GPU idle gaps per iteration', confirmsWhen: 'gaps line up with the Python work' },
];

const BUILDS_TENSOR = /^(torch\.(tensor|as_tensor|from_numpy|stack|cat|Tensor|LongTensor|FloatTensor|zeros|ones|empty|full)|numpy\.(array|asarray|stack|concatenate|zeros|ones))$/;

/** Dataset item access and collate functions of this module. */
export function itemFunctions(ctx: ModuleContext): Set<string> {
  const out = new Set<string>();
  const r = ctx.index.resolver;
  for (const f of ctx.symbols.functions) {
    if ((f.name === '__getitem__' || f.name === '__getitems__') && f.className && r.isDatasetClass(`${ctx.file}:${f.className}`)) out.add(f.qualname);
    if (/collate/i.test(f.name)) out.add(f.qualname);
  }
  for (const d of ctx.hot.dataLoaders) for (const id of [...d.datasetFns, ...d.collateFns]) if (id.startsWith(`${ctx.file}:`) && !id.endsWith('.__iter__') && !id.endsWith('.__next__')) out.add(id.slice(ctx.file.length + 1));
  return out;
}

/** Collate functions and batch builders of this module (names with collate, DataLoader collate_fn targets). */
export function collateFunctions(ctx: ModuleContext): Set<string> {
  const out = new Set<string>();
  for (const f of ctx.symbols.functions) if (/collat|(^|_)(make|build)_batch$/i.test(f.name) || (f.name === '__call__' && /collat/i.test(f.className ?? ''))) out.add(f.qualname);
  for (const d of ctx.hot.dataLoaders) for (const id of d.collateFns) if (id.startsWith(`${ctx.file}:`) && !id.endsWith('.__iter__') && !id.endsWith('.__next__')) out.add(id.slice(ctx.file.length + 1));
  return out;
}

/**
 * The `with open(...) as f:` whose file object `f` the parser call `c` reads (`json.load(f)`, `csv.DictReader(f)`),
 * or an `open(...)` passed to it directly (`json.load(open(p))`): one root cause, reported at the parser.
 */
function openerOf(ctx: ModuleContext, c: CallInfo): CallInfo | undefined {
  const arg = c.args[0];
  if (!arg) return undefined;
  if (arg.type === 'call') return ctx.calls.find((o) => o.node.id === arg.id && FILE_OPENERS.test(o.canonical));
  if (arg.type !== 'identifier') return undefined;
  for (let p = c.node.parent; p; p = p.parent) {
    if (p.type === 'function_definition') return undefined;
    if (p.type !== 'with_statement') continue;
    for (const item of p.descendantsOfType('with_item')) {
      const v = item?.childForFieldName('value');
      if (v?.type !== 'as_pattern') continue;
      const target = v.childForFieldName('alias')?.text ?? v.namedChildren[v.namedChildren.length - 1]?.text;
      const call = v.namedChildren[0];
      if (target === arg.text && call?.type === 'call') return ctx.calls.find((o) => o.node.id === call.id && FILE_OPENERS.test(o.canonical));
    }
  }
  return undefined;
}

/** Whether this opener's file is parsed by a serializer call (then the parser's line is the finding). */
function parsedBy(ctx: ModuleContext, opener: CallInfo): boolean {
  return ctx.calls.some((c) => SERIALIZERS.test(c.canonical) && openerOf(ctx, c)?.node.id === opener.node.id);
}

function callsWithin(ctx: ModuleContext, node: SyntaxNode): CallInfo[] {
  return ctx.calls.filter((c) => c.node.startIndex >= node.startIndex && c.node.endIndex <= node.endIndex);
}

const FILE_OPENERS = /^(numpy\.(memmap|load|fromfile|loadtxt)|open|io\.open|h5py\.File|torch\.load|pandas\.read_\w+|zarr\.open|safetensors\.\w+\.load_file|lmdb\.open)$/;
/** np.memmap(…), or np.load(…, mmap_mode=…): the file is mapped, not read, on this line. */
const MAPS_FILE = (c: CallInfo): boolean => c.canonical === 'numpy.memmap' || (c.canonical === 'numpy.load' && !!c.keywords.get('mmap_mode') && c.keywords.get('mmap_mode')!.text !== 'None');
const SERIALIZERS = /^(json|pickle|cPickle|yaml|msgpack|orjson|ujson|marshal)\.(loads?|dumps?|safe_load|safe_dump|full_load|unsafe_load|unpackb|packb)$|^csv\.(reader|DictReader)$/;
const STACKERS = /^(torch\.(stack|cat|tensor|as_tensor|LongTensor|FloatTensor)|numpy\.(stack|array|asarray|concatenate|vstack))$/;

const PER_SAMPLE_TENSOR = /^(torch\.(tensor|as_tensor|from_numpy)|numpy\.(array|asarray))$/;

/**
 * The loop spelling of a batch assembled sample by sample: `xs.append(torch.from_numpy(…))` in a loop, then
 * `torch.stack(xs)` after it, in a batch builder that is not a collate function (there it is
 * C7.collate-per-sample-tensor). Reported at the per-sample constructor, where the time goes.
 */
function appendedThenStacked(ctx: ModuleContext): RawMatch[] {
  const collates = collateFunctions(ctx);
  const out: RawMatch[] = [];
  for (const s of ctx.calls) {
    const list = s.args[0];
    if (!/^(torch|numpy)\.stack$/.test(s.canonical) || list?.type !== 'identifier' || collates.has(s.fn)) continue;
    for (const a of ctx.calls) {
      if (a.fn !== s.fn || a.method !== 'append' || a.receiver?.text !== list.text || !a.loops.length || a.node.endIndex > s.node.startIndex || !a.args[0]) continue;
      const ctor = callsWithin(ctx, a.args[0]).find((c) => PER_SAMPLE_TENSOR.test(c.canonical));
      if (ctor) out.push({ node: ctor.node, fn: s.fn, loops: ctor.loops, why: `${ctor.callee}() per sample appended to \`${list.text}\`, then ${s.callee}(${list.text}): the batch is assembled one sample at a time` });
    }
  }
  return out;
}

export const PIPELINE_PATTERNS: CatalogueEntry[] = [
  {
    id: 'C7.per-sample-getitem', category: 'C7', title: 'per-element Python loop in __getitem__/collate',
    description: 'A Python loop or comprehension in dataset item access or collate that builds tensors element by element runs for every sample of every batch.',
    evidence: PY_EVIDENCE, scope: 'anywhere', pythonOnly: true,
    match: (ctx) => {
      // collate functions have their own entry (C7.collate-per-sample-tensor)
      const collates = collateFunctions(ctx);
      const fns = new Set([...itemFunctions(ctx)].filter((f) => !collates.has(f)));
      const out: RawMatch[] = [];
      for (const l of [...ctx.loops, ...ctx.comprehensions]) {
        if (!fns.has(l.fn) || l.loops.length) continue; // outermost loop only
        const builds = callsWithin(ctx, l.node).find((c) => BUILDS_TENSOR.test(c.canonical));
        if (!builds) continue;
        // a for/while loop is reported at the call in its body (where the time goes), a comprehension at itself
        const loop = LOOP_TYPES.has(l.node.type);
        const kind = loop ? `${l.node.type === 'for_statement' ? 'for' : 'while'} loop` : 'comprehension';
        out.push({ node: loop ? builds.node : l.node, fn: l.fn, loops: [l.node], why: `${kind} in ${l.fn} calls ${builds.callee}() per element, for every sample` });
      }
      return out;
    },
  },
  {
    id: 'C7.reopen-per-call', category: 'C7', title: 'file or memmap reopened on every call',
    description: 'Opening a file, np.memmap or np.load inside a per-step function re-does the open/mmap (and page-cache work) each batch.',
    evidence: [...PY_EVIDENCE, { query: 'osrt', signal: 'open/mmap/read OS calls per iteration', confirmsWhen: 'file-system calls repeat every iteration' }],
    scope: 'hot',
    events: /^py:(open|memmap|load|fromfile|File|loadtxt)$|^py:.*(memmap\.py|npyio\.py|h5py|safetensors|lmdb).*$|^(open|open64|openat|mmap|mmap64|read|pread64|close|fstat|lseek)/,
    match: (ctx) =>
      ctx.calls
        .filter((c) => FILE_OPENERS.test(c.canonical) && !/\.__init__$|^__init__$/.test(c.fn) && !parsedBy(ctx, c))
        .map((c) => ({
          node: c.node, fn: c.fn, loops: c.loops, why: `${c.callee}(…) reopens the file on every call instead of once`,
          // a fresh map costs little where it is made: its pages fault in again where it is read, later in the call
          ...(MAPS_FILE(c) ? { deferredCost: 'a memory map opened per call faults its pages in again where it is read, so most of its cost lands on the lines that read it' } : {}),
        })),
  },
  {
    id: 'C7.serialization-hot', category: 'C7', title: 'JSON/pickle (de)serialization in the hot path',
    description: 'Serializing or parsing in the step path is pure-Python CPU time the GPU waits on.',
    evidence: PY_EVIDENCE, scope: 'loop-or-hot', pythonOnly: true,
    events: /^py:(json|pickle|yaml|csv|orjson|ujson|msgpack|marshal)[\w/]*\.py:|^py:(loads?|dumps?|safe_load|reader|DictReader|unpackb|packb)$/,
    match: (ctx) =>
      ctx.calls.filter((c) => SERIALIZERS.test(c.canonical)).map((c) => {
        const opened = openerOf(ctx, c);
        return {
          node: c.node, fn: c.fn, loops: c.loops,
          why: `${c.callee}() ${/dump|pack/.test(c.callee) ? 'serializes' : 'parses'} in Python on the per-step path${opened ? ` (the file it reads is opened on line ${opened.node.startPosition.row + 1}: the same root cause)` : ''}`,
          ...(opened ? { related: [{ line: opened.node.startPosition.row + 1, why: `${opened.callee}(…) opens the file this call parses, on every call` }] } : {}),
        };
      }),
  },
  {
    id: 'C7.sample-by-sample-batch', category: 'C7', title: 'batch assembled sample by sample',
    description: '`torch.stack([... for i in ix])` (or a loop appending one tensor per sample to a list stacked after it) builds a batch from per-sample tensors in Python instead of one indexed gather or one conversion.',
    evidence: PY_EVIDENCE, scope: 'anywhere', pythonOnly: true,
    match: (ctx) => [
      ...ctx.calls
        .filter((c) => STACKERS.test(c.canonical) && c.args[0] && COMPREHENSION_TYPES.has(c.args[0].type))
        .map((c) => ({ node: c.node, fn: c.fn, loops: c.loops, why: `${c.callee}() over a comprehension assembles the batch one sample at a time` })),
      ...appendedThenStacked(ctx),
    ],
  },
];
