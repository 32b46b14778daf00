// The scenario a synthetic Nsight Systems profile is generated from: devices, processes (ranks) and threads, and
// a per-iteration sequence of events. Durations are in microseconds; every duration gets seeded jitter.
import { readFileSync } from 'node:fs';
import { parse as parseYaml } from 'yaml';
import { UserError } from '../../core/errors.js';

/** A Python frame: `{file, line, function}` or the shorthand string "train.py:57 train_step". */
export type FrameSpec = string | { file: string; line: number; function: string };

export interface DeviceSpec {
  name?: string; // default 'NVIDIA H100 80GB HBM3'
  sms?: number; // default 132
  memoryGB?: number; // default 80
  computeCapability?: [number, number]; // default [9, 0]
}

export interface ProcessSpec {
  name?: string; // default 'python'
  pid?: number; // default 4242 + 100 * rank
  rank?: number; // default its index
  device?: number; // index into devices; default rank % devices.length
  cpuScale?: number; // multiplies every CPU duration of this rank (rank skew); default 1
  gpuScale?: number; // multiplies every kernel duration of this rank (a slower GPU or more work: a compute straggler); default 1
  /** multiplies the duration of this rank's `cpu` events by their label, e.g. { DataLoader: 8 } (slow data loading) */
  labelScale?: Record<string, number>;
  /** environment recorded in the capture metadata (PROCESS_0:ENVIRONMENT_VARIABLE), e.g. { RANK: '3' } */
  env?: Record<string, string>;
  threads?: string[]; // extra thread names, e.g. ['pt_main_thread', 'pin_memory']; the main thread is `name`
}

interface Common {
  /** the Python call site of the CUDA/OS call (innermost frame) */
  at?: FrameSpec;
}

export interface KernelEvent extends Common {
  type: 'kernel';
  name: string; // demangled name; the short name is derived from it
  durationUs: number;
  count?: number; // launched this many times in a row; default 1
  stream?: number; // default: the process' compute stream (7)
  device?: number; // index into devices: a process driving a second GPU (model/pipeline parallel); default the process' device
  grid?: [number, number, number];
  block?: [number, number, number];
  registers?: number; // per thread; default 32
  sharedMemory?: number; // dynamic shared memory bytes; default 0
  staticSharedMemory?: number; // default 0
  gapUs?: number; // host time before each launch (Python between ops); default 2
  launchUs?: number; // cudaLaunchKernel API time; default scenario.launchUs
}

export interface MemcpyEvent extends Common {
  type: 'memcpy';
  kind: 'H2D' | 'D2H' | 'D2D';
  bytes: number;
  memory?: 'pageable' | 'pinned'; // host side; default pageable
  async?: boolean; // cudaMemcpyAsync (default) vs cudaMemcpy
  stream?: number;
  device?: number; // index into devices (D2D across GPUs: the destination); default the process' device
  count?: number;
  gapUs?: number;
}

export interface MemsetEvent extends Common {
  type: 'memset';
  bytes: number;
  value?: number;
  stream?: number;
  count?: number;
}

export interface SyncEvent extends Common {
  type: 'sync';
  api: 'device' | 'stream' | 'event'; // cudaDeviceSynchronize / cudaStreamSynchronize / cudaEventSynchronize
  stream?: number;
}

export interface NcclEvent extends Common {
  type: 'nccl';
  op?: 'AllReduce' | 'AllGather' | 'ReduceScatter' | 'Broadcast'; // default AllReduce
  bytes?: number; // default 64 MiB
  durationUs: number; // wire time once every rank has arrived
  stream?: number; // default: the process' NCCL stream (default 13)
  blocking?: boolean; // the compute stream waits for it afterwards (exposed communication); default true
}

export interface OsCallSpec {
  name: string; // e.g. read, poll, pthread_cond_wait, sem_wait, ioctl
  durationUs: number;
  count?: number;
  at?: FrameSpec;
}

export interface CpuEvent extends Common {
  type: 'cpu';
  durationUs: number; // host work with no CUDA calls: the GPU idles unless work is queued
  label?: string; // wraps the gap in an NVTX range of this name
  osrt?: OsCallSpec[]; // OS runtime calls made during the gap, in order
}

export interface NvtxEvent {
  type: 'nvtx';
  text: string;
  domain?: string;
  events: StepEvent[];
}

