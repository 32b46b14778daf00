// Builds small ProfileModels in memory from named events (strings interned for you): the one model builder of
// the unit tests (queries, detectors, attribution, agent tools); readers use TableBuilder directly.
import type {
  ApiTable, CpuEventTable, GraphTraceTable, KernelTable, MemcpyTable, MemsetTable, OsCallTable, ProfileCapabilities, ProfileFormat, ProfileModel,
  RangeTable, StackFrame, SyncTable,
} from '../../core/profile.js';
import {
  CPU_COLUMNS, EventTablesBuilder, GRAPH_KERNEL_COLUMNS, GRAPH_TRACE_COLUMNS, LAUNCH_API_COLUMNS, MEMCPY_COLUMNS, MEMSET_COLUMNS,
  OSCALL_COLUMNS, RANGE_COLUMNS, SYNC_COLUMNS, TableBuilder,
} from '../../core/tables.js';

type Row<K extends string> = Partial<Record<K, number>>;

export class ModelBuilder extends EventTablesBuilder<typeof GRAPH_KERNEL_COLUMNS> {
  readonly graphTrace = new TableBuilder(GRAPH_TRACE_COLUMNS);
  readonly osrt = new TableBuilder(OSCALL_COLUMNS);
  notes: string[] = [];

  constructor() {
    super(GRAPH_KERNEL_COLUMNS);
  }

  kernel(name: string, start: number, end: number, row: Row<keyof typeof GRAPH_KERNEL_COLUMNS> = {}): this {
    const id = this.strings.intern(name);
    this.kernels.push({ nameId: id, fullNameId: id, start, end, ...row });
    return this;
  }

  /** A runtime call; `chain` (innermost frame first) becomes its callchain. */
  api(name: string, start: number, end: number, row: Row<keyof typeof LAUNCH_API_COLUMNS> & { chain?: StackFrame[] } = {}): this {
    const { chain, ...rest } = row;
    let callchainId = rest.callchainId ?? -1;
    if (chain) {
      callchainId = this.callchains.size + 1;
      this.callchains.set(callchainId, chain);
    }
    this.runtime.push({ nameId: this.strings.intern(name), start, end, ...rest, callchainId });
    return this;
  }

  /** A graph-level replay row (nsys CUPTI_ACTIVITY_KIND_GRAPH_TRACE). */
  graphReplay(start: number, end: number, row: Row<keyof typeof GRAPH_TRACE_COLUMNS> = {}): this {
    this.graphTrace.push({ start, end, ...row });
    return this;
  }

  copy(start: number, end: number, row: Row<keyof typeof MEMCPY_COLUMNS> = {}): this {
    this.memcpy.push({ start, end, ...row });
    return this;
  }

  set(start: number, end: number, row: Row<keyof typeof MEMSET_COLUMNS> = {}): this {
    this.memset.push({ start, end, ...row });
    return this;
  }

  syncRow(start: number, end: number, row: Row<keyof typeof SYNC_COLUMNS> = {}): this {
    this.sync.push({ start, end, ...row });
    return this;
  }

  range(text: string, start: number, end: number, row: Row<keyof typeof RANGE_COLUMNS> = {}): this {
    this.nvtx.push({ textId: this.strings.intern(text), start, end, ...row });
    return this;
  }

  cpuEvent(name: string, start: number, end: number, row: Row<keyof typeof CPU_COLUMNS> & { file?: string } = {}): this {
    const { file, ...rest } = row;
    this.cpu.push({ nameId: this.strings.intern(name), start, end, ...(file ? { fileId: this.strings.intern(file) } : {}), ...rest });
    return this;
  }

  /** A Python frame as Kineto names it, "file(line): func" (kind 1). */
  py(file: string, line: number, func: string, start: number, end: number, row: Row<keyof typeof CPU_COLUMNS> = {}): this {
    return this.cpuEvent(`${file}(${line}): ${func}`, start, end, { file, line, kind: 1, ...row });
  }

  /** An operator (kind 0), e.g. aten::mm. */
  op(name: string, start: number, end: number, row: Row<keyof typeof CPU_COLUMNS> = {}): this {
    return this.cpuEvent(name, start, end, { kind: 0, ...row });
  }

  os(name: string, start: number, end: number, row: Row<keyof typeof OSCALL_COLUMNS> = {}): this {
    this.osrt.push({ nameId: this.strings.intern(name), start, end, ...row });
    return this;
  }

  build(source = 'test.sqlite', format: ProfileFormat = 'nsys-sqlite'): ProfileModel {
    const tables = {
      kernels: this.kernels.build() as KernelTable,
      runtime: this.runtime.build() as ApiTable,
      memcpy: this.memcpy.build() as MemcpyTable,
      memset: this.memset.build() as MemsetTable,
      sync: this.sync.build() as SyncTable,
      nvtx: this.nvtx.build() as RangeTable,
      cpu: this.cpu.build() as CpuEventTable,
      osrt: this.osrt.build() as OsCallTable,
    };
    let startNs = Infinity;
    let endNs = -Infinity;
    const devices = new Set<number>();
    const pids = new Set<number>();
    const threads = new Map<string, { pid: number; tid: number }>();
    for (const t of Object.values(tables)) {
      for (let i = 0; i < t.length; i++) {
        startNs = Math.min(startNs, t.start[i]!);
        endNs = Math.max(endNs, t.end[i]!);
        pids.add(t.pid[i]!);
        if ('deviceId' in t && t !== tables.sync) devices.add(t.deviceId[i]!);
        if ('tid' in t) threads.set(`${t.pid[i]}:${t.tid[i]}`, { pid: t.pid[i]!, tid: t.tid[i]! });
      }
    }
    if (!Number.isFinite(startNs)) [startNs, endNs] = [0, 0];
    const capabilities: ProfileCapabilities = {
      kernels: tables.kernels.length > 0, runtime: tables.runtime.length > 0, memcpy: tables.memcpy.length > 0,
      memset: tables.memset.length > 0, sync: tables.sync.length > 0, nvtx: tables.nvtx.length > 0, osrt: tables.osrt.length > 0,
      cudaCallchains: this.callchains.size > 0, osrtCallchains: false, cpuSampling: false,
      pythonStacks: Array.from(tables.cpu.kind).includes(1), cpuOps: tables.cpu.length > 0,
    };
    return {
      meta: {
        format, source, startNs, endNs,
        gpus: [...devices].sort((a, b) => a - b).map((deviceId) => ({ deviceId, name: `Test GPU ${deviceId}` })),
        processes: [...pids].map((pid) => ({ pid, name: `proc${pid}` })),
        threads: [...threads.values()].map((t) => ({ ...t, name: `thread${t.tid}` })),
        capabilities,
        tables: Object.fromEntries(Object.entries(tables).map(([k, t]) => [k, t.length])),
        notes: this.notes,
      },
      strings: this.strings.strings,
      ...tables,
      callchains: this.callchains,
      ...(this.graphTrace.length > 0 ? { graphTrace: this.graphTrace.build() as GraphTraceTable } : {}),
    };
  }
}
