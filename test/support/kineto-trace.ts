// Writes a small torch.profiler (Kineto) trace with Python stacks, for the trace view's tests in Chromium and
// code-server: a training loop of `steps` steps on one thread, each a ProfilerStep range over nested
// python_function frames (train.py's train → the model's forward → aten ops → cudaLaunchKernel) and an
// aten::item that waits in cudaStreamSynchronize; kernels on stream 7 linked by correlation ids; process and
// thread names and the rank in the trace's metadata, as Kineto writes them. Frames name `file` at the lines of
// test/fixtures/workspace/train.py.
import { writeFileSync } from 'node:fs';

export interface NestedTraceOptions {
  steps?: number;
  /** the training script's path as the trace records it (absolute in real traces) */
  file: string;
  rank?: number;
}

/** The train.py lines the frames point at (test/fixtures/workspace/train.py). */
export const TRAIN_LINES = { module: 27, train: 11, forward: 18, item: 22 } as const;

export function writeNestedTrace(path: string, o: NestedTraceOptions): { events: number; pythonFrames: number; cpuOps: number } {
  const steps = o.steps ?? 6;
  const pid = 4242;
  const tid = 4242;
  const ev: Record<string, unknown>[] = [
    { name: 'process_name', ph: 'M', ts: 0, pid, tid: 0, args: { name: 'python3' } },
    { name: 'process_labels', ph: 'M', ts: 0, pid, tid: 0, args: { labels: 'CPU' } },
    { name: 'thread_name', ph: 'M', ts: 0, pid, tid, args: { name: 'thread 4242 (python3)' } },
    { name: 'process_name', ph: 'M', ts: 0, pid: 0, tid: 0, args: { name: 'python3' } },
    { name: 'process_labels', ph: 'M', ts: 0, pid: 0, tid: 0, args: { labels: 'GPU 0' } },
  ];
  let pythonFrames = 0;
  let cpuOps = 0;
  const host = (cat: string, name: string, ts: number, dur: number, args: Record<string, unknown> = {}) => {
    ev.push({ ph: 'X', cat, name, pid, tid, ts, dur, args });
    if (cat === 'python_function') pythonFrames++;
    if (cat === 'cpu_op') cpuOps++;
  };
  const f = o.file;
  const t0 = 1_000_000;
  const stepUs = 10_000;
  const end = t0 + steps * stepUs + 100;
  host('python_function', `${f}(${TRAIN_LINES.module}): <module>`, t0 - 50, end - t0 + 80);
  host('python_function', `${f}(${TRAIN_LINES.train}): train`, t0 - 40, end - t0 + 60);
  let corr = 100;
  let ext = 1;
  for (let s = 0; s < steps; s++) {
    const t = t0 + s * stepUs;
    host('user_annotation', `ProfilerStep#${s}`, t, stepUs - 10);
    // the forward pass: module call → forward → aten::linear → aten::addmm → cudaLaunchKernel, twice
    host('python_function', `${f}(${TRAIN_LINES.forward}): train`, t + 100, 4000);
    host('python_function', 'torch/nn/modules/module.py(1501): _call_impl', t + 150, 3800);
    host('python_function', 'torch/nn/modules/container.py(215): forward', t + 200, 3600);
    for (let l = 0; l < 2; l++) {
      const lt = t + 300 + l * 1700;
      host('python_function', 'torch/nn/modules/linear.py(114): forward', lt, 1500);
      host('cpu_op', 'aten::linear', lt + 20, 1400, { 'External id': ext });
      host('cpu_op', 'aten::addmm', lt + 60, 1300, { 'External id': ext });
      host('cuda_runtime', 'cudaLaunchKernel', lt + 200, 30, { correlation: corr, 'External id': ext });
      ev.push({ ph: 'X', cat: 'kernel', name: 'ampere_sgemm_128x64_tn', pid: 0, tid: 7, ts: lt + 240, dur: 900, args: { device: 0, stream: 7, correlation: corr, 'External id': ext, grid: [96, 8, 1], block: [128, 1, 1] } });
      corr++;
      ext++;
    }
    // loss.item(): the host waits for the GPU
    host('python_function', `${f}(${TRAIN_LINES.item}): train`, t + 4500, 3000);
    host('cpu_op', 'aten::item', t + 4520, 2900, { 'External id': ext });
    host('cpu_op', 'aten::_local_scalar_dense', t + 4540, 2850, { 'External id': ext });
    host('cuda_runtime', 'cudaStreamSynchronize', t + 4600, 2700, { correlation: corr, 'External id': ext });
    corr++;
    ext++;
  }
  writeFileSync(path, JSON.stringify({
    schemaVersion: 1,
    deviceProperties: [{ id: 0, name: 'NVIDIA H100 80GB HBM3', computeMajor: 9, computeMinor: 0, numSms: 132, totalGlobalMem: 85_000_000_000 }],
    distributedInfo: { backend: 'nccl', rank: o.rank ?? 1, world_size: 2 },
    traceEvents: ev,
  }));
  return { events: ev.length, pythonFrames, cpuOps };
}
