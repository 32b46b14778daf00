// The Kineto reader on the real torch.profiler traces in ../shared/traces (skipped when absent).
// Every expected number below was computed from the raw JSON with python3's json/gzip modules
// (categories counted as they appear, NCCL = names starting "ncclKernel"/"ncclDevKernel", python frames
// parsed with a regex, top file by rsplit; GPUs = deviceProperties ids plus devices GPU events name), not by
// this reader.
import { existsSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CopyKind } from '../../core/profile.js';
import type { ProfileModel } from '../../core/profile.js';
import { openProfile } from '../open.js';
import { isNcclKernelName } from './names.js';

// ../shared/traces next to the repository (CI clones it beside shared/); from a worktree under wt/, one
// level further up.
const ROOT = resolve(__dirname, '../../..');
const TRACES = [resolve(ROOT, '../shared/traces'), resolve(ROOT, '../../shared/traces')].find((d) => existsSync(d)) ?? resolve(ROOT, '../shared/traces');

interface Expected {
  kernels: number; nccl: number; memcpy: number; memcpyKinds: Record<string, number>; memset: number;
  runtime: number; cpuOps: number; python: number; pythonWithFile: number; annotations: number; cudaSync: number;
  kernelUs: number;
  /** undefined: the trace has none */
  rank?: number | undefined; worldSize?: number | undefined; displayTimeUnit?: string | undefined; gpus: number; streams: number[];
  longestPy?: { file: string; line: number; function: string } | undefined;
  topFile?: { file: string; count: number } | undefined;
  /** cuda_sync events plus CUDA/HIP sync runtime calls without a cuda_sync of the same correlation */
  syncRows: number;
  steps: string[];
}