/**
 * A CUDA graph replayed `count` times in a row from the line `at` (the cudaGraphLaunch call). The graph is captured
 * once per process, before its first replay: cudaStreamBeginCapture, one cudaLaunchKernel per node from the node's
 * own `at` (its capture-time line; no kernel runs then), cudaStreamEndCapture and cudaGraphInstantiate, with the
 * CUDA_GRAPH_EVENTS rows of the graph's and the executable graph's creation.
 */
export interface GraphEvent extends Common {
  type: 'graph';
  /** the graph's kernel nodes in capture order; each node's `at` is the line that launched it during capture */
  kernels: KernelEvent[];
  count?: number; // replays in a row; default 1
  /**
   * how nsys traced the replays: 'node' (--cuda-graph-trace=node): every node a kernel row with the launch's
   * correlation id, graphId and graphNodeId; 'graph' (the default of nsys 2025.5+): one
   * CUPTI_ACTIVITY_KIND_GRAPH_TRACE row per replay and no kernel rows. Default 'node'.
   */
  trace?: 'node' | 'graph';
  stream?: number;
  gapUs?: number; // host time before each launch; default 2
  launchUs?: number; // cudaGraphLaunch API time; default 10
}

/** A torch.compile region: Inductor's `## Call CompiledFxGraph <graph> ##` NVTX range around its events. */
export interface CompiledEvent {
  type: 'compiled';
  /** the compiled FX graph's hash (any word) */
  graph: string;
  events: StepEvent[];
}

export type StepEvent = KernelEvent | MemcpyEvent | MemsetEvent | SyncEvent | NcclEvent | CpuEvent | NvtxEvent | GraphEvent | CompiledEvent;

export interface Scenario {
  name?: string;
  seed?: number; // default 1
  jitter?: number; // relative jitter of every duration, 0..0.5; default 0.03
  devices?: DeviceSpec[]; // default one H100
  processes?: ProcessSpec[]; // default one process, rank 0
  iterations: { count: number; periodUs?: number; startUs?: number };
  step: StepEvent[];
  /** NVTX range around each iteration (push/pop on the main thread); default true, text 'step {i}' */
  stepRanges?: boolean | { text?: string; domain?: string };
  /** CUDA backtraces (CUDA_CALLCHAINS) for runtime calls at least this long (µs); false: none. Default 0: all. */
  backtraceThresholdUs?: number | false;
  /** OS runtime backtraces (OSRT_CALLCHAINS); default true */
  osrtBacktraces?: boolean;
  /** outer Python frames under every call site, innermost first; default train.py main / <module> */
  pythonStack?: FrameSpec[];
  launchUs?: number; // default cudaLaunchKernel API duration: 4
  launchLatencyUs?: number; // API start to earliest GPU start; default 3
}

/** A kernel event's grid and block (defaults: 8 blocks per µs of duration, 256 threads). */
export function kernelDims(e?: Pick<KernelEvent, 'grid' | 'block' | 'durationUs'>): { grid: [number, number, number]; block: [number, number, number] } {
  return { grid: e?.grid ?? [Math.max(1, Math.round((e?.durationUs ?? 10) * 8)), 1, 1], block: e?.block ?? [256, 1, 1] };
}

export interface Frame {
  file: string;
  line: number;
  function: string;
}

export function parseFrame(f: FrameSpec): Frame {
  if (typeof f !== 'string') return f;
  const m = /^(.+?):(\d+)\s+(.+)$/.exec(f.trim());
  if (!m) throw new UserError(`bad frame "${f}": expected "file.py:LINE function"`);
  return { file: m[1]!, line: Number(m[2]), function: m[3]! };
}

const TYPES = new Set(['kernel', 'memcpy', 'memset', 'sync', 'nccl', 'cpu', 'nvtx', 'graph', 'compiled']);

function checkNumber(v: unknown, what: string, min = 0): void {
  if (typeof v !== 'number' || !Number.isFinite(v) || v < min) throw new UserError(`scenario: ${what} must be a number ≥ ${min}`);
}

