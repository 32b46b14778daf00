// The measured cost of each category per iteration, from the profile queries: what the detectors start from.
import type { Category, Evidence } from '../core/findings.js';
import type { ProfileModel } from '../core/profile.js';
import { detectIterations, type IterationDetection } from '../profile/queries/iterations.js';
import { gaps } from '../profile/queries/gaps.js';
import { launchStats } from '../profile/queries/launch.js';
import { memcpyStats } from '../profile/queries/memcpy.js';
import { ncclStats } from '../profile/queries/nccl.js';
import { syncStats } from '../profile/queries/sync.js';
import { hasGpuActivity } from '../profile/queries/util.js';
import type { CategorySignal } from './detect.js';

export interface IterationFrame {
  detection: IterationDetection;
  /** iterations in the window (≥1 for dividing totals) */
  divisor: number;
  iterMs: number | null;
}

export function iterationFrame(model: ProfileModel): IterationFrame {
  const detection = detectIterations(model);
  const its = detection.iterations;
  if (!its.length) return { detection, divisor: 1, iterMs: null };
  const d = its.map((i) => (i.endNs - i.startNs) / 1e6).sort((a, b) => a - b);
  const m = d.length >> 1;
  return { detection, divisor: its.length, iterMs: d.length % 2 ? d[m]! : (d[m - 1]! + d[m]!) / 2 };
}

const r3 = (x: number) => Math.round(x * 1000) / 1000;

/** Redundant work the compute category looks for: constant construction and copies that change nothing. */
export const REDUNDANT_OP = /^aten::(arange|ones|zeros|full|tril|triu|eye|linspace|clone|contiguous|cat|copy_|_to_copy|to)$/;
const REDUNDANT_KERNEL = /arange|fill_kernel|FillFunctor|CatArrayBatchedCopy|copy_kernel|direct_copy|contiguous/i;

