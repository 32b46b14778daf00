// callchain: the native callchain of a runtime call (nsys CUDA_CALLCHAINS) when the profile has one, and
// the Python frames / CPU ops enclosing the call on the same thread (Kineto python_function, cpu_op).
// Select the call by --correlation-id or --row; with neither, the longest calls (optionally --name) are shown.
import { UserError } from '../../core/errors.js';
import type { ProfileModel, StackFrame } from '../../core/profile.js';
import type { QueryDef } from './query-def.js';
import {
  LIMIT_PARAM, TopN, apiName, correlationIndex, intArg, lookupCorrelation, nameOf, numArg, round, strArg,
} from './util.js';

export interface PyFrame {
  /** python_function or cpu_op */
  kind: 'python' | 'cpu_op';
  name: string;
  file?: string;
  line?: number;
  startNs: number;
  endNs: number;
}

export interface CallchainEntry {
  row: number;
  name: string;
  correlationId: number;
  pid: number;
  tid: number;
  startNs: number;
  durationNs: number;
  callchainId: number;
  /** native frames, innermost first (empty when the profile has none for this call) */
  frames: StackFrame[];
  /** enclosing Python frames and CPU ops on the same thread, innermost first */
  python: PyFrame[];
}

export interface CallchainResult {
  runtimeCalls: number;
  callsWithCallchain: number;
  callchains: number;
  hasPythonFrames: boolean;
  calls: CallchainEntry[];
}

/** The Python frames and CPU ops on a thread that enclose [s, e] (one with those bounds included), innermost first. */
export function enclosingFrames(model: ProfileModel, pid: number, tid: number, s: number, e: number): PyFrame[] {
  const c = model.cpu;
  const { start: cStart, end: cEnd, pid: cPid, tid: cTid, kind: cKind, nameId: cName, fileId: cFile, line: cLine } = c;
  const python: PyFrame[] = [];
  for (let i = 0; i < c.length; i++) {
    if (cTid[i] !== tid || cPid[i] !== pid || cStart[i]! > s || cEnd[i]! < e) continue;
    const kind = cKind[i] === 1 ? 'python' : cKind[i] === 0 ? 'cpu_op' : null;
    if (!kind) continue;
    const f: PyFrame = { kind, name: nameOf(model, cName[i]!), startNs: cStart[i]!, endNs: cEnd[i]! };
    if (cFile[i]! >= 0 && nameOf(model, cFile[i]!)) Object.assign(f, { file: nameOf(model, cFile[i]!), line: cLine[i]! });
    python.push(f);
  }
  // innermost first: latest start, then shortest
  python.sort((a, b) => b.startNs - a.startNs || a.endNs - b.endNs);
  return python;
}

export function callchainOf(model: ProfileModel, row: number, frameLimit = 64): CallchainEntry {
  const rt = model.runtime;
  const id = rt.callchainId[row]!;
  const frames = id >= 0 ? (model.callchains.get(id) ?? []) : [];
  const s = rt.start[row]!;
  const e = rt.end[row]!;
  const pid = rt.pid[row]!;
  const tid = rt.tid[row]!;
  const python = enclosingFrames(model, pid, tid, s, e);
  return {
    row, name: apiName(model, rt.nameId[row]!), correlationId: rt.correlationId[row]!, pid, tid,
    startNs: s, durationNs: e - s, callchainId: id,
    frames: frames.slice(0, frameLimit), python: python.slice(0, frameLimit),
  };
}

export function callchains(
  model: ProfileModel,
  opts: { correlationId?: number | undefined; row?: number | undefined; name?: string | undefined; limit?: number | undefined } = {},
): CallchainResult {
  const rt = model.runtime;
  const { start, end, nameId, callchainId } = rt;
  let withChain = 0;
  for (let i = 0, n = rt.length; i < n; i++) if (callchainId[i]! >= 0) withChain++;
  const base = {
    runtimeCalls: rt.length, callsWithCallchain: withChain, callchains: model.callchains.size,
    hasPythonFrames: model.meta.capabilities.pythonStacks,
  };
  if (opts.row !== undefined) {
    if (opts.row < 0 || opts.row >= rt.length) throw new UserError(`--row ${opts.row} is out of range: the profile has ${rt.length} runtime calls`);
    return { ...base, calls: [callchainOf(model, opts.row)] };
  }
  if (opts.correlationId !== undefined) {
    const r = lookupCorrelation(correlationIndex(rt), opts.correlationId);
    if (r < 0) throw new UserError(`no runtime call with correlation id ${opts.correlationId}`);
    return { ...base, calls: [callchainOf(model, r)] };
  }
  const top = new TopN<number>(opts.limit ?? 10);
  for (let i = 0, n = rt.length; i < n; i++) {
    if (opts.name && apiName(model, nameId[i]!) !== opts.name) continue;
    const d = end[i]! - start[i]!;
    // calls with a callchain first, then by duration
    const score = (callchainId[i]! >= 0 ? 1e18 : 0) + d;
    if (top.wants(score)) top.add(score, i);
  }
  return { ...base, calls: top.values().map((r) => callchainOf(model, r, 16)) };
}

export function formatCallchain(r: CallchainResult): string {
  const head = `${r.runtimeCalls} runtime calls, ${r.callsWithCallchain} with a callchain` +
    (r.hasPythonFrames ? ', Python frames present' : '');
  const body = r.calls.map((c) => {
    const lines = [`${c.name} (row ${c.row}, correlation ${c.correlationId}, tid ${c.tid}, ${round(c.durationNs / 1e3, 2)} µs at ${c.startNs} ns)`];
    for (const f of c.frames) lines.push(`    ${f.symbol}${f.file ? ` ${f.file}:${f.line ?? ''}` : ''}${f.module ? `  [${f.module}]` : ''}`);
    for (const p of c.python) lines.push(`    ${p.kind === 'python' ? 'py' : 'op'} ${p.name}${p.file ? ` ${p.file}:${p.line}` : ''}`);
    if (!c.frames.length && !c.python.length) lines.push('    (no callchain or Python frames for this call)');
    return lines.join('\n');
  });
  return [head, ...body].join('\n\n');
}

export const callchainQuery: QueryDef<CallchainResult> = {
  name: 'callchain',
  description: 'Callchain of a runtime call (native frames) and the enclosing Python frames / CPU ops on its thread',
  params: [
    { ...LIMIT_PARAM, default: 10, description: 'calls listed when no call is selected' },
    { name: 'correlationId', type: 'number', description: 'the runtime call (or its kernel) correlation id' },
    { name: 'row', type: 'number', description: 'the runtime call by row index' },
    { name: 'name', type: 'string', description: 'list only calls of this API (suffix stripped, e.g. cudaStreamSynchronize)' },
  ],
  run: (model, args) => callchains(model, {
    correlationId: args.correlationId === undefined ? undefined : numArg(args, 'correlationId', -1),
    row: args.row === undefined ? undefined : intArg(args, 'row', 0, 0),
    name: strArg(args, 'name'),
    limit: intArg(args, 'limit', 10, 1),
  }),
  format: (r) => formatCallchain(r),
};
