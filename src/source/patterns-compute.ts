// C2 (launch overhead), C5 (compute inefficiency) and C6 (communication) patterns.
import type { CatalogueEntry, RawMatch } from './catalogue-types.js';
import { mentions } from './patterns-data.js';
import type { CallInfo, ModuleContext } from './context.js';
import { MODEL_NAME_RE } from './resolve.js';
import type { SyntaxNode } from './parser.js';

const LAUNCH_EVIDENCE = [
  { query: 'launch' as const, signal: 'kernel launches per iteration, launch API time vs kernel time', confirmsWhen: 'many short kernels (< ~10 µs) and launch time ≥ kernel time' },
  { query: 'kernels' as const, signal: 'count and median duration of small kernels', confirmsWhen: 'small elementwise kernels dominate the kernel count' },
];

const SMALL_OPS = new Set([
  'add', 'add_', 'mul', 'mul_', 'sub', 'sub_', 'div', 'div_', 'exp', 'log', 'sum', 'mean', 'max', 'min', 'clamp', 'clamp_',
  'sigmoid', 'tanh', 'relu', 'softmax', 'matmul', 'pow', 'sqrt', 'abs', 'neg', 'copy_', 'zero_', 'fill_', 'index_select',
  'gather', 'scatter', 'scatter_', 'masked_fill', 'masked_fill_', 'where', 'addcmul_', 'addcdiv_', 'lerp_', 'norm', 'dot', 'mm', 'bmm',
]);

function isSmallTorchOp(c: CallInfo): boolean {
  if (/^torch\.(cuda|distributed|utils|backends|jit|no_grad|inference_mode|device|manual_seed|save|load|compile|autocast|set_|get_)/.test(c.canonical)) return false;
  if (/^torch\.[a-z_]+$/.test(c.canonical) || /^torch\.nn\.functional\./.test(c.canonical)) return true;
  return c.method !== null && SMALL_OPS.has(c.method);
}

function within(node: SyntaxNode, inner: SyntaxNode): boolean {
  return inner.startIndex >= node.startIndex && inner.endIndex <= node.endIndex;
}

function subscriptWrites(body: SyntaxNode): number {
  let n = 0;
  const walk = (x: SyntaxNode) => {
    if ((x.type === 'assignment' || x.type === 'augmented_assignment') && x.childForFieldName('left')?.type === 'subscript') n++;
    if (x.type === 'function_definition' || x.type === 'class_definition') return;
    for (const c of x.namedChildren) if (c) walk(c);
  };
  walk(body);
  return n;
}

const COMPUTE_EVIDENCE = (what: string) => [
  { query: 'kernels' as const, signal: what, confirmsWhen: 'these kernels run every iteration and take a visible share of GPU time' },
];

const CONST_CTORS = /^torch\.(arange|ones|zeros|tril|triu|full|eye|empty|linspace|logspace)$/;
const INIT_LIKE = /(^|\.)(__init__|reset_parameters|_init_weights|init_weights|setup|build)$/;

/** Arguments that depend only on shapes/config, not on tensor values. */
function constantArg(ctx: ModuleContext, n: SyntaxNode, depth = 0): boolean {
  if (depth > 8) return false;
  switch (n.type) {
    case 'integer': case 'float': case 'string': case 'true': case 'false': case 'none': case 'identifier': case 'attribute':
      return true;
    case 'keyword_argument':
      return constantArg(ctx, n.childForFieldName('value')!, depth + 1);
    case 'binary_operator': case 'unary_operator': case 'parenthesized_expression': case 'tuple': case 'list':
      return n.namedChildren.every((c) => !c || constantArg(ctx, c, depth + 1));
    case 'subscript':
      return /\.shape$|\.size\(\)$/.test(n.childForFieldName('value')?.text ?? '');
    case 'call': {
      const f = n.childForFieldName('function')?.text ?? '';
      const args = n.childForFieldName('arguments')?.namedChildren ?? [];
      if (/\.(size|dim)$|^len$|^int$|^torch\.device$/.test(f) || CONST_CTORS.test(ctx.canonical(f))) return args.every((a) => !a || constantArg(ctx, a, depth + 1));
      return false;
    }
    default:
      return false;
  }
}

