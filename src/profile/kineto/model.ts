// Turns the builder's rows and facts into the ProfileModel: GPU rows get the pid of the call that
// launched them, runtime sync calls become sync rows when no cuda_sync event covers them, every table is
// sorted by start, ranges get their nesting depth, and the meta says what the trace has and lacks.
import type {
  ApiTable, CpuEventTable, KernelTable, MemcpyTable, MemsetTable, ProfileFormat, ProfileModel, RangeTable,
  SyncTable,
} from '../../core/profile.js';
import { emptyTable, OSCALL_COLUMNS } from '../../core/tables.js';
import type { OsCallTable } from '../../core/profile.js';
import type { TraceBuilder } from './build.js';
import { distributedOf, gpusOf, hostFacts, notesOf, toolVersionOf } from './meta.js';
import { nestingDepth, sortByStart } from './order.js';
import { CorrelationIndex } from './correlation.js';
import { chainsFromExternalIds, chainsFromPythonFrames } from './stacks.js';

type Json = Record<string, unknown>;

export function finishModel(b: TraceBuilder, top: Json, source: string, format: ProfileFormat): ProfileModel {
  const runtime = b.runtime.take() as ApiTable;
  // correlation id → runtime row (push order), to give GPU rows the pid (and syncs the thread) of their launch
  const byCorrelation = new CorrelationIndex(runtime.correlationId);
  const cpu = b.cpu.take() as CpuEventTable;
  const nvtxRows = b.nvtx.take() as RangeTable;
  const dist = distributedOf(top);
  const host = hostFacts(b, dist.rank, [runtime.pid, cpu.pid, nvtxRows.pid]);

  // Runtime sync calls not already covered by a cuda_sync event of the same correlation.
  let runtimeSyncRows = 0;
  for (const { row, kind } of b.runtimeSyncs) {
    const corr = runtime.correlationId[row]!;
    if (corr >= 0 && b.cudaSyncCorrelations.has(corr)) continue;
    b.sync.push({
      start: runtime.start[row]!, end: runtime.end[row]!, pid: runtime.pid[row]!, tid: runtime.tid[row]!,
      deviceId: -1, streamId: -1, syncKind: kind, correlationId: corr,
    });
    runtimeSyncRows++;
  }
  const kernels = b.kernels.take() as KernelTable;
  const memcpy = b.memcpy.take() as MemcpyTable;
  const memset = b.memset.take() as MemsetTable;
  const sync = b.sync.take() as SyncTable;
  const launchPid = (corr: number): number => {
    const row = byCorrelation.get(corr);
    return row === undefined ? host.mainPid : runtime.pid[row]!;
  };
  for (const t of [kernels, memcpy, memset]) {
    for (let i = 0; i < t.length; i++) t.pid[i] = launchPid(t.correlationId[i]!);
  }
  for (let i = 0; i < sync.length; i++) {
    if (sync.pid[i] !== -1) continue;
    const row = byCorrelation.get(sync.correlationId[i]!);
    sync.pid[i] = row === undefined ? host.mainPid : runtime.pid[row]!;
    sync.tid[i] = row === undefined ? -1 : runtime.tid[row]!;
  }
  const fromCallStacks = chainsFromExternalIds(b, runtime);
  for (const t of [kernels, runtime, memcpy, memset, sync, cpu]) sortByStart(t);
  const runtimeChains = fromCallStacks + chainsFromPythonFrames(b, cpu, runtime);
  const nvtx = sortByStart(nvtxRows);
  nvtx.depth = nestingDepth(nvtx.start, nvtx.end, nvtx.pid, nvtx.tid);

  const pythonRows = countKind(cpu, 1);
  const caps = {
    kernels: kernels.length > 0, runtime: runtime.length > 0, memcpy: memcpy.length > 0, memset: memset.length > 0,
    sync: sync.length > 0, nvtx: nvtx.length > 0, osrt: false, cudaCallchains: runtimeChains > 0, osrtCallchains: false,
    cpuSampling: false, pythonStacks: pythonRows > 0 || b.callStacks > 0, cpuOps: cpu.length - pythonRows > 0,
  };
  const displayTimeUnit = typeof top.displayTimeUnit === 'string' ? top.displayTimeUnit : undefined;
  const runtimeNames = new Set<number>(runtime.nameId);
  const rocm = [...runtimeNames].some((id) => b.strings.strings[id]!.startsWith('hip'));
  const schema = top.schemaVersion;
  const empty = !Number.isFinite(b.minStartNs);
  const toolVersion = toolVersionOf(top);
  return {
    meta: {
      format,
      source,
      ...(toolVersion !== undefined ? { toolVersion } : {}),
      ...(schema !== undefined && schema !== null ? { schemaVersion: String(schema) } : {}),
      startNs: empty ? 0 : b.minStartNs,
      endNs: empty ? 0 : b.maxEndNs,
      gpus: gpusOf(top, b),
      processes: host.processes,
      threads: host.threads,
      capabilities: caps,
      tables: { ...b.categories },
      notes: notesOf({
        legacy: format === 'autograd-legacy-json', caps, rocm, ...(displayTimeUnit !== undefined ? { displayTimeUnit } : {}),
        legacyGpuEvents: b.legacyGpuEvents, runtimeSyncRows, cudaSyncRows: sync.length - runtimeSyncRows, runtimeChains, runtimeRows: runtime.length,
        gpuAnnotations: b.categories.gpu_user_annotation ?? 0, skipped: b.skipped, distributed: dist,
      }),
      clockOriginUs: b.origin,
      ...(dist.rank !== undefined && dist.worldSize !== undefined
        ? { distributed: { rank: dist.rank, worldSize: dist.worldSize, ...(dist.backend !== undefined ? { backend: dist.backend } : {}) } }
        : {}),
    },
    strings: b.strings.strings,
    kernels, runtime, memcpy, memset, sync, nvtx, cpu,
    osrt: emptyTable(OSCALL_COLUMNS) as OsCallTable,
    callchains: b.callchains,
  };
}

function countKind(cpu: CpuEventTable, kind: number): number {
  let n = 0;
  for (let i = 0; i < cpu.length; i++) if (cpu.kind[i] === kind) n++;
  return n;
}
