// Profile metadata from an nsys export: GPUs, processes and threads that took part, capabilities and the
// notes that tell the user (and the analyzer) what the profile lacks and what follows from it.
import type { GpuInfo, KernelTable, ProcessInfo, ProfileCapabilities, ProfileModel, ThreadInfo } from '../../core/profile.js';
import type { LoadContext } from './context.js';
import { threadKey } from './load-cpu.js';
import { T } from './schema.js';

/** The model's tables as the nsys reader loaded them, with how many callchains it read. */
export interface LoadedTables extends Pick<ProfileModel, 'kernels' | 'runtime' | 'memcpy' | 'memset' | 'sync' | 'nvtx' | 'osrt'> {
  callchainCount: { cuda: number; osrt: number };
}

export function readGpus(ctx: LoadContext, kernels: KernelTable): GpuInfo[] {
  const { schema, db } = ctx;
  const t = T.gpu;
  if (schema.col(t, 'name')) {
    const c = (n: string) => (schema.col(t, n) ? `"${n}"` : 'NULL');
    const rows = db.all(`SELECT ${c('id')}, ${c('cuDevice')}, name, ${c('busLocation')}, ${c('totalMemory')},
      ${c('smCount')}, ${c('computeMajor')}, ${c('computeMinor')} FROM ${t}`);
    const gpus: GpuInfo[] = [];
    for (const [id, cuDevice, name, bus, mem, sm, major, minor] of rows) {
      const deviceId = typeof cuDevice === 'number' ? cuDevice : typeof id === 'number' ? id : gpus.length;
      const g: GpuInfo = { deviceId, name: name === null ? `GPU ${deviceId}` : String(name) };
      if (typeof major === 'number' && typeof minor === 'number') g.computeCapability = `${major}.${minor}`;
      if (typeof sm === 'number') g.smCount = sm;
      if (typeof mem === 'number') g.memoryBytes = mem;
      if (typeof bus === 'string' && bus) g.busLocation = bus;
      gpus.push(g);
    }
    if (gpus.length) return gpus.sort((a, b) => a.deviceId - b.deviceId);
  }
  const ids = distinct(kernels.deviceId, kernels.length);
  if (ids.length) ctx.notes.push('no TARGET_INFO_GPU table: GPU models unknown, devices named by id');
  return ids.sort((a, b) => a - b).map((deviceId) => ({ deviceId, name: `GPU ${deviceId}` }));
}

/** distinct values of an int column; cheap on long runs of the same value */
function distinct(col: Int32Array, n: number, into = new Set<number>()): number[] {
  let last = Number.NaN;
  for (let i = 0; i < n; i++) {
    const v = col[i]!;
    if (v !== last) {
      into.add(v);
      last = v;
    }
  }
  return [...into];
}

export function readProcessesAndThreads(ctx: LoadContext, t: LoadedTables): { processes: ProcessInfo[]; threads: ThreadInfo[] } {
  const { schema, db } = ctx;
  const pids = new Set<number>();
  for (const tab of [t.kernels, t.runtime, t.memcpy, t.memset, t.sync, t.nvtx, t.osrt]) distinct(tab.pid, tab.length, pids);
  pids.delete(-1);
  const names = new Map<number, string>();
  if (schema.col(T.processes, 'pid') && schema.col(T.processes, 'name')) {
    for (const [pid, name] of db.all(`SELECT pid, name FROM ${T.processes}`)) {
      if (typeof pid === 'number' && pids.has(pid) && name !== null && !names.has(pid)) names.set(pid, String(name));
    }
  }
  const processes = [...pids].sort((a, b) => a - b).map((pid) => ({ pid, name: names.get(pid) ?? '' }));

  const seen = new Map<number, ThreadInfo>();
  for (const tab of [t.runtime, t.sync, t.nvtx, t.osrt]) {
    let last = -1;
    for (let i = 0; i < tab.length; i++) {
      const key = threadKey(tab.pid[i]!, tab.tid[i]!);
      if (key === last) continue;
      last = key;
      if (!seen.has(key) && tab.pid[i] !== -1) seen.set(key, { pid: tab.pid[i]!, tid: tab.tid[i]!, name: '' });
    }
  }
  if (schema.col(T.threadNames, 'globalTid') && schema.col(T.threadNames, 'nameId')) {
    const rows = db.all(`SELECT ((globalTid >> 24) & 16777215), (globalTid & 16777215), nameId FROM ${T.threadNames}`);
    for (const [pid, tid, nameId] of rows) {
      if (typeof pid !== 'number' || typeof tid !== 'number' || !pids.has(pid)) continue;
      const key = threadKey(pid, tid);
      const name = typeof nameId === 'number' ? ctx.strings.text(nameId) : '';
      const th = seen.get(key);
      if (th) th.name ||= name;
      else seen.set(key, { pid, tid, name });
    }
  }
  const threads = [...seen.values()].sort((a, b) => a.pid - b.pid || a.tid - b.tid);
  return { processes, threads };
}

