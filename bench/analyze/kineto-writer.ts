// Writes a realistic PyTorch-profiler (Kineto) trace from a small description: python_function frames named
// "file.py(N): func" nesting cpu_op operators, cuda_runtime calls under them, the kernels / memcpys they put on
// the GPU (with matching correlation ids, External ids, stream and device args), and ProfilerStep#N
// user_annotation ranges around each iteration. CPU and GPU clocks are simulated: a kernel starts when its
// stream is free and its launch has happened; a pageable copy or a synchronize blocks the CPU until the GPU
// catches up.
import { writeFileSync } from 'node:fs';

/** One event of the step; `repeat` runs it this many times in a row. */
export type KinetoEvent =
  | { py: string; events?: KinetoEvent[]; selfUs?: number; repeat?: number }
  | { op: string; events?: KinetoEvent[]; selfUs?: number; repeat?: number; /** run on another host thread (the autograd engine's) */ tid?: number }
  | { kernel: string; durationUs: number; repeat?: number }
  | { memcpy: 'H2D' | 'D2H'; bytes: number; pageable?: boolean; repeat?: number }
  | { sync: 'stream' | 'device'; repeat?: number }
  | { cpu: number; repeat?: number };

export interface KinetoDescription {
  name?: string;
  iterations: number;
  pid?: number;
  /** the directory the profiled code ran from (absolute paths in python_function names) */
  root?: string;
  /** outer Python frames around every step, outermost first ("train.py(70): <module>") */
  outer?: string[];
  step: KinetoEvent[];
  device?: string;
}

type Json = Record<string, unknown>;