function checkEvents(events: unknown, path: string): void {
  if (!Array.isArray(events)) throw new UserError(`scenario: ${path} must be a list of events`);
  events.forEach((e, i) => {
    const p = `${path}[${i}]`;
    if (!e || typeof e !== 'object') throw new UserError(`scenario: ${p} must be an object`);
    const ev = e as Record<string, unknown>;
    if (!TYPES.has(ev.type as string)) {
      throw new UserError(`scenario: ${p}.type must be one of ${[...TYPES].join(', ')} (got ${JSON.stringify(ev.type)})`);
    }
    if (ev.count !== undefined) checkNumber(ev.count, `${p}.count`, 1);
    if (ev.at !== undefined) parseFrame(ev.at as FrameSpec);
    if (ev.device !== undefined) checkNumber(ev.device, `${p}.device`);
    switch (ev.type) {
      case 'kernel':
        if (typeof ev.name !== 'string' || !ev.name) throw new UserError(`scenario: ${p}.name must be a kernel name`);
        checkNumber(ev.durationUs, `${p}.durationUs`);
        break;
      case 'memcpy':
        if (!['H2D', 'D2H', 'D2D'].includes(ev.kind as string)) throw new UserError(`scenario: ${p}.kind must be H2D, D2H or D2D`);
        checkNumber(ev.bytes, `${p}.bytes`, 1);
        break;
      case 'memset':
        checkNumber(ev.bytes, `${p}.bytes`, 1);
        break;
      case 'sync':
        if (!['device', 'stream', 'event'].includes(ev.api as string)) throw new UserError(`scenario: ${p}.api must be device, stream or event`);
        break;
      case 'nccl':
      case 'cpu':
        checkNumber(ev.durationUs, `${p}.durationUs`);
        if (ev.type === 'cpu' && ev.osrt !== undefined && !Array.isArray(ev.osrt)) throw new UserError(`scenario: ${p}.osrt must be a list`);
        break;
      case 'nvtx':
        if (typeof ev.text !== 'string') throw new UserError(`scenario: ${p}.text must be a string`);
        checkEvents(ev.events, `${p}.events`);
        break;
      case 'compiled':
        if (typeof ev.graph !== 'string' || !/^\S+$/.test(ev.graph)) throw new UserError(`scenario: ${p}.graph must be a word (the FX graph's hash)`);
        checkEvents(ev.events, `${p}.events`);
        break;
      case 'graph':
        if (ev.trace !== undefined && ev.trace !== 'node' && ev.trace !== 'graph') throw new UserError(`scenario: ${p}.trace must be node or graph`);
        checkEvents(ev.kernels, `${p}.kernels`);
        if ((ev.kernels as { type: string }[]).length === 0 || (ev.kernels as { type: string }[]).some((k) => k.type !== 'kernel')) {
          throw new UserError(`scenario: ${p}.kernels must be a non-empty list of kernel events`);
        }
        break;
    }
  });
}

/** Checks a parsed scenario; throws UserError with the path of the first problem. */
export function validateScenario(s: unknown): Scenario {
  if (!s || typeof s !== 'object' || Array.isArray(s)) throw new UserError('scenario must be an object');
  const sc = s as Scenario;
  if (!sc.iterations || typeof sc.iterations !== 'object') throw new UserError('scenario: iterations { count } is required');
  checkNumber(sc.iterations.count, 'iterations.count', 1);
  if (sc.jitter !== undefined) checkNumber(sc.jitter, 'jitter');
  if (sc.processes !== undefined && (!Array.isArray(sc.processes) || sc.processes.length === 0)) {
    throw new UserError('scenario: processes must be a non-empty list');
  }
  if (sc.devices !== undefined && (!Array.isArray(sc.devices) || sc.devices.length === 0)) {
    throw new UserError('scenario: devices must be a non-empty list');
  }
  checkEvents(sc.step, 'step');
  const nDev = sc.devices?.length ?? 1;
  const deviceOf = (es: StepEvent[]): number[] => es.flatMap((e) => (e.type === 'nvtx' || e.type === 'compiled' ? deviceOf(e.events)
    : e.type === 'graph' ? deviceOf(e.kernels) : 'device' in e && e.device !== undefined ? [e.device] : []));
  if (deviceOf(sc.step).some((d) => d >= nDev || !Number.isInteger(d))) throw new UserError(`scenario: an event's device must be an index into devices (0..${nDev - 1})`);
  if (sc.step.length === 0) throw new UserError('scenario: step must have at least one event');
  return sc;
}

/** Reads a scenario from a .json, .yaml or .yml file. */
export function loadScenarioFile(path: string): Scenario {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch {
    throw new UserError(`cannot read scenario file: ${path}`);
  }
  let parsed: unknown;
  try {
    parsed = /\.ya?ml$/i.test(path) ? parseYaml(text) : JSON.parse(text);
  } catch (e) {
    throw new UserError(`${path} is not valid ${/\.ya?ml$/i.test(path) ? 'YAML' : 'JSON'}: ${(e as Error).message.split('\n')[0]}`);
  }
  return validateScenario(parsed);
}