export const COMPUTE_PATTERNS: CatalogueEntry[] = [
  {
    id: 'C2.python-loop-small-ops', category: 'C2', title: 'Python loop of small tensor ops',
    description: 'A Python for/while loop whose body issues several small tensor ops launches tiny kernels one by one; vectorise it or fuse it (torch.compile).',
    evidence: LAUNCH_EVIDENCE, scope: 'hot',
    match: (ctx) => {
      const out: RawMatch[] = [];
      for (const l of ctx.loops) {
        if (ctx.isWorkloadLoop(l.node)) continue;
        const body = l.node.childForFieldName('body');
        if (!body) continue;
        const ops = ctx.calls.filter((c) => within(body, c.node) && c.fn === l.fn && isSmallTorchOp(c));
        if (ops.length === 0) continue;
        const writes = subscriptWrites(body);
        // a loop over a model's parameters/buffers runs once per tensor: even one or two ops each are hundreds of
        // launches (EMA, manual SGD, grad clipping by hand); torch._foreach_* does it in a few
        const overParams = /\.(parameters|named_parameters|buffers|named_buffers|state_dict)\(\)|\.values\(\)/.test(l.node.childForFieldName('right')?.text ?? '');
        if (ops.length === 0 || (ops.length + writes < 3 && !overParams)) continue;
        if (ctx.calls.some((c) => within(body, c.node) && MODEL_NAME_RE.test(c.callee.split('.').pop() ?? ''))) continue;
        out.push({ node: l.node, fn: l.fn, loops: l.loops, why: `loop body issues ${ops.length} tensor op${ops.length > 1 ? 's' : ''}${writes ? ` and ${writes} indexed write${writes > 1 ? 's' : ''}` : ''} per ${overParams ? 'parameter' : 'element'}: one small kernel each` });
      }
      return out;
    },
  },
  {
    id: 'C2.no-compile', category: 'C2', title: 'model runs eagerly: no torch.compile or CUDA graphs anywhere',
    description: 'Nothing in the repo compiles the model or captures CUDA graphs, so every op is a separate launch from Python.',
    evidence: LAUNCH_EVIDENCE, scope: 'anywhere',
    measuredAt: 'category',
    match: (ctx, repo) => {
      if (repo.usesCompile) return [];
      const r = ctx.index.resolver;
      const out: RawMatch[] = [];
      const roots = new Set(r.rootModelClasses());
      for (const c of ctx.calls) {
        const owner = r.enclosingClass(ctx.symbols, c.fn);
        if (owner && r.isModuleClass(owner.id)) continue; // a submodule built inside a model
        const v = r.resolveExpr(ctx.symbols, c.fn, c.callee, 0, c.node.startPosition.row + 1);
        if (v?.kind !== 'class' || !roots.has(v.id)) continue;
        const fwd = r.classMember(v.id, 'forward', false);
        const hot = !!fwd && ctx.hot.functions.has(fwd);
        if (!hot) continue;
        out.push({ node: c.node, fn: c.fn, loops: c.loops, hot, why: `${c.callee} is built here and run eagerly: no torch.compile/CUDA graphs in the repo` });
      }
      return out;
    },
  },
  {
    id: 'C5.constant-in-forward', category: 'C5', title: 'constant tensor recomputed on every forward',
    description: '`torch.arange`/`ones`/`tril`/… with shape-only arguments inside forward re-creates the same tensor (and launches kernels) each call; register it as a buffer or cache it.',
    evidence: COMPUTE_EVIDENCE('small fill/arange/tril kernels per iteration'), scope: 'anywhere',
    events: /^aten::(arange|ones|zeros|full|tril|triu|eye|empty|linspace|logspace)$/,
    match: (ctx) => {
      const out: RawMatch[] = [];
      const r = ctx.index.resolver;
      for (const c of ctx.calls) {
        if (!CONST_CTORS.test(c.canonical) || INIT_LIKE.test(c.fn)) continue;
        const f = r.functions.get(`${ctx.file}:${c.fn}`);
        const inModule = !!f?.className && r.isModuleClass(`${ctx.file}:${f.className}`);
        const isForward = f?.name === 'forward' || (inModule && ctx.hot.functions.has(`${ctx.file}:${c.fn}`));
        if (!isForward) continue;
        if (![...c.args, ...c.keywords.values()].every((a) => constantArg(ctx, a))) continue;
        const parentCall = c.node.parent?.parent;
        if (parentCall?.type === 'call' && CONST_CTORS.test(ctx.canonical(parentCall.childForFieldName('function')?.text ?? ''))) continue;
        out.push({ node: c.node, fn: c.fn, loops: c.loops, why: `${c.callee}(…) depends only on shapes/config but is rebuilt on every forward` });
      }
      return out;
    },
  },
  {
    id: 'C5.redundant-copy-in-loop', category: 'C5', title: 'clone/contiguous/cat inside a loop',
    description: 'A copy per loop iteration; `x = torch.cat([x, y])` in a loop copies the growing tensor every time (quadratic).',
    evidence: COMPUTE_EVIDENCE('copy/cat kernels (elementwise copy, CatArrayBatchedCopy) per iteration'), scope: 'loop',
    events: /^aten::(clone|contiguous|cat|copy_)$/,
    match: (ctx) =>
      ctx.calls
        .filter((c) => c.loops.some((l) => l.type === 'for_statement' || l.type === 'while_statement'))
        .filter((c) => ((c.method === 'clone' || c.method === 'contiguous') && c.args.length === 0) || c.canonical === 'torch.cat')
        .map((c) => {
          const stmt = c.node.parent?.type === 'assignment' ? c.node.parent : null;
          const target = stmt?.childForFieldName('left')?.text;
          const grows = c.canonical === 'torch.cat' && !!target && mentions(c.args[0]?.text ?? '', target);
          return { node: c.node, fn: c.fn, loops: c.loops, why: grows ? `${target} grows by torch.cat every iteration: quadratic copying` : `${c.method ? '.' + c.method + '()' : 'torch.cat'} copies a tensor every loop iteration` };
        }),
  },
  {
    id: 'C5.fp32-no-autocast', category: 'C5', title: 'training step in fp32 without autocast',
    description: 'The forward/backward of the training step runs in fp32; autocast (bf16/fp16) uses tensor cores and halves activation traffic.',
    evidence: COMPUTE_EVIDENCE('GEMM kernels in fp32 (sgemm, no tensor-core kernels) per iteration'), scope: 'hot',
    measuredAt: 'category', needsGpu: true,
    match: (ctx, repo) => {
      if (repo.usesLowPrecision) return [];
      const train = ctx.hot.loops.filter((l) => l.hot && l.kind === 'train' && l.file === ctx.file);
      const out: RawMatch[] = [];
      for (const c of ctx.calls) {
        const line = c.node.startPosition.row + 1;
        if (!train.some((l) => l.function === c.fn && line >= l.bodyLine && line <= l.endLine)) continue;
        const fwd = MODEL_NAME_RE.test(c.callee.split('.').pop() ?? '') || ctx.index.graph.targetsAt(ctx.file, line, c.node.startPosition.column + 1).some((e) => e.to.endsWith('.forward'));
        if (!fwd || c.withItems.some((w) => /autocast|amp/.test(w))) continue;
        out.push({ node: c.node, fn: c.fn, loops: c.loops, why: `${c.callee}(…) runs the training forward in fp32: no autocast in the repo` });
      }
      return out;
    },
  },
];

