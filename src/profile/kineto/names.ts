// Pure name parsing for PyTorch-profiler traces: kernel short names, legacy call stacks, memcpy
// kinds, synchronization calls, NCCL kernels. No I/O.
import { CopyKind, MemKind, type StackFrame, SyncKind } from '../../core/profile.js';
import { parsePythonFrame } from '../python-frame.js';

/**
 * The bare function name of a demangled kernel signature, as nsys's `shortName` gives it:
 * `void at::native::vectorized_elementwise_kernel<4, F>(int, F)` → `vectorized_elementwise_kernel`.
 * Names without a signature (`volta_scudnn_128x64_relu_medium_nn_v1`) come back unchanged.
 */
export function shortKernelName(full: string): string {
  let s = full.trim();
  if (s.startsWith('void ')) s = s.slice(5);
  // Cut at the first top-level '(' that opens the parameter list (not "(anonymous namespace)").
  let depth = 0;
  let end = s.length;
  for (let i = 0; i < s.length; i++) {
    const c = s[i];
    if (c === '<') depth++;
    else if (c === '>') depth = Math.max(0, depth - 1);
    else if (c === '(' && depth === 0) {
      if (s.startsWith('(anonymous namespace)', i)) {
        i += '(anonymous namespace)'.length - 1;
        continue;
      }
      end = i;
      break;
    }
  }
  s = s.slice(0, end);
  // Drop the trailing template arguments.
  if (s.endsWith('>')) {
    let d = 0;
    for (let i = s.length - 1; i >= 0; i--) {
      if (s[i] === '>') d++;
      else if (s[i] === '<' && --d === 0) {
        s = s.slice(0, i);
        break;
      }
    }
  }
  // Last namespace segment at template depth 0.
  depth = 0;
  let cut = 0;
  for (let i = 0; i < s.length - 1; i++) {
    const c = s[i];
    if (c === '<') depth++;
    else if (c === '>') depth = Math.max(0, depth - 1);
    else if (c === ':' && s[i + 1] === ':' && depth === 0) cut = i + 2;
  }
  const out = s.slice(cut).trim();
  return out.length > 0 ? out : full;
}

/** NCCL / RCCL collective and point-to-point kernels. */
export function isNcclKernelName(name: string): boolean {
  return /^(void )?(nccl|rccl)/i.test(name) || /\bncclDevKernel|\bncclKernel/.test(name);
}

/**
 * The frames of a legacy `Call stack` arg (`a.py(3): f;b.py(9): <module>`), innermost first; a part that is
 * not a Python frame keeps its whole text as the symbol.
 */
export function parseCallStack(stack: string): StackFrame[] {
  const out: StackFrame[] = [];
  for (const part of stack.split(';')) {
    const p = part.trim();
    if (p.length === 0) continue;
    const f = parsePythonFrame(p);
    out.push(f ? { symbol: f.function, file: f.file, line: f.line } : { symbol: p });
  }
  return out;
}

export interface CopyInfo {
  copyKind: CopyKind;
  srcKind: MemKind;
  dstKind: MemKind;
}

const COPY_KINDS: Record<string, CopyKind> = {
  HtoD: CopyKind.HtoD, DtoH: CopyKind.DtoH, DtoD: CopyKind.DtoD, HtoH: CopyKind.HtoH, PtoP: CopyKind.PtoP,
};
const MEM_KINDS: Record<string, MemKind> = {
  Pageable: MemKind.Pageable, Pinned: MemKind.Pinned, Device: MemKind.Device, Array: MemKind.Array,
  Managed: MemKind.Managed,
};

/** `Memcpy HtoD (Pageable -> Device)` → HtoD, Pageable, Device; `kind` is the ROCm arg ("DtoH"). */
export function parseMemcpyName(name: string, kindArg?: unknown): CopyInfo {
  const m = /Memcpy\s+(\w+)(?:\s*\((\w+)\s*->\s*(\w+)\))?/.exec(name);
  const kindText = m?.[1] ?? (typeof kindArg === 'string' ? kindArg : '');
  return {
    copyKind: COPY_KINDS[kindText] ?? (typeof kindArg === 'string' ? COPY_KINDS[kindArg] ?? CopyKind.Unknown : CopyKind.Unknown),
    srcKind: (m?.[2] && MEM_KINDS[m[2]]) || MemKind.Unknown,
    dstKind: (m?.[3] && MEM_KINDS[m[3]]) || MemKind.Unknown,
  };
}

/** The sync kind of a CUDA/HIP runtime call that waits, or undefined for a call that does not. */
export function runtimeSyncKind(name: string): SyncKind | undefined {
  const n = name.replace(/^(cuda|hip)/, '').replace(/_v\d+$|_ptsz$|_ptds$/, '');
  switch (n) {
    case 'StreamSynchronize': return SyncKind.Stream;
    case 'DeviceSynchronize':
    case 'ThreadSynchronize': return SyncKind.Device;
    case 'CtxSynchronize': return SyncKind.Context;
    case 'EventSynchronize': return SyncKind.Event;
    case 'StreamWaitEvent': return SyncKind.StreamWaitEvent;
    default: return undefined;
  }
}

/** `cuda_sync` events: args.cuda_sync_kind / name "Stream Sync", "Event Sync", "Context Sync", "Stream Wait Event". */
export function cudaSyncKind(kind: string): SyncKind {
  switch (kind) {
    case 'Stream Sync': return SyncKind.Stream;
    case 'Event Sync': return SyncKind.Event;
    case 'Context Sync': return SyncKind.Context;
    case 'Stream Wait Event': return SyncKind.StreamWaitEvent;
    default: return SyncKind.Unknown;
  }
}

/**
 * Legacy autograd-profiler events carry no category: an operator has a `ns::` name (`aten::addmm`,
 * `autograd::engine::evaluate_function: AddmmBackward0`), is an autograd node (`AddmmBackward0`,
 * `AccumulateGrad`) or is the bare name of an aten op in the same trace (`detach` beside `aten::detach`);
 * anything else is a user range from record_function (`ProfilerStep#3`, `train_step`).
 */
export function isLegacyOperatorName(name: string, atenOps: ReadonlySet<string>): boolean {
  return name.includes('::') || /^[A-Z]\w*Backward\d*$/.test(name) || name === 'AccumulateGrad' ||
    atenOps.has(name);
}
