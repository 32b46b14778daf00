// Builds small ProfileModels by hand for analyzer tests.
import type { ProfileModel, StackFrame } from '../core/profile.js';
import {
  API_COLUMNS, CPU_COLUMNS, KERNEL_COLUMNS, MEMCPY_COLUMNS, MEMSET_COLUMNS, OSCALL_COLUMNS, RANGE_COLUMNS, StringInterner,
  SYNC_COLUMNS, TableBuilder,
} from '../core/tables.js';

export class ModelBuilder {
  readonly s = new StringInterner();
  readonly kernels = new TableBuilder(KERNEL_COLUMNS);
  readonly runtime = new TableBuilder(API_COLUMNS);
  readonly memcpy = new TableBuilder(MEMCPY_COLUMNS);
  readonly memset = new TableBuilder(MEMSET_COLUMNS);
  readonly sync = new TableBuilder(SYNC_COLUMNS);
  readonly nvtx = new TableBuilder(RANGE_COLUMNS);
  readonly cpu = new TableBuilder(CPU_COLUMNS);
  readonly osrt = new TableBuilder(OSCALL_COLUMNS);
  readonly callchains = new Map<number, StackFrame[]>();

  kernel(name: string, start: number, end: number, stream = 7, correlationId = -1): this {
    this.kernels.push({ start, end, streamId: stream, nameId: this.s.intern(name), fullNameId: this.s.intern(name), correlationId });
    return this;
  }
  api(name: string, start: number, end: number, opts: { tid?: number; chain?: StackFrame[]; correlationId?: number } = {}): this {
    let callchainId = -1;
    if (opts.chain) {
      callchainId = this.callchains.size + 1;
      this.callchains.set(callchainId, opts.chain);
    }
    this.runtime.push({ start, end, pid: 1, tid: opts.tid ?? 1, nameId: this.s.intern(name), callchainId, correlationId: opts.correlationId ?? -1 });
    return this;
  }
  /** a GPU copy row issued by the runtime call with this correlation id (copyKind 1 H2D, 2 D2H) */
  copy(start: number, end: number, correlationId: number, copyKind = 2, bytes = 4): this {
    this.memcpy.push({ start, end, deviceId: 0, streamId: 7, pid: 1, copyKind, srcKind: 2, dstKind: 0, bytes, correlationId });
    return this;
  }
  range(text: string, start: number, end: number, tid = 1): this {
    this.nvtx.push({ start, end, pid: 1, tid, textId: this.s.intern(text), depth: 0 });
    return this;
  }
  /** kind 0 = operator, 1 = python frame "file(line): func" */
  py(file: string, line: number, func: string, start: number, end: number, tid = 1): this {
    this.cpu.push({ start, end, pid: 1, tid, nameId: this.s.intern(`${file}(${line}): ${func}`), fileId: this.s.intern(file), line, kind: 1 });
    return this;
  }
  op(name: string, start: number, end: number, tid = 1): this {
    this.cpu.push({ start, end, pid: 1, tid, nameId: this.s.intern(name), kind: 0 });
    return this;
  }

  build(format: ProfileModel['meta']['format'] = 'kineto-json'): ProfileModel {
    const kernels = this.kernels.build();
    const all = [kernels, this.runtime, this.cpu, this.nvtx].map((t) => ('build' in t ? (t as TableBuilder<never>).build() : t));
    let startNs = Infinity, endNs = -Infinity;
    for (const t of all as Array<{ length: number; start: Float64Array; end: Float64Array }>) {
      for (let i = 0; i < t.length; i++) { startNs = Math.min(startNs, t.start[i]!); endNs = Math.max(endNs, t.end[i]!); }
    }
    const cpu = this.cpu.build();
    return {
      meta: {
        format, source: 'test', startNs: Number.isFinite(startNs) ? startNs : 0, endNs: Number.isFinite(endNs) ? endNs : 0, gpus: [], processes: [], threads: [],
        capabilities: { kernels: kernels.length > 0, runtime: this.runtime.length > 0, memcpy: this.memcpy.length > 0, memset: false, sync: false, nvtx: this.nvtx.length > 0, osrt: false,
          cudaCallchains: this.callchains.size > 0, osrtCallchains: false, cpuSampling: false, pythonStacks: [...cpu.kind].includes(1), cpuOps: [...cpu.kind].includes(0) },
        tables: {}, notes: [],
      },
      strings: this.s.strings,
      kernels, runtime: this.runtime.build(), memcpy: this.memcpy.build(), memset: this.memset.build(), sync: this.sync.build(),
      nvtx: this.nvtx.build(), cpu, osrt: this.osrt.build(), callchains: this.callchains,
    } as ProfileModel;
  }
}