const EXPECTED: Record<string, Expected> = {
  'hta/allreduce_v100_rank1.json.gz': {"kernels": 19370, "nccl": 2020, "memcpy": 2040, "memcpyKinds": {"DtoD": 2040}, "memset": 880, "runtime": 42373, "cpuOps": 56680, "python": 0, "pythonWithFile": 0, "annotations": 2035, "cudaSync": 0, "kernelUs": 977859, "rank": 1, "worldSize": 2, "displayTimeUnit": undefined, "gpus": 2, "streams": [7, 14], "longestPy": undefined, "topFile": undefined, "syncRows": 6061, "steps": ["ProfilerStep#2", "ProfilerStep#3", "ProfilerStep#4", "ProfilerStep#5", "ProfilerStep#6"]},
  'hta/critical_path/alexnet/benchmark_result_2869224_1695835535_trace.json.gz': {"kernels": 79, "nccl": 0, "memcpy": 16, "memcpyKinds": {"HtoD": 16}, "memset": 3, "runtime": 361, "cpuOps": 359, "python": 0, "pythonWithFile": 0, "annotations": 8, "cudaSync": 41, "kernelUs": 10692, "rank": 0, "worldSize": undefined, "displayTimeUnit": undefined, "gpus": 8, "streams": [7, 20], "longestPy": undefined, "topFile": undefined, "syncRows": 55, "steps": []},
  'hta/critical_path/cuda_event_sync/event_sync_trace.json.gz': {"kernels": 4, "nccl": 0, "memcpy": 1, "memcpyKinds": {"DtoH": 1}, "memset": 0, "runtime": 12, "cpuOps": 10, "python": 0, "pythonWithFile": 0, "annotations": 1, "cudaSync": 4, "kernelUs": 49, "rank": 0, "worldSize": undefined, "displayTimeUnit": undefined, "gpus": 8, "streams": [7], "longestPy": undefined, "topFile": undefined, "syncRows": 4, "steps": ["ProfilerStep#100"]},
  'hta/critical_path/cuda_event_sync_multi_stream/event_sync_trace.json.gz': {"kernels": 3, "nccl": 0, "memcpy": 0, "memcpyKinds": {}, "memset": 3, "runtime": 39, "cpuOps": 6, "python": 0, "pythonWithFile": 0, "annotations": 0, "cudaSync": 5, "kernelUs": 369, "rank": 0, "worldSize": undefined, "displayTimeUnit": undefined, "gpus": 8, "streams": [20, 24, 28], "longestPy": undefined, "topFile": undefined, "syncRows": 5, "steps": []},
  'hta/critical_path/end_to_end/simple_add/input/trace.json.gz': {"kernels": 79, "nccl": 0, "memcpy": 16, "memcpyKinds": {"HtoD": 16}, "memset": 3, "runtime": 331, "cpuOps": 359, "python": 0, "pythonWithFile": 0, "annotations": 8, "cudaSync": 41, "kernelUs": 10728, "rank": 0, "worldSize": undefined, "displayTimeUnit": undefined, "gpus": 8, "streams": [7, 20], "longestPy": undefined, "topFile": undefined, "syncRows": 55, "steps": []},
  'hta/critical_path/end_to_end/simple_add/output/overlaid_critical_path_trace.json.gz': {"kernels": 79, "nccl": 0, "memcpy": 16, "memcpyKinds": {"HtoD": 16}, "memset": 3, "runtime": 331, "cpuOps": 359, "python": 0, "pythonWithFile": 0, "annotations": 8, "cudaSync": 41, "kernelUs": 10728, "rank": 0, "worldSize": undefined, "displayTimeUnit": undefined, "gpus": 8, "streams": [7, 20], "longestPy": undefined, "topFile": undefined, "syncRows": 55, "steps": []},
  'hta/critical_path/simple_add/benchmark_result_493459_1694039959_trace.json.gz': {"kernels": 79, "nccl": 0, "memcpy": 16, "memcpyKinds": {"HtoD": 16}, "memset": 3, "runtime": 331, "cpuOps": 359, "python": 0, "pythonWithFile": 0, "annotations": 8, "cudaSync": 41, "kernelUs": 10728, "rank": 0, "worldSize": undefined, "displayTimeUnit": undefined, "gpus": 8, "streams": [7, 20], "longestPy": undefined, "topFile": undefined, "syncRows": 55, "steps": []},
  'hta/mi250_minitoy_train_ROCm6_2_kineto.json.gz': {"kernels": 14, "nccl": 0, "memcpy": 2, "memcpyKinds": {"HtoD": 2}, "memset": 0, "runtime": 21, "cpuOps": 70, "python": 0, "pythonWithFile": 0, "annotations": 3, "cudaSync": 0, "kernelUs": 110.881, "rank": undefined, "worldSize": undefined, "displayTimeUnit": "ms", "gpus": 4, "streams": [0], "longestPy": undefined, "topFile": undefined, "syncRows": 1, "steps": ["ProfilerStep#1", "ProfilerStep#2"]},
  'hta/nccl_a100.json.gz': {"kernels": 2700, "nccl": 21, "memcpy": 960, "memcpyKinds": {"DtoD": 960}, "memset": 114, "runtime": 8740, "cpuOps": 14346, "python": 0, "pythonWithFile": 0, "annotations": 42, "cudaSync": 0, "kernelUs": 162532.34, "rank": 0, "worldSize": 2, "displayTimeUnit": "ms", "gpus": 8, "streams": [7, 40], "longestPy": undefined, "topFile": undefined, "syncRows": 109, "steps": ["ProfilerStep#4", "ProfilerStep#5", "ProfilerStep#6"]},
  'hta/nccl_sendrecv_a100_rank0.json.gz': {"kernels": 6080, "nccl": 80, "memcpy": 1390, "memcpyKinds": {"HtoD": 80, "DtoD": 1280, "DtoH": 30}, "memset": 277, "runtime": 33924, "cpuOps": 25185, "python": 0, "pythonWithFile": 0, "annotations": 360, "cudaSync": 0, "kernelUs": 401445, "rank": 0, "worldSize": 16, "displayTimeUnit": undefined, "gpus": 8, "streams": [7, 27, 84, 285, 363], "longestPy": undefined, "topFile": undefined, "syncRows": 501, "steps": ["ProfilerStep#550", "ProfilerStep#551", "ProfilerStep#552", "ProfilerStep#553", "ProfilerStep#554"]},
  'kineto-tb-samples/worker0.1623143089861.pt.trace.json.gz': {"kernels": 8772, "nccl": 0, "memcpy": 12, "memcpyKinds": {"HtoD": 12}, "memset": 312, "runtime": 11923, "cpuOps": 23646, "python": 0, "pythonWithFile": 0, "annotations": 0, "cudaSync": 0, "kernelUs": 591532, "rank": undefined, "worldSize": undefined, "displayTimeUnit": undefined, "gpus": 4, "streams": [7], "longestPy": undefined, "topFile": undefined, "syncRows": 13, "steps": []},
  'tracelens/Falconsai_nsfw_image_detection__1016002.json.gz': {"kernels": 154, "nccl": 0, "memcpy": 0, "memcpyKinds": {}, "memset": 2, "runtime": 383, "cpuOps": 1258, "python": 2117, "pythonWithFile": 1164, "annotations": 1, "cudaSync": 0, "kernelUs": 1220.926, "rank": undefined, "worldSize": undefined, "displayTimeUnit": "ms", "gpus": 1, "streams": [7], "longestPy": {"file": "threading.py", "line": 1032, "function": "_bootstrap"}, "topFile": {"file": "torch/nn/modules/module.py", "count": 621}, "syncRows": 2, "steps": ["ProfilerStep#6"]},
  'tracelens/Qwen_Qwen1.5-0.5B-Chat__1016005.json.gz': {"kernels": 1465, "nccl": 0, "memcpy": 1, "memcpyKinds": {"DtoH": 1}, "memset": 241, "runtime": 1922, "cpuOps": 4186, "python": 4262, "pythonWithFile": 2208, "annotations": 1, "cudaSync": 0, "kernelUs": 45432.698, "rank": undefined, "worldSize": undefined, "displayTimeUnit": "ms", "gpus": 1, "streams": [7], "longestPy": {"file": "threading.py", "line": 1032, "function": "_bootstrap"}, "topFile": {"file": "torch/nn/modules/module.py", "count": 1049}, "syncRows": 3, "steps": ["ProfilerStep#6"]},
  'tracelens/gaunernst_bert-small-uncased__1016001.json.gz': {"kernels": 60, "nccl": 0, "memcpy": 1, "memcpyKinds": {"DtoH": 1}, "memset": 0, "runtime": 132, "cpuOps": 479, "python": 1385, "pythonWithFile": 773, "annotations": 1, "cudaSync": 0, "kernelUs": 307.197, "rank": undefined, "worldSize": undefined, "displayTimeUnit": "ms", "gpus": 1, "streams": [7], "longestPy": {"file": "threading.py", "line": 1032, "function": "_bootstrap"}, "topFile": {"file": "torch/nn/modules/module.py", "count": 240}, "syncRows": 3, "steps": ["ProfilerStep#6"]},
  'tracelens/google_owlv2-large-patch14-ensemble__1016001.json.gz': {"kernels": 4330, "nccl": 0, "memcpy": 85, "memcpyKinds": {"DtoD": 5, "HtoD": 25, "DtoH": 55}, "memset": 750, "runtime": 9292, "cpuOps": 24378, "python": 65313, "pythonWithFile": 33179, "annotations": 7, "cudaSync": 0, "kernelUs": 551451.628, "rank": undefined, "worldSize": undefined, "displayTimeUnit": "ms", "gpus": 1, "streams": [7], "longestPy": {"file": "threading.py", "line": 1032, "function": "_bootstrap"}, "topFile": {"file": "torch/utils/_device.py", "count": 8593}, "syncRows": 82, "steps": ["ProfilerStep#6"]},
  'tracelens/graph_execution.json.gz': {"kernels": 425, "nccl": 0, "memcpy": 9, "memcpyKinds": {"DtoD": 9}, "memset": 0, "runtime": 20, "cpuOps": 100, "python": 984, "pythonWithFile": 329, "annotations": 1, "cudaSync": 0, "kernelUs": 10674.517, "rank": 0, "worldSize": 1, "displayTimeUnit": "ms", "gpus": 8, "streams": [0], "longestPy": {"file": "torch/utils/_contextlib.py", "line": 117, "function": "decorate_context"}, "topFile": {"file": "vllm/v1/worker/gpu_input_batch.py", "count": 72}, "syncRows": 1, "steps": []},
  'tracelens/sglang_Qwen3-8B_decode.json.gz': {"kernels": 555, "nccl": 0, "memcpy": 3, "memcpyKinds": {"DtoH": 1, "DtoD": 2}, "memset": 0, "runtime": 29, "cpuOps": 61, "python": 821, "pythonWithFile": 459, "annotations": 2, "cudaSync": 0, "kernelUs": 9765.437, "rank": 0, "worldSize": 1, "displayTimeUnit": "ms", "gpus": 2, "streams": [2, 3], "longestPy": {"file": "/sgl-workspace/sglang/python/sglang/srt/managers/scheduler.py", "line": 2919, "function": "_run_batch_inner"}, "topFile": {"file": "torch/utils/_pytree.py", "count": 116}, "syncRows": 1, "steps": []},
};