export function capabilitiesOf(ctx: LoadContext, t: LoadedTables): ProfileCapabilities {
  const { schema } = ctx;
  return {
    kernels: t.kernels.length > 0,
    runtime: t.runtime.length > 0,
    memcpy: t.memcpy.length > 0,
    memset: t.memset.length > 0,
    sync: t.sync.length > 0,
    nvtx: t.nvtx.length > 0,
    osrt: t.osrt.length > 0,
    cudaCallchains: t.callchainCount.cuda > 0,
    osrtCallchains: t.callchainCount.osrt > 0,
    cpuSampling: schema.hasRows(T.composite) && schema.hasRows(T.samplingCallchains),
    pythonStacks: false,
    cpuOps: false,
  };
}

export function notesFor(ctx: LoadContext, caps: ProfileCapabilities): string[] {
  const { schema } = ctx;
  const notes: string[] = [];
  const anyCuda = caps.kernels || caps.runtime || caps.memcpy || caps.memset || caps.sync;
  if (!anyCuda && !caps.nvtx && !caps.osrt) {
    notes.push('no activity: the export holds no CUDA, NVTX or OS runtime events (was the capture empty or the trace options off?)');
  } else if (!anyCuda && caps.nvtx && !caps.osrt) {
    notes.push('NVTX only: no CUDA activity was captured; only NVTX range timings are available');
  }
  if (!caps.kernels && (anyCuda || caps.osrt)) {
    notes.push(schema.has(T.kernel)
      ? 'KERNEL table is empty: GPU metrics unavailable'
      : 'no KERNEL table: GPU metrics unavailable (GPU utilization, idle gaps, top kernels)');
  }
  if (caps.kernels && !caps.runtime) notes.push('no CUDA runtime API table: launch overhead and synchronization analysis unavailable');
  if (caps.kernels && !schema.col(T.kernel, 'globalPid')) notes.push('KERNEL has no globalPid: process taken from the launching runtime call');
  if (!caps.cudaCallchains && !caps.osrtCallchains) notes.push('no callchains: localization will be static');
  else if (!caps.cudaCallchains && caps.runtime) notes.push('no CUDA API callchains (only OS runtime ones): CUDA calls are localized statically');
  if (caps.kernels && !caps.nvtx) notes.push('no NVTX ranges: iterations will be inferred from the repeating kernel sequence');
  if (caps.cpuSampling) {
    notes.push(`CPU sampling present (${schema.rows(T.composite)} samples in COMPOSITE_EVENTS) but not loaded into the model`);
  }
  const window = schema.exportMeta.get('DERIVED_WINDOW_NS');
  if (window) {
    const from = schema.exportMeta.get('DERIVED_FROM');
    notes.push(`cut to the time window ${window} ns${from ? ` of ${from}` : ''}: ranges crossing its edges may be missing`);
  }
  if (!schema.has(T.exportMeta) && !schema.has(T.exportMetaOld)) notes.push('no export metadata table: nsys version unknown');
  return notes;
}