const COMM_EVIDENCE = [
  { query: 'nccl' as const, signal: 'NCCL kernel time per iteration', confirmsWhen: 'communication takes a visible share of the iteration' },
  { query: 'overlap' as const, signal: 'NCCL time not overlapped with compute', confirmsWhen: 'collectives run on the critical path, not hidden under compute' },
];

const DDP = /(^|\.)(DistributedDataParallel|DDP)$/;
const COLLECTIVE = /^torch\.distributed\.(barrier|all_reduce|all_gather|all_gather_into_tensor|all_gather_object|reduce_scatter|reduce_scatter_tensor|broadcast|broadcast_object_list|reduce|all_to_all|all_to_all_single|gather|scatter)$/;

export const COMM_PATTERNS: CatalogueEntry[] = [
  {
    id: 'C6.ddp-find-unused', category: 'C6', title: 'DDP with find_unused_parameters=True',
    description: 'DDP traverses the autograd graph every step to find unused parameters, and delays the gradient all-reduce.',
    evidence: COMM_EVIDENCE, scope: 'anywhere',
    measuredAt: 'category',
    match: (ctx) =>
      ctx.calls.filter((c) => DDP.test(c.canonical) && c.keywords.get('find_unused_parameters')?.text === 'True')
        .map((c) => ({ node: c.node, fn: c.fn, loops: c.loops, why: 'find_unused_parameters=True adds a graph traversal per step and delays gradient buckets' })),
  },
  {
    id: 'C6.small-bucket', category: 'C6', title: 'DDP bucket_cap_mb set small',
    description: 'Small gradient buckets mean many small all-reduces, each with its own latency.',
    evidence: COMM_EVIDENCE, scope: 'anywhere',
    measuredAt: 'category',
    match: (ctx) =>
      ctx.calls.filter((c) => DDP.test(c.canonical) && /^\d+(\.\d+)?$/.test(c.keywords.get('bucket_cap_mb')?.text ?? '') && Number(c.keywords.get('bucket_cap_mb')!.text) < 25)
        .map((c) => ({ node: c.node, fn: c.fn, loops: c.loops, why: `bucket_cap_mb=${c.keywords.get('bucket_cap_mb')!.text} (< the 25 MB default): many small all-reduces` })),
  },
  {
    id: 'C6.collective-in-loop', category: 'C6', title: 'barrier/collective in the training loop',
    description: 'An explicit barrier or collective every step synchronises all ranks on the critical path.',
    evidence: COMM_EVIDENCE, scope: 'loop-or-hot',
    events: /nccl|c10d::|record_param_comms|barrier|all_reduce|allreduce|all_gather|broadcast/i,
    match: (ctx) =>
      ctx.calls.filter((c) => COLLECTIVE.test(c.canonical))
        .map((c) => ({ node: c.node, fn: c.fn, loops: c.loops, why: `${c.callee}() synchronises every rank on each call` })),
  },
  {
    id: 'C6.no-sync-misuse', category: 'C6', title: 'no_sync() used on every micro-step (or around the optimizer step)',
    description: '`with model.no_sync():` skips the gradient all-reduce; used unconditionally in the loop, gradients are never synchronised before the step.',
    evidence: COMM_EVIDENCE, scope: 'anywhere',
    measuredAt: 'category',
    match: (ctx) => {
      const out: RawMatch[] = [];
      for (const c of ctx.calls) {
        if (c.method !== 'no_sync') continue;
        const withStmt = c.node.parent?.parent?.parent;
        if (withStmt?.type !== 'with_statement') continue;
        const body = withStmt.childForFieldName('body');
        const inner = ctx.calls.filter((x) => body && within(body, x.node));
        if (inner.some((x) => /(^|\.)(step)$/.test(x.callee) && /optim|opt\b|scaler/i.test(x.callee))) {
          out.push({ node: c.node, fn: c.fn, loops: c.loops, why: 'the optimizer steps inside no_sync(): gradients are not all-reduced before the update' });
          continue;
        }
        const loop = c.loops[c.loops.length - 1];
        if (!loop) continue;
        let conditional = false;
        for (let p = withStmt.parent; p && p.id !== loop.id; p = p.parent) if (p.type === 'if_statement') conditional = true;
        const loopBody = loop.childForFieldName('body');
        const backwardOutside = ctx.calls.some((x) => loopBody && within(loopBody, x.node) && !(body && within(body, x.node)) && /\.backward$/.test(x.callee));
        if (!conditional && !backwardOutside) {
          out.push({ node: c.node, fn: c.fn, loops: c.loops, why: 'no_sync() wraps every backward in the loop unconditionally: no step ever all-reduces' });
        }
      }
      return out;
    },
  },
];