export function categorySignals(model: ProfileModel, frame: IterationFrame): Map<Category, CategorySignal> {
  const out = new Map<Category, CategorySignal>();
  const per = (ns: number) => ns / 1e6 / frame.divisor;
  const put = (category: Category, msPerIter: number, evidence: Evidence[]) => out.set(category, { category, msPerIter: r3(msPerIter), evidence });
  const gpu = hasGpuActivity(model);
  const S = model.strings;

  if (gpu) {
    const s = syncStats(model, { limit: 3 });
    if (s.calls > 0) {
      const ms = Math.max(per(s.totalNs), per(s.idleAfterNs));
      put('C3', ms, [{ kind: 'profile', query: 'sync', summary: `${s.calls} synchronization call(s): ${per(s.totalNs).toFixed(3)} ms/iter waiting, GPU idle ${per(s.idleAfterNs).toFixed(3)} ms/iter after them`,
        values: { calls: s.calls, callsPerIter: r3(s.calls / frame.divisor), msPerIter: r3(per(s.totalNs)), idleAfterMsPerIter: r3(per(s.idleAfterNs)) } }]);
    }
    const mc = memcpyStats(model, { limit: 3 });
    if (mc.count > 0) {
      put('C4', per(mc.totalNs), [{ kind: 'profile', query: 'memcpy', summary: `${mc.count} copies (${(mc.bytes / 1e6).toFixed(1)} MB), ${per(mc.totalNs).toFixed(3)} ms/iter; ${mc.pageableCount} from pageable memory, ${mc.syncCount} synchronous`,
        values: { copies: mc.count, pageable: mc.pageableCount, sync: mc.syncCount, msPerIter: r3(per(mc.totalNs)), bandwidthGBps: r3(mc.bandwidthGBps) } }]);
    }
    const l = launchStats(model, { limit: 3 });
    if (l.kernelCount > l.graphKernelCount && (l.launchToKernelRatio >= 0.5 || l.tinyKernelPct >= 50)) {
      const eager = l.kernelCount - l.graphKernelCount;
      const graphs = l.graphKernelCount === 0
        ? 'no CUDA graph captures these launches'
        : `${eager} of ${l.kernelCount} kernels are launched one by one outside the CUDA graphs`;
      put('C2', per(l.launchBoundIdleNs), [{ kind: 'profile', query: 'launch', summary: `${l.tinyKernelPct.toFixed(0)}% of ${eager} kernels launched one by one are tiny; launch time / kernel time ${l.launchToKernelRatio.toFixed(2)}; GPU starved by launches ${per(l.launchBoundIdleNs).toFixed(3)} ms/iter; ${graphs}`,
        values: { kernels: l.kernelCount, graphKernels: l.graphKernelCount, tinyPct: r3(l.tinyKernelPct), launchToKernel: r3(l.launchToKernelRatio), starvedMsPerIter: r3(per(l.launchBoundIdleNs)) } }]);
    }
    const n = ncclStats(model, { limit: 3 });
    if (n.kernels > 0) {
      put('C6', per(n.exposedNs), [{ kind: 'profile', query: 'nccl', summary: `${n.kernels} NCCL kernels, ${per(n.totalNs).toFixed(3)} ms/iter, ${per(n.exposedNs).toFixed(3)} ms/iter not overlapped with compute (${n.overlapPct.toFixed(0)}% overlapped)`,
        values: { kernels: n.kernels, msPerIter: r3(per(n.totalNs)), exposedMsPerIter: r3(per(n.exposedNs)), overlapPct: r3(n.overlapPct) } }]);
    }
    // host-bound idle: GPU gaps not explained by syncs or launches (the CPU was busy elsewhere)
    const g = gaps(model, { limit: 3, minGapNs: 20_000 });
    const idle = g.devices.reduce((a, d) => a + d.gapTotalNs, 0);
    // GPU idle that follows a sync is still host time: the CPU runs Python (loading, collating) while the GPU
    // waits, so it is not subtracted here — only the idle explained by launch overhead is.
    const host = Math.max(0, per(idle) - (out.get('C2')?.msPerIter ?? 0));
    if (host > 0) {
      const ev: Evidence[] = [{ kind: 'profile', query: 'gaps', summary: `GPU idle ${per(idle).toFixed(3)} ms/iter in gaps ≥ 20 µs; ${host.toFixed(3)} ms/iter not explained by launch overhead (host-bound)`,
        values: { idleMsPerIter: r3(per(idle)), hostBoundMsPerIter: r3(host) } }];
      put('C1', host, ev);
      put('C7', host, ev);
    }
    let redundant = 0, count = 0;
    const k = model.kernels;
    for (let i = 0; i < k.length; i++) {
      if (REDUNDANT_KERNEL.test(S[k.nameId[i]!] ?? '')) { redundant += k.end[i]! - k.start[i]!; count++; }
    }
    if (count) put('C5', per(redundant), [{ kind: 'profile', query: 'top-kernels', summary: `${count} copy/fill/arange kernels, ${per(redundant).toFixed(3)} ms/iter`, values: { kernels: count, msPerIter: r3(per(redundant)) } }]);
  } else {
    // CPU-only: time in the step by kind of CPU work
    const c = model.cpu;
    let constNs = 0, constCount = 0, loaderNs = 0;
    for (let i = 0; i < c.length; i++) {
      const name = S[c.nameId[i]!] ?? '';
      if (c.kind[i] === 0 && REDUNDANT_OP.test(name)) { constNs += c.end[i]! - c.start[i]!; constCount++; }
      if (c.kind[i] === 1 && /torch\/utils\/data\/dataloader\.py/.test(S[c.fileId[i]!] ?? '') && /__next__/.test(name)) loaderNs += c.end[i]! - c.start[i]!;
    }
    if (constCount) put('C5', per(constNs), [{ kind: 'profile', query: 'cpu-ops', summary: `${constCount} constant-construction/copy operators (aten::arange, ones, tril, clone, cat, copy_…), ${per(constNs).toFixed(3)} ms/iter`, values: { ops: constCount, msPerIter: r3(per(constNs)) } }]);
    if (loaderNs) put('C1', per(loaderNs), [{ kind: 'profile', query: 'python-stack', summary: `${per(loaderNs).toFixed(3)} ms/iter in DataLoader.__next__ on the training thread`, values: { msPerIter: r3(per(loaderNs)) } }]);
    if (frame.iterMs !== null) {
      put('C7', frame.iterMs, [{ kind: 'profile', query: 'iterations', summary: `CPU-only profile: the whole ${frame.iterMs.toFixed(3)} ms iteration runs on the host` }]);
    }
  }
  return out;
}

