// C3 (synchronization) and C4 (memory copy) patterns.
import type { CatalogueEntry, RawMatch } from './catalogue-types.js';
import type { CallInfo, ModuleContext } from './context.js';
import type { SyntaxNode } from './parser.js';

const SYNC_EVIDENCE = [
  { query: 'sync' as const, signal: 'synchronization time per iteration (cudaStreamSynchronize/cudaDeviceSynchronize/sync memcpy)', confirmsWhen: 'sync calls occur every iteration on the main thread' },
  { query: 'gaps' as const, signal: 'GPU idle time right after the sync', confirmsWhen: 'the GPU idles after each sync until the next launch' },
];

const m = (c: CallInfo, why: string, extra: Partial<RawMatch> = {}): RawMatch => ({ node: c.node, fn: c.fn, why, loops: c.loops, ...extra });

function noArgs(c: CallInfo): boolean {
  return c.args.length === 0 && c.keywords.size === 0 && !c.hasSplat;
}

/** `x.cpu().numpy()`: the copy (and sync) is the `.cpu()`; the `.numpy()` after it costs nothing more. */
function receiverIsHostCopy(c: CallInfo): boolean {
  const r = c.receiver;
  if (r?.type !== 'call') return false;
  const f = r.childForFieldName('function');
  const name = f?.type === 'attribute' ? f.childForFieldName('attribute')?.text : null;
  return name === 'cpu' || name === 'numpy' || name === 'item' || name === 'tolist' || (name === 'to' && /['"]cpu['"]/.test(r.text));
}

function methodSync(id: string, method: string, title: string, what: string, events: RegExp): CatalogueEntry {
  return {
    id, category: 'C3', title,
    description: `\`${what}\` copies a device tensor to the host and blocks the CPU until the GPU has finished everything queued before it.`,
    evidence: SYNC_EVIDENCE, scope: 'loop-or-hot', events,
    match: (ctx) =>
      ctx.calls.filter((c) => c.method === method && noArgs(c) && !receiverIsHostCopy(c)).map((c) => m(c, `${what} forces a device→host copy and a CPU–GPU sync`)),
  };
}

const DEVICE_TO_CPU = /^['"]cpu['"]$|^torch\.device\(['"]cpu['"]\)$/;

export const SYNC_PATTERNS: CatalogueEntry[] = [
  methodSync('C3.item-sync', 'item', '.item() on a tensor in the hot path', '.item()', /^aten::(item|_local_scalar_dense)$/),
  {
    ...methodSync('C3.cpu-sync', 'cpu', '.cpu() in the hot path', '.cpu()', /^aten::(to|_to_copy|copy_|cpu)$/),
    match: (ctx) => [
      ...ctx.calls.filter((c) => c.method === 'cpu' && noArgs(c) && !receiverIsHostCopy(c)).map((c) => m(c, '.cpu() forces a device→host copy and a CPU–GPU sync')),
      ...ctx.calls.filter((c) => c.method === 'to' && c.args[0] && DEVICE_TO_CPU.test(c.args[0].text)).map((c) => m(c, ".to('cpu') forces a device→host copy and a CPU–GPU sync")),
    ],
  },
  methodSync('C3.numpy-sync', 'numpy', '.numpy() in the hot path', '.numpy()', /^aten::(to|_to_copy|copy_|cpu|numpy)$/),
  methodSync('C3.tolist-sync', 'tolist', '.tolist() in the hot path', '.tolist()', /^aten::(tolist|item|_local_scalar_dense|to|_to_copy)$/),
  {
    id: 'C3.print-tensor', category: 'C3', title: 'print() of a tensor in the hot path',
    description: 'Printing or formatting a device tensor (also inside an f-string) reads its value on the host, which syncs.',
    evidence: SYNC_EVIDENCE, scope: 'loop-or-hot',
    events: /^aten::(item|_local_scalar_dense|to|_to_copy|copy_)$/,
    match: (ctx) => {
      const out: RawMatch[] = [];
      for (const c of ctx.calls) {
        if (c.callee !== 'print') continue;
        const shown = c.args.flatMap((a) => printedExprs(a));
        const t = shown.find((e) => ctx.tensorish(e, c.fn));
        if (t) out.push(m(c, `print() formats the tensor \`${t.text}\`, which copies it to the host and syncs`));
      }
      return out;
    },
  },
  {
    id: 'C3.cuda-synchronize', category: 'C3', title: 'explicit CUDA synchronize in the hot path',
    description: '`torch.cuda.synchronize()` (or a stream/event synchronize) blocks the CPU until the GPU drains its queue.',
    evidence: SYNC_EVIDENCE, scope: 'loop-or-hot',
    events: /^cuda(Device|Stream)Synchronize$/,
    match: (ctx) =>
      ctx.calls
        .filter((c) => noArgs(c) || c.canonical === 'torch.cuda.synchronize')
        .filter((c) => c.canonical === 'torch.cuda.synchronize' || (c.method === 'synchronize' && !/^(dist|torch\.distributed)\b/.test(c.canonical)))
        .map((c) => m(c, `${c.callee}() blocks the CPU until all queued GPU work finishes`)),
  },
  {
    id: 'C3.float-tensor', category: 'C3', title: 'float()/int()/bool() of a tensor in the hot path',
    description: 'Converting a device tensor to a Python number reads it on the host: an implicit .item() and sync.',
    evidence: SYNC_EVIDENCE, scope: 'loop-or-hot',
    events: /^aten::(item|_local_scalar_dense)$/,
    match: (ctx) =>
      ctx.calls
        .filter((c) => /^(float|int|bool)$/.test(c.callee) && c.args.length === 1 && ctx.tensorish(c.args[0]!, c.fn))
        .map((c) => m(c, `${c.callee}(${c.args[0]!.text}) reads a tensor on the host: an implicit .item() and sync`)),
  },
];

/** The expressions print() shows: positional args and f-string interpolations. */
function printedExprs(a: SyntaxNode): SyntaxNode[] {
  if (a.type === 'string') {
    return a.namedChildren.filter((c) => c?.type === 'interpolation').map((c) => c!.childForFieldName('expression') ?? c!.namedChildren[0]!).filter(Boolean);
  }
  if (a.type === 'concatenated_string') return a.namedChildren.flatMap((c) => (c ? printedExprs(c) : []));
  return [a];
}

const COPY_EVIDENCE = [
  { query: 'memcpy' as const, signal: 'host-to-device copies per iteration (count, bytes, time, pageable vs pinned)', confirmsWhen: 'H2D copies happen every iteration and take a visible share of it' },
];

const DTYPE_ARG = /^torch\.(u?int\d*|float\d*|half|double|bfloat16|long|bool|complex\d*|float8\w*|channels_last|contiguous_format)$|^(dtype|memory_format)$/;

/** `.to(device)` / `.cuda()` moving data to a device (not a dtype cast, not a copy back to the CPU). */
export function isDeviceMove(c: CallInfo): boolean {
  if (c.method === 'cuda') return true;
  if (c.method !== 'to') return false;
  if (c.keywords.has('device')) return !DEVICE_TO_CPU.test(c.keywords.get('device')!.text);
  const a = c.args[0];
  if (!a) return false;
  if (DEVICE_TO_CPU.test(a.text) || DTYPE_ARG.test(a.text) || /dtype|precision/i.test(a.text)) return false;
  if (a.type === 'string') return /cuda|mps|xpu/.test(a.text);
  return a.type === 'identifier' || a.type === 'attribute' || a.type === 'call';
}

const HOST_CTORS = /^torch\.(tensor|as_tensor|from_numpy|Tensor|LongTensor|FloatTensor|IntTensor|BoolTensor|HalfTensor|DoubleTensor|ByteTensor)$/;

export const COPY_PATTERNS: CatalogueEntry[] = [
  {
    id: 'C4.to-device-in-loop', category: 'C4', title: '.to(device)/.cuda() every iteration',
    description: 'Moving a tensor (or the model) to the device inside the loop or a per-step function issues a host→device copy each step.',
    evidence: COPY_EVIDENCE, scope: 'loop-or-hot',
    events: /^aten::(to|_to_copy|copy_)$|^cudaMemcpy/,
    match: (ctx) => ctx.calls.filter(isDeviceMove).map((c) => m(c, `${c.node.text.length > 60 ? c.callee + '(…)' : c.node.text} copies to the device on every call`)),
  },
  {
    id: 'C4.host-tensor-in-loop', category: 'C4', title: 'tensor created on the host every iteration',
    description: '`torch.tensor(...)`/`torch.from_numpy(...)` per step builds the data on the host, then copies it to the device.',
    evidence: COPY_EVIDENCE, scope: 'loop-or-hot',
    events: /^aten::(to|_to_copy|copy_|tensor|lift_fresh|from_numpy)$|^cudaMemcpy/,
    match: (ctx) => ctx.calls.filter((c) => HOST_CTORS.test(c.canonical)).map((c) => m(c, `${c.callee}(…) builds a host tensor each call; using it on the GPU costs a copy`)),
  },
  {
    id: 'C4.non-blocking-missing', category: 'C4', title: 'device copy without non_blocking=True although memory is pinned',
    description: 'With pinned host memory, `.to(device, non_blocking=True)` lets the copy overlap compute; without it the copy is synchronous.',
    evidence: [...COPY_EVIDENCE, { query: 'sync', signal: 'synchronous memcpy time per iteration', confirmsWhen: 'H2D copies are synchronous (no overlap with kernels)' }],
    scope: 'loop-or-hot',
    events: /^aten::(to|_to_copy|copy_)$|^cudaMemcpy/,
    match: (ctx: ModuleContext, repo) => {
      if (!repo.pinsMemory) return [];
      return ctx.calls
        .filter((c) => isDeviceMove(c) && c.keywords.get('non_blocking')?.text !== 'True')
        .map((c) => m(c, 'memory is pinned in this repo, but this copy is not non_blocking: it cannot overlap compute'));
    },
  },
];
