// ProfileMeta facts of a trace: processes and threads (metadata events + what was seen), GPUs
// (deviceProperties), rank (distributedInfo), and the notes on what the trace lacks.
import type { GpuInfo, ProcessInfo, ProfileCapabilities, ThreadInfo } from '../../core/profile.js';
import { optional } from '../../core/optional.js';
import type { TraceBuilder } from './build.js';

type Json = Record<string, unknown>;

function isObj(v: unknown): v is Json {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

function finite(v: unknown): number | undefined {
  return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
}

export function gpusOf(top: Json, b: TraceBuilder): GpuInfo[] {
  const out: GpuInfo[] = [];
  const props = Array.isArray(top.deviceProperties) ? top.deviceProperties : [];
  for (const p of props) {
    if (!isObj(p)) continue;
    const id = finite(p.id);
    if (id === undefined) continue;
    const major = finite(p.computeMajor);
    const minor = finite(p.computeMinor);
    out.push({
      deviceId: id,
      name: str(p.name) ?? '',
      ...(major !== undefined ? { computeCapability: `${major}.${minor ?? 0}` } : {}),
      ...optional('smCount', finite(p.numSms)),
      ...optional('memoryBytes', finite(p.totalGlobalMem)),
    });
  }
  const known = new Set(out.map((g) => g.deviceId));
  for (const d of [...b.devicesSeen].sort((x, y) => x - y)) {
    if (!known.has(d)) out.push({ deviceId: d, name: `GPU ${d}` });
  }
  return out.sort((x, y) => x.deviceId - y.deviceId);
}

export interface HostFacts {
  processes: ProcessInfo[];
  threads: ThreadInfo[];
  /** the host process most CPU-side events belong to (-1 when none) */
  mainPid: number;
}

export function hostFacts(b: TraceBuilder, rank: number | undefined, pidColumns: Int32Array[]): HostFacts {
  const procNames = new Map<number, string>();
  const labels = new Map<number, string>();
  const threadNames = new Map<string, ThreadInfo>();
  for (const m of b.metadata) {
    const args = isObj(m.args) ? m.args : {};
    const pid = typeof m.pid === 'number' ? m.pid : Number.NaN;
    if (!Number.isFinite(pid)) continue;
    if (m.name === 'process_name' && str(args.name) !== undefined) procNames.set(pid, str(args.name)!);
    if (m.name === 'process_labels' && str(args.labels) !== undefined) labels.set(pid, str(args.labels)!);
    if (m.name === 'thread_name' && str(args.name) !== undefined) {
      const tid = b.idOf(m.tid);
      threadNames.set(`${pid}:${tid}`, { pid, tid, name: str(args.name)!.trim() });
    }
  }
  const isGpuPid = (pid: number): boolean => /^GPU\b/.test(labels.get(pid) ?? '') ||
    (b.gpuPids.has(pid) && !/^CPU\b/.test(labels.get(pid) ?? ''));
  // Host pids: labeled CPU, or hosting CPU-side events; ranked by how many threads they hold.
  const hostPids = new Map<number, number>();
  for (const [pid, l] of labels) if (/^CPU\b/.test(l)) hostPids.set(pid, 0);
  for (const { pid } of b.hostThreads.values()) {
    if (!isGpuPid(pid)) hostPids.set(pid, (hostPids.get(pid) ?? 0) + 1);
  }
  const pidName = (pid: number): string => procNames.get(pid) ?? b.syntheticNames.get(pid) ?? '';
  let mainPid = -1;
  let best = -1;
  const counts = rowCountsByPid(pidColumns);
  for (const pid of hostPids.keys()) {
    const c = counts.get(pid) ?? 0;
    if (c > best) { best = c; mainPid = pid; }
  }
  const processes: ProcessInfo[] = [...hostPids.keys()].sort((x, y) => x - y).map((pid) => ({
    pid, name: pidName(pid), ...(rank !== undefined && pid === mainPid ? { rank } : {}),
  }));
  const threads: ThreadInfo[] = [];
  const seen = new Set<string>();
  for (const [key, t] of threadNames) {
    if (isGpuPid(t.pid)) continue;
    threads.push(t);
    seen.add(key);
  }
  for (const [key, t] of b.hostThreads) {
    if (seen.has(key) || isGpuPid(t.pid)) continue;
    threads.push({ pid: t.pid, tid: t.tid, name: b.syntheticNames.get(t.tid)?.trim() ?? '' });
  }
  threads.sort((x, y) => x.pid - y.pid || x.tid - y.tid);
  return { processes, threads, mainPid };
}

/** Rows per pid over the given pid columns; the first column (runtime calls) weighs most: it launches GPU work. */
function rowCountsByPid(pidColumns: Int32Array[]): Map<number, number> {
  const out = new Map<number, number>();
  pidColumns.forEach((col, k) => {
    const w = k === 0 ? 1000 : 1;
    for (let i = 0; i < col.length; i++) out.set(col[i]!, (out.get(col[i]!) ?? 0) + w);
  });
  return out;
}

export function distributedOf(top: Json): { rank?: number; worldSize?: number; backend?: string } {
  const d = isObj(top.distributedInfo) ? top.distributedInfo : undefined;
  if (!d) return {};
  return {
    ...optional('rank', finite(d.rank)),
    ...optional('worldSize', finite(d.world_size)),
    ...optional('backend', str(d.backend)),
  };
}

/** What recorded the trace, from the version keys newer Kineto writes: "CUPTI 22, CUDA runtime 12.4". */
export function toolVersionOf(top: Json): string | undefined {
  const parts: string[] = [];
  const cuda = (v: number): string => `${Math.floor(v / 1000)}.${Math.floor((v % 1000) / 10)}`;
  const cupti = finite(top.cupti_version);
  const rt = finite(top.cuda_runtime_version);
  const drv = finite(top.cuda_driver_version);
  const roc = top.roctracer_version;
  const hip = finite(top.hip_runtime_version);
  if (cupti !== undefined) parts.push(`CUPTI ${cupti}`);
  if (rt !== undefined) parts.push(`CUDA runtime ${cuda(rt)}`);
  if (drv !== undefined) parts.push(`CUDA driver ${cuda(drv)}`);
  if (typeof roc === 'number' || typeof roc === 'string') parts.push(`roctracer ${roc}`);
  if (hip !== undefined) parts.push(`HIP runtime ${hip}`);
  return parts.length > 0 ? parts.join(', ') : undefined;
}

export interface NoteFacts {
  legacy: boolean;
  caps: ProfileCapabilities;
  rocm: boolean;
  displayTimeUnit?: string;
  runtimeSyncRows: number;
  cudaSyncRows: number;
  legacyGpuEvents: number;
  /** runtime calls given a Python callchain, of runtimeRows */
  runtimeChains: number;
  runtimeRows: number;
  gpuAnnotations: number;
  skipped: number;
  distributed: { rank?: number; worldSize?: number };
}

export function notesOf(f: NoteFacts): string[] {
  const notes: string[] = [];
  if (f.legacy && f.legacyGpuEvents > 0) {
    notes.push(`legacy autograd-profiler trace with use_cuda: its ${f.legacyGpuEvents} "CUDA functions" events (read as kernels) are each operator's GPU time measured with CUDA events, not individual kernels; no streams, no CUDA runtime calls, no Python stacks`);
  } else if (f.legacy) {
    notes.push('legacy autograd-profiler trace (torch without Kineto): CPU operators and record_function ranges only — no GPU kernels, no CUDA runtime calls, no Python stacks, no process id or thread names; ranges are told from operators by name');
  } else if (!f.caps.pythonStacks) {
    notes.push('no python stacks: record with with_stack=True for line-level localization');
  }
  if (f.legacy) notes.push('re-record with a Kineto-enabled PyTorch (torch.profiler with ProfilerActivity.CUDA, with_stack=True) for GPU-side analysis');
  if (!f.legacy && !f.caps.kernels && !f.caps.memcpy && !f.caps.memset) {
    notes.push('no GPU activity: the trace holds CPU events only (record with ProfilerActivity.CUDA for GPU metrics)');
  }
  if (f.caps.kernels && !f.caps.runtime) notes.push('no CUDA runtime events: launch overhead and launch-to-kernel latency cannot be measured');
  if (!f.caps.nvtx && !f.legacy) notes.push('no user annotations (ProfilerStep#N, record_function): iterations must be found from the kernel sequence');
  if (f.runtimeChains > 0) notes.push(`${f.runtimeChains} of ${f.runtimeRows} runtime calls have a callchain: the Python stack enclosing the call (python_function nesting or the operator's Call stack), innermost first`);
  if (f.rocm) notes.push('AMD ROCm trace (HIP runtime under the cuda_runtime category): device and stream ids are HIP ones');
  if (f.runtimeSyncRows > 0 && f.cudaSyncRows === 0) notes.push('synchronization rows derived from CUDA runtime calls (no cuda_sync events in this trace)');
  if (f.displayTimeUnit !== undefined) notes.push(`displayTimeUnit "${f.displayTimeUnit}" only sets how viewers display time: ts/dur are microseconds and were read as such`);
  if (f.gpuAnnotations > 0) notes.push(`${f.gpuAnnotations} gpu_user_annotation events (GPU-side copies of user annotations) were not added as ranges`);
  if (f.distributed.rank !== undefined && f.distributed.worldSize === undefined) notes.push(`distributedInfo gives rank ${f.distributed.rank} but no world size`);
  if (f.skipped > 0) notes.push(`${f.skipped} malformed events skipped`);
  return notes;
}