const KIND: Record<string, CopyKind> = { HtoD: CopyKind.HtoD, DtoH: CopyKind.DtoH, DtoD: CopyKind.DtoD };

function str(m: ProfileModel, id: number): string {
  return m.strings[id]!;
}

describe.skipIf(!existsSync(TRACES))('Kineto reader on ../shared/traces', () => {
  for (const [rel, x] of Object.entries(EXPECTED)) {
    it(rel, async () => {
      const m = await openProfile(join(TRACES, rel));
      expect(m.meta.format).toBe('kineto-json');
      expect(m.kernels.length).toBe(x.kernels);
      let nccl = 0;
      for (let i = 0; i < m.kernels.length; i++) if (isNcclKernelName(str(m, m.kernels.fullNameId[i]!))) nccl++;
      expect(nccl).toBe(x.nccl);
      expect(m.memcpy.length).toBe(x.memcpy);
      for (const [k, n] of Object.entries(x.memcpyKinds)) {
        expect(m.memcpy.copyKind.filter((c) => c === KIND[k]).length, k).toBe(n);
      }
      expect(m.memset.length).toBe(x.memset);
      expect(m.sync.length).toBe(x.syncRows);
      expect(m.runtime.length).toBe(x.runtime);
      expect(m.nvtx.length).toBe(x.annotations);
      expect(m.cpu.kind.filter((k) => k === 0).length).toBe(x.cpuOps);
      expect(m.cpu.kind.filter((k) => k === 1).length).toBe(x.python);
      let withFile = 0;
      for (let i = 0; i < m.cpu.length; i++) if (m.cpu.kind[i] === 1 && m.cpu.fileId[i]! >= 0) withFile++;
      expect(withFile).toBe(x.pythonWithFile);
      expect(m.meta.capabilities.pythonStacks).toBe(x.python > 0 || rel.includes('kineto-tb'));
      // ts/dur are µs whatever displayTimeUnit says: kernel time sums agree to rounding.
      let kernelNs = 0;
      for (let i = 0; i < m.kernels.length; i++) kernelNs += m.kernels.end[i]! - m.kernels.start[i]!;
      expect(Math.abs(kernelNs / 1000 - x.kernelUs)).toBeLessThanOrEqual(0.001 * x.kernels + 1e-6);
      expect([...new Set(m.kernels.streamId)].sort((a, b) => a - b)).toEqual(x.streams);
      expect(m.meta.gpus.length).toBe(x.gpus);
      if (x.rank !== undefined) expect(m.meta.processes.some((p) => p.rank === x.rank)).toBe(true);
      if (x.worldSize !== undefined) expect(m.meta.distributed).toMatchObject({ rank: x.rank, worldSize: x.worldSize });
      else expect(m.meta.distributed).toBeUndefined();
      if (x.displayTimeUnit) expect(m.meta.notes.join('\n')).toContain(`displayTimeUnit "${x.displayTimeUnit}"`);
      const steps: string[] = [];
      for (let i = 0; i < m.nvtx.length; i++) {
        const t = str(m, m.nvtx.textId[i]!);
        if (t.startsWith('ProfilerStep#')) steps.push(t);
      }
      expect(steps.sort()).toEqual(x.steps);
      if (x.longestPy) {
        let best = -1;
        for (let i = 0; i < m.cpu.length; i++) {
          if (m.cpu.kind[i] !== 1 || m.cpu.fileId[i]! < 0) continue;
          if (best < 0 || m.cpu.end[i]! - m.cpu.start[i]! > m.cpu.end[best]! - m.cpu.start[best]!) best = i;
        }
        expect({ file: str(m, m.cpu.fileId[best]!), line: m.cpu.line[best], function: str(m, m.cpu.nameId[best]!) }).toEqual(x.longestPy);
      }
      if (x.topFile) {
        const perFile = new Map<number, number>();
        for (let i = 0; i < m.cpu.length; i++) if (m.cpu.fileId[i]! >= 0) perFile.set(m.cpu.fileId[i]!, (perFile.get(m.cpu.fileId[i]!) ?? 0) + 1);
        const [fileId, count] = [...perFile].sort((a, b) => b[1] - a[1])[0]!;
        expect({ file: str(m, fileId), count }).toEqual(x.topFile);
      }
      // Every table sorted by start; GPU rows carry the pid of a host process.
      for (const t of [m.kernels, m.runtime, m.memcpy, m.cpu, m.nvtx, m.sync]) {
        for (let i = 1; i < t.length; i++) expect(t.start[i]! >= t.start[i - 1]!).toBe(true);
      }
      const hostPids = new Set(m.meta.processes.map((p) => p.pid));
      for (let i = 0; i < m.kernels.length; i++) expect(hostPids.has(m.kernels.pid[i]!)).toBe(true);
    });
  }

  it('allreduce_v100_rank1: every NCCL kernel is an AllReduce on its own stream, launched by a runtime call', async () => {
    const m = await openProfile(join(TRACES, 'hta/allreduce_v100_rank1.json.gz'));
    const corr = new Set(m.runtime.correlationId);
    let onStream14 = 0;
    for (let i = 0; i < m.kernels.length; i++) {
      if (!isNcclKernelName(str(m, m.kernels.nameId[i]!))) continue;
      expect(str(m, m.kernels.nameId[i]!)).toBe('ncclKernel_AllReduce_RING_LL_Sum_float');
      expect(m.kernels.deviceId[i]).toBe(1);
      expect(corr.has(m.kernels.correlationId[i]!)).toBe(true);
      if (m.kernels.streamId[i] === 14) onStream14++;
    }
    expect(onStream14).toBe(2020);
  });

  it('kineto-tb sample (2021 format): Operator "Call stack" args become callchains, runtime calls share them', async () => {
    const m = await openProfile(join(TRACES, 'kineto-tb-samples/worker0.1623143089861.pt.trace.json.gz'));
    const first = m.cpu.callchainId!.findIndex((c) => c >= 0);
    expect(first).toBeGreaterThanOrEqual(0);
    const frames = m.callchains.get(m.cpu.callchainId![first]!)!;
    expect(frames.at(-1)).toEqual({ symbol: '<module>', file: 'resnet50_profiler_api.py', line: 54 });
    expect(m.meta.notes.join('\n')).not.toContain('no python stacks');
    // python3: 6582 Runtime events carry the "external id" of an Operator that has a Call stack.
    expect(m.runtime.callchainId.filter((c) => c >= 0).length).toBe(6582);
    expect(m.meta.capabilities.cudaCallchains).toBe(true);
  });

  it('tracelens (with_stack=True): every runtime call gets the python_function stack around it', async () => {
    // python3 (prefix-max of python_function ends per thread, bisect on ts): every cuda_runtime/cuda_driver
    // event of these files starts inside a python_function event of its own thread.
    for (const rel of ['tracelens/gaunernst_bert-small-uncased__1016001.json.gz', 'tracelens/sglang_Qwen3-8B_decode.json.gz']) {
      const m = await openProfile(join(TRACES, rel));
      expect(m.runtime.callchainId.every((c) => c >= 0), rel).toBe(true);
    }
    const m = await openProfile(join(TRACES, 'tracelens/gaunernst_bert-small-uncased__1016001.json.gz'));
    // Top-level keys: cupti_version 22, cuda_runtime_version 12040, cuda_driver_version 12090.
    expect(m.meta.toolVersion).toBe('CUPTI 22, CUDA runtime 12.4, CUDA driver 12.9');
    // The first kernel (an embedding lookup) leads through its launch to BertEmbeddings.forward.
    const rt = Array.from(m.runtime.correlationId).indexOf(m.kernels.correlationId[0]!);
    const chain = m.callchains.get(m.runtime.callchainId[rt]!)!;
    expect(chain[0]!.symbol).toMatch(/^<built-in method embedding/);
    expect(chain).toContainEqual({ symbol: 'forward', file: 'transformers/models/bert/modeling_bert.py', line: 181 });
  });

  it('critical-path fixture: cuda_sync events become sync rows with the calling thread', async () => {
    const m = await openProfile(join(TRACES, 'hta/critical_path/cuda_event_sync/event_sync_trace.json.gz'));
    // 4 cuda_sync events (Stream, Event, Event, Context); no runtime sync call without one.
    expect(m.sync.length).toBe(4);
    for (let i = 0; i < m.sync.length; i++) expect(m.sync.tid[i]).toBe(948300);
  });
});