export function buildKinetoTrace(d: KinetoDescription): Json {
  const pid = d.pid ?? 31337;
  const tid = pid;
  const root = d.root ?? '/home/researcher/project';
  const events: Json[] = [];
  let t = 1_000; // µs, CPU clock
  let gpuFree = 0;
  let corr = 1, ext = 1, pyId = 1;
  const abs = (frame: string) => (/^[/<]/.test(frame) || /site-packages|dist-packages/.test(frame) ? frame : `${root}/${frame}`);
  let tidNow = tid;
  const threads = new Set<number>([tid]);
  const x = (cat: string, name: string, ts: number, dur: number, args: Json, where: Json = { pid, tid: tidNow }) =>
    events.push({ ph: 'X', cat, name, ...where, ts: +ts.toFixed(3), dur: +Math.max(0, dur).toFixed(3), args });
  const gpu = { pid: 0, tid: 7 };
  const stack: number[] = [];
  let currentExt = 0;

  const runtime = (name: string, dur: number, c: number | null) => {
    x('cuda_runtime', name, t, dur, { ...(c !== null ? { correlation: c } : {}), 'External id': currentExt, cbid: 211 });
  };
  const run = (e: KinetoEvent): void => {
    for (let r = 0; r < (e.repeat ?? 1); r++) one(e);
  };
  const one = (e: KinetoEvent): void => {
    if ('py' in e || 'op' in e) {
      const start = t;
      t += 1;
      const id = pyId++;
      const myExt = 'op' in e ? ext++ : 0;
      const saved = currentExt;
      const savedTid = tidNow;
      if ('op' in e) currentExt = myExt;
      if ('op' in e && e.tid !== undefined) { tidNow = e.tid; threads.add(e.tid); }
      stack.push(id);
      for (const c of e.events ?? []) run(c);
      stack.pop();
      t += e.selfUs ?? 2;
      if ('py' in e) x('python_function', abs(e.py), start, t - start, { 'Python parent id': stack[stack.length - 1] ?? null, 'Python id': id, 'Python thread': 0 });
      else x('cpu_op', e.op, start, t - start, { 'External id': myExt, 'Record function id': 0, 'Sequence number': myExt, 'Fwd thread id': 0 });
      currentExt = saved;
      tidNow = savedTid;
      t += 0.5;
      return;
    }
    if ('kernel' in e) {
      const c = corr++;
      const launch = 5;
      runtime('cudaLaunchKernel', launch, c);
      const ks = Math.max(gpuFree, t + 3);
      x('kernel', e.kernel, ks, e.durationUs, { 'queued': 0, device: 0, context: 1, stream: 7, correlation: c, registers: 64, 'shared memory': 0, grid: [132, 1, 1], block: [256, 1, 1], 'External id': currentExt }, gpu);
      gpuFree = ks + e.durationUs;
      t += launch + 1;
      return;
    }
    if ('memcpy' in e) {
      const c = corr++;
      const pageable = e.pageable ?? true;
      const bw = pageable ? 9_000 : 24_000; // bytes per µs
      const ms = Math.max(gpuFree, t + 3);
      const dur = e.bytes / bw + 1.5;
      const blocking = pageable || e.memcpy === 'D2H';
      const apiDur = blocking ? ms + dur + 2 - t : 5;
      runtime('cudaMemcpyAsync', apiDur, c);
      const kindName = e.memcpy === 'H2D' ? (pageable ? 'Memcpy HtoD (Pageable -> Device)' : 'Memcpy HtoD (Pinned -> Device)') : (pageable ? 'Memcpy DtoH (Device -> Pageable)' : 'Memcpy DtoH (Device -> Pinned)');
      x('gpu_memcpy', kindName, ms, dur, { device: 0, context: 1, stream: 7, correlation: c, bytes: e.bytes, 'memory bandwidth (GB/s)': +(e.bytes / dur / 1000).toFixed(2) }, gpu);
      gpuFree = ms + dur;
      t += apiDur + 1;
      return;
    }
    if ('sync' in e) {
      const c = corr++;
      const dur = Math.max(2, gpuFree + 2 - t);
      runtime(e.sync === 'stream' ? 'cudaStreamSynchronize' : 'cudaDeviceSynchronize', dur, c);
      x('cuda_sync', e.sync === 'stream' ? 'Stream Sync' : 'Context Sync', t + 0.5, dur - 1, { device: 0, stream: e.sync === 'stream' ? 7 : -1, correlation: c, cuda_sync_kind: e.sync === 'stream' ? 'Stream Sync' : 'Context Sync' }, gpu);
      t += dur + 1;
      return;
    }
    t += e.cpu;
  };

  const outer = d.outer ?? [];
  const outerStart = t;
  const outerIds = outer.map(() => pyId++);
  t += 2;
  for (let i = 0; i < d.iterations; i++) {
    const s = t;
    stack.push(...outerIds);
    for (const e of d.step) run(e);
    stack.length = 0;
    t = Math.max(t, 0) + 1;
    x('user_annotation', `ProfilerStep#${i}`, s, t - s, { 'External id': ext++ });
    t += 1;
  }
  outer.forEach((f, k) => x('python_function', abs(f), outerStart + k * 0.1, t + 1 - outerStart - k * 0.2, { 'Python parent id': k ? outerIds[k - 1] : null, 'Python id': outerIds[k], 'Python thread': 0 }));
  events.push({ ph: 'M', name: 'process_name', pid, tid: 0, args: { name: 'python' } });
  for (const th of threads) events.push({ ph: 'M', name: 'thread_name', pid, tid: th, args: { name: th === tid ? 'thread 1 (python)' : `thread ${th} (pt_autograd_0)` } });
  events.push({ ph: 'M', name: 'process_name', pid: 0, tid: 0, args: { name: 'python' } });
  events.push({ ph: 'M', name: 'process_labels', pid: 0, tid: 0, args: { labels: 'GPU 0' } });
  events.sort((a, b) => (a.ts as number ?? 0) - (b.ts as number ?? 0));
  return {
    schemaVersion: 1,
    deviceProperties: [{ id: 0, name: d.device ?? 'NVIDIA H100 80GB HBM3', totalGlobalMem: 85045280768, computeMajor: 9, computeMinor: 0, maxThreadsPerBlock: 1024, maxThreadsPerMultiprocessor: 2048, regsPerBlock: 65536, regsPerMultiprocessor: 65536, warpSize: 32, sharedMemPerBlock: 49152, sharedMemPerMultiprocessor: 233472, numSms: 132, sharedMemPerBlockOptin: 232448 }],
    cupti_version: 24, cuda_runtime_version: 12040, cuda_driver_version: 12080,
    record_shapes: 0, with_stack: 1, profile_memory: 0,
    traceEvents: events,
    traceName: `${d.name ?? 'trace'}.pt.trace.json`,
    displayTimeUnit: 'ms', baseTimeNanoseconds: 1732500000000000000,
  };
}

export function writeKinetoTrace(d: KinetoDescription, out: string): void {
  writeFileSync(out, JSON.stringify(buildKinetoTrace(d)));
}
