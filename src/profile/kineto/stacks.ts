// Python call stacks for CPU operators and CUDA runtime calls, so a kernel can be followed through its
// correlation id to the runtime call that launched it and on to file:line — the role nsys CUDA callchains
// play. Kineto traces give them two ways: python_function events whose nesting is the Python stack
// (with_stack=True, 2022+), or a "Call stack" string on each operator (2021), joined to runtime calls by
// the operator's External id.
import type { ApiTable, CpuEventTable, StackFrame } from '../../core/profile.js';
import type { TraceBuilder } from './build.js';

/** Before sorting: runtime calls inherit the "Call stack" callchain of the operator with their External id. */
export function chainsFromExternalIds(b: TraceBuilder, runtime: ApiTable): number {
  if (b.opChainByExternal.size === 0) return 0;
  let n = 0;
  const external = b.runtimeExternal.column('id');
  for (let i = 0; i < runtime.length; i++) {
    const chain = b.opChainByExternal.get(external[i]!);
    if (chain !== undefined) {
      runtime.callchainId[i] = chain;
      n++;
    }
  }
  return n;
}

/**
 * After sorting by start: every runtime call and operator without a callchain gets the stack of
 * python_function frames that enclose it on its thread (innermost first). Returns the runtime calls given one.
 */
export function chainsFromPythonFrames(b: TraceBuilder, cpu: CpuEventTable, runtime: ApiTable): number {
  const cpuChain = cpu.callchainId!;
  const threads = new Map<string, { py: number[]; targets: { table: 'cpu' | 'rt'; row: number }[] }>();
  const at = (pid: number, tid: number) => {
    const key = `${pid}:${tid}`;
    let t = threads.get(key);
    if (!t) threads.set(key, (t = { py: [], targets: [] }));
    return t;
  };
  for (let i = 0; i < cpu.length; i++) {
    if (cpu.kind[i] === 1) at(cpu.pid[i]!, cpu.tid[i]!).py.push(i);
  }
  if (threads.size === 0) return 0;
  for (let i = 0; i < cpu.length; i++) {
    if (cpu.kind[i] !== 1 && cpuChain[i]! < 0) threads.get(`${cpu.pid[i]}:${cpu.tid[i]}`)?.targets.push({ table: 'cpu', row: i });
  }
  for (let i = 0; i < runtime.length; i++) {
    if (runtime.callchainId[i]! < 0) threads.get(`${runtime.pid[i]}:${runtime.tid[i]}`)?.targets.push({ table: 'rt', row: i });
  }
  let given = 0;
  for (const { py, targets } of threads.values()) {
    const startOf = (t: { table: 'cpu' | 'rt'; row: number }): number => (t.table === 'cpu' ? cpu.start[t.row]! : runtime.start[t.row]!);
    targets.sort((x, y) => startOf(x) - startOf(y));
    const stack: number[] = [];
    let p = 0;
    let current = -1;
    for (const target of targets) {
      const t = startOf(target);
      // Frames that started at or before t enter the stack (a frame starting at t encloses an event at t).
      while (p < py.length && cpu.start[py[p]!]! <= t) {
        while (stack.length > 0 && cpu.end[stack[stack.length - 1]!]! <= cpu.start[py[p]!]!) stack.pop();
        stack.push(py[p++]!);
        current = -1;
      }
      while (stack.length > 0 && cpu.end[stack[stack.length - 1]!]! < t) {
        stack.pop();
        current = -1;
      }
      if (stack.length === 0) continue;
      if (current < 0) current = chainOf(b, cpu, stack);
      if (target.table === 'cpu') cpuChain[target.row] = current;
      else {
        runtime.callchainId[target.row] = current;
        given++;
      }
    }
  }
  return given;
}

function chainOf(b: TraceBuilder, cpu: CpuEventTable, stack: number[]): number {
  const key = stack.map((r) => `${cpu.nameId[r]}:${cpu.fileId[r]}:${cpu.line[r]}`).join('/');
  return b.chainId(`py:${key}`, () => {
    const frames: StackFrame[] = [];
    for (let k = stack.length - 1; k >= 0; k--) {
      const r = stack[k]!;
      const fileId = cpu.fileId[r]!;
      frames.push({ symbol: b.strings.strings[cpu.nameId[r]!]!, ...(fileId >= 0 ? { file: b.strings.strings[fileId]!, line: cpu.line[r]! } : {}) });
    }
    return frames;
  });
}