/** NVTX / annotation ranges named like a function: function name → ms per iteration. */
export function nvtxFunctionTimes(model: ProfileModel, frame: IterationFrame, functionNames: Iterable<string>): Map<string, number> {
  const wanted = new Map<string, string[]>();
  for (const q of functionNames) {
    const short = q.split('.').pop()!;
    wanted.set(q, [q, short]);
  }
  const byText = new Map<string, number>();
  const r = model.nvtx;
  for (let i = 0; i < r.length; i++) {
    const t = (model.strings[r.textId[i]!] ?? '').trim();
    if (!t || r.end[i]! <= r.start[i]!) continue;
    byText.set(t, (byText.get(t) ?? 0) + (r.end[i]! - r.start[i]!));
  }
  const out = new Map<string, number>();
  for (const [q, names] of wanted) {
    for (const n of names) {
      const ns = byText.get(n);
      if (ns !== undefined) { out.set(q, r3(ns / 1e6 / frame.divisor)); break; }
    }
  }
  return out;
}

const FP32_GEMM = /sgemm|gemm.*(f32|fp32|float)(?!.*(bf16|f16|half))|cutlass.*(tf32|f32)/i;
const TF32 = /tf32/i;
const LOW_PRECISION = /bf16|f16|half|hmma|h\d{3,4}gemm|tensorop.*(s|h)1688|_h\d+|fp8|e4m3/i;

/** Signals behind single patterns whose cost is not their category's. */
export function patternSignals(model: ProfileModel, frame: IterationFrame): Map<string, CategorySignal> {
  const out = new Map<string, CategorySignal>();
  const k = model.kernels;
  const S = model.strings;
  let fp32 = 0, fp32n = 0, low = 0, saving = 0;
  for (let i = 0; i < k.length; i++) {
    const n = S[k.nameId[i]!] ?? '';
    if (LOW_PRECISION.test(n)) low++;
    else if (FP32_GEMM.test(n)) {
      const d = k.end[i]! - k.start[i]!;
      fp32 += d;
      fp32n++;
      // what bf16 autocast would save: TF32 already runs on tensor cores (bf16 ~2x faster), SIMT fp32 does not (~8x)
      saving += d * (TF32.test(n) ? 0.5 : 0.85);
    }
  }
  if (fp32n > 0 && low === 0) {
    const ms = fp32 / 1e6 / frame.divisor;
    const save = saving / 1e6 / frame.divisor;
    out.set('C5.fp32-no-autocast', { category: 'C5', msPerIter: r3(save), evidence: [{ kind: 'profile', query: 'top-kernels', summary: `${fp32n} fp32 GEMM kernels and no reduced-precision kernel: ${ms.toFixed(3)} ms/iter of fp32 matrix math, ~${save.toFixed(3)} ms/iter saved by bf16 autocast`, values: { kernels: fp32n, msPerIter: r3(ms), savingMsPerIter: r3(save) } }] });
  } else {
    out.set('C5.fp32-no-autocast', { category: 'C5', msPerIter: 0, evidence: [{ kind: 'profile', query: 'top-kernels', summary: low ? 'reduced-precision kernels are present' : 'no fp32 GEMM kernels' }] });
  }
  return out;
}
