// mfu: GPU time by kernel class (GEMM / conv / attention / elementwise / reduction / communication / memcpy /
// other), the GPU model's peak throughput, and — when the FLOPs per step are known — achieved TFLOP/s and MFU
// per step. Kernel rows carry no GEMM shapes, so FLOPs come from the user: 6·N·T per training step for a model
// of N parameters processing T tokens per step on the GPUs of this profile (forward + backward, no
// recomputation). MFU = FLOPs per step / (step time · peak · GPUs).
import { UserError } from '../../core/errors.js';
import type { ProfileModel } from '../../core/profile.js';
import { keyValues, pct, table } from './format.js';
import { type GpuPeak, type Precision, gpuPeak } from './gpu-peaks.js';
import { isNcclName } from './nccl.js';
import type { QueryDef } from './query-def.js';
import { median } from './robust.js';
import { stepMetrics } from './step-metrics.js';
import { LIMIT_PARAM, deviceBusy, intArg, nameFlags, nsToMs, numArg, round, strArg } from './util.js';

export const KERNEL_CLASSES = ['gemm', 'conv', 'attention', 'elementwise', 'reduction', 'communication', 'memcpy', 'other'] as const;
export type KernelClass = (typeof KERNEL_CLASSES)[number];

const RULES: Array<[KernelClass, RegExp]> = [
  ['communication', /nccl|rccl|all_?reduce|all_?gather|reduce_?scatter|all_?to_?all|cross_device/i],
  ['memcpy', /^\s*(memcpy|memset)|\bmemcpy|copy_kernel|direct_copy|CatArrayBatchedCopy/i],
  ['attention', /flash|fmha|attention|attn|sdpa|_mha|mha_|cutlass_?fmha|xformers/i],
  ['conv', /conv|implicit_?gemm|wgrad|dgrad|fprop|cudnn|winograd|precomputed/i],
  ['gemm', /gemm|matmul|cublas|cutlass|s16816|s1688|h884|h1688|wmma|xmma|nvjet|sm\d+_xmma|_tn_|_nt_|_nn_|_tt_|triton_mm|bmm/i],
  ['reduction', /reduce|softmax|norm|sum_kernel|argmax|argmin|max_kernel|min_kernel|mean_kernel|triton_(red|per)_|scan|topk|cross_entropy|nll_loss/i],
  ['elementwise', /elementwise|vectorized|unrolled|pointwise|triton_poi_|fused|add|mul|div|gelu|relu|silu|sigmoid|tanh|fill|dropout|adam|sgd|multi_tensor|index|gather|scatter|embedding|where|cast|copy/i],
];

/**
 * Class of a kernel from its name; launch dimensions break ties for names that say nothing: a 1-D grid of
 * ≥ 128-thread blocks with no shared memory and few registers is the shape of an elementwise kernel.
 */
export function classifyKernel(name: string, dims?: { gridY: number; gridZ: number; block: number; sharedMemoryBytes: number; registers: number }): KernelClass {
  for (const [c, re] of RULES) if (re.test(name)) return c;
  if (dims && dims.gridY <= 1 && dims.gridZ <= 1 && dims.block >= 128 && dims.sharedMemoryBytes === 0 && dims.registers > 0 && dims.registers <= 32) return 'elementwise';
  return 'other';
}

/** Precision of a GEMM/attention kernel from its name, or undefined. */
export function precisionOf(name: string): Precision | undefined {
  if (/e4m3|e5m2|fp8|f8f8/i.test(name)) return 'fp8';
  if (/bf16|bfloat16/i.test(name)) return 'bf16';
  if (/fp16|f16|half|h884|h1688|hgemm|__half/i.test(name)) return 'fp16';
  if (/tf32|s1688gemm|xf32/i.test(name)) return 'tf32';
  if (/sgemm|fp32|f32f32/i.test(name)) return 'fp32';
  return undefined;
}

export interface ClassShare {
  kernelClass: KernelClass;
  count: number;
  totalMs: number;
  sharePct: number;
  topKernel: string;
}

export interface MfuResult {
  gpu: { name: string; model: string | null; count: number; source: string | null };
  peak: { precision: Precision; precisionFrom: string; tflops: number; hbmGBs: number } | null;
  classes: ClassShare[];
  gpuTimeMs: number;
  steps: number;
  stepMedianMs: number;
  flopsPerStep: number | null;
  tokensPerStep: number | null;
  /** per step (steps order); empty when not derivable */
  mfuPerStep: number[];
  mfuMedianPct: number | null;
  achievedTflopsMedian: number | null;
  tokensPerSecondMedian: number | null;
  /** "MFU cannot be derived: …" when it cannot */
  mfuNote: string | null;
}

export interface MfuOptions {
  modelParams?: number | undefined;
  tokensPerStep?: number | undefined;
  /** fp32 | tf32 | bf16 | fp16 | fp8; default: from the costliest GEMM/attention kernel names, else bf16 */
  precision?: Precision | undefined;
}

export function mfu(model: ProfileModel, opts: MfuOptions = {}): MfuResult {
  const k = model.kernels;
  const S = model.strings.length;
  const classes = new Map<KernelClass, { count: number; ns: number; byName: Map<number, number> }>();
  const isNccl = nameFlags(model, isNcclName);
  const classOfName = new Map<number, KernelClass>();
  const precisionNs = new Map<Precision, number>();
  let total = 0;
  for (let r = 0; r < k.length; r++) {
    const id = k.nameId[r]!;
    let c = classOfName.get(id);
    if (!c) {
      const name = model.strings[id] ?? '';
      const full = model.strings[k.fullNameId[r]!] ?? name;
      c = isNccl(id) ? 'communication' : classifyKernel(`${name} ${full === name ? '' : full}`, {
        gridY: k.gridY[r]!, gridZ: k.gridZ[r]!, block: k.blockX[r]! * Math.max(1, k.blockY[r]!) * Math.max(1, k.blockZ[r]!),
        sharedMemoryBytes: k.sharedMemoryBytes[r]!, registers: k.registersPerThread[r]!,
      });
      classOfName.set(id, c);
    }
    const d = k.end[r]! - k.start[r]!;
    total += d;
    let e = classes.get(c);
    if (!e) classes.set(c, (e = { count: 0, ns: 0, byName: new Map() }));
    e.count++;
    e.ns += d;
    e.byName.set(id, (e.byName.get(id) ?? 0) + d);
    if (c === 'gemm' || c === 'attention') {
      const p = precisionOf(`${model.strings[id]} ${model.strings[k.fullNameId[r]!]}`);
      if (p) precisionNs.set(p, (precisionNs.get(p) ?? 0) + d);
    }
  }
  let copyNs = 0;
  for (const t of [model.memcpy, model.memset]) for (let r = 0; r < t.length; r++) copyNs += t.end[r]! - t.start[r]!;
  if (copyNs > 0) {
    const e = classes.get('memcpy') ?? { count: 0, ns: 0, byName: new Map() };
    e.count += model.memcpy.length + model.memset.length;
    e.ns += copyNs;
    classes.set('memcpy', e);
  }
  const all = total + copyNs;
  const shares: ClassShare[] = KERNEL_CLASSES.filter((c) => classes.has(c)).map((c) => {
    const e = classes.get(c)!;
    let top = -1;
    let topNs = -1;
    for (const [id, ns] of e.byName) if (ns > topNs) [top, topNs] = [id, ns];
    return {
      kernelClass: c, count: e.count, totalMs: nsToMs(e.ns), sharePct: all > 0 ? round((100 * e.ns) / all, 2) : 0,
      topKernel: top >= 0 && top < S ? model.strings[top]! : c === 'memcpy' ? 'memcpy/memset rows' : '',
    };
  }).sort((a, b) => b.totalMs - a.totalMs);

  // GPU model and its peak
  const active = new Set(deviceBusy(model).map((b) => b.deviceId));
  const gpus = model.meta.gpus.filter((g) => active.size === 0 || active.has(g.deviceId));
  const gpuName = gpus[0]?.name ?? model.meta.gpus[0]?.name ?? '';
  const peakEntry: GpuPeak | undefined = gpuName ? gpuPeak(gpuName) : undefined;
  let precision = opts.precision;
  let precisionFrom = 'given';
  if (!precision) {
    const best = [...precisionNs].sort((a, b) => b[1] - a[1])[0];
    precision = best?.[0] ?? 'bf16';
    precisionFrom = best ? 'GEMM/attention kernel names' : 'default (no precision in kernel names)';
  }
  const peakTflops = peakEntry ? peakEntry.tflops[precision] : 0;
  const gpuCount = Math.max(1, active.size);

  const m = stepMetrics(model);
  const stepMedianNs = median(m.durationNs);
  const flops = opts.modelParams !== undefined && opts.tokensPerStep !== undefined ? 6 * opts.modelParams * opts.tokensPerStep : null;
  let note: string | null = null;
  if (all === 0) note = 'MFU cannot be derived: the profile has no GPU activity';
  else if (!gpuName) note = 'MFU cannot be derived: the profile does not name its GPU model (no TARGET_INFO_GPU / deviceProperties)';
  else if (!peakEntry) note = `MFU cannot be derived: GPU "${gpuName}" is not in the peak table (${'V100, A100, H100, H200, L4, A10, RTX 3090/4090, MI250X, MI300X'})`;
  else if (peakTflops === 0) note = `MFU cannot be derived: ${peakEntry.model} has no ${precision} tensor path (choose --precision)`;
  else if (flops === null) note = 'MFU cannot be derived: kernel rows carry no GEMM shapes; give --model-params N and --tokens-per-step T (6·N·T FLOPs per training step)';
  else if (m.iterations.length === 0) note = 'MFU cannot be derived: no steps detected (no step ranges and no repeating kernel sequence)';
  const mfuPerStep = note === null ? Array.from(m.durationNs, (d) => round((100 * flops!) / ((d / 1e9) * peakTflops * 1e12 * gpuCount), 2)) : [];
  const derived = note === null;
  return {
    gpu: { name: gpuName, model: peakEntry?.model ?? null, count: active.size, source: peakEntry?.source ?? null },
    peak: peakEntry ? { precision, precisionFrom, tflops: peakTflops, hbmGBs: peakEntry.hbmGBs } : null,
    classes: shares,
    gpuTimeMs: nsToMs(all),
    steps: m.iterations.length,
    stepMedianMs: nsToMs(stepMedianNs),
    flopsPerStep: flops,
    tokensPerStep: opts.tokensPerStep ?? null,
    mfuPerStep,
    mfuMedianPct: derived ? round(median(mfuPerStep), 2) : null,
    achievedTflopsMedian: derived && stepMedianNs > 0 ? round(flops! / (stepMedianNs / 1e9) / 1e12, 2) : null,
    tokensPerSecondMedian: opts.tokensPerStep !== undefined && stepMedianNs > 0 ? round(opts.tokensPerStep / (stepMedianNs / 1e9), 1) : null,
    mfuNote: note,
  };
}

export function formatMfu(r: MfuResult): string {
  const head = keyValues([
    ['GPU', r.gpu.name ? `${r.gpu.name}${r.gpu.model ? ` → ${r.gpu.model}` : ' (not in the peak table)'} × ${r.gpu.count}` : 'unknown'],
    ['peak', r.peak ? `${r.peak.tflops} TFLOP/s ${r.peak.precision} dense (precision from ${r.peak.precisionFrom}), HBM ${r.peak.hbmGBs} GB/s` : 'unknown'],
    ['peak source', r.gpu.source ?? '-'],
    ['GPU time', `${r.gpuTimeMs} ms`],
    ['steps', r.steps ? `${r.steps}, median ${r.stepMedianMs} ms` : 'none detected'],
    ['tokens/s (median step)', r.tokensPerSecondMedian ?? '-'],
    ['achieved TFLOP/s', r.achievedTflopsMedian ?? '-'],
    ['MFU (median step)', r.mfuMedianPct !== null ? pct(r.mfuMedianPct) : '-'],
  ]);
  const cls = table(['class', 'count', 'total ms', 'share', 'top kernel'], r.classes.map((c) => [c.kernelClass, c.count, c.totalMs, pct(c.sharePct), c.topKernel]));
  return `${head}\n\n${cls}${r.mfuNote ? `\n\n${r.mfuNote}` : ''}`;
}

const PRECISIONS: Precision[] = ['fp32', 'tf32', 'bf16', 'fp16', 'fp8'];

export const mfuQuery: QueryDef<MfuResult> = {
  name: 'mfu',
  description: 'Kernel time by class (GEMM/conv/attention/elementwise/reduction/communication/memcpy/other), GPU peak, MFU per step from --model-params and --tokens-per-step',
  params: [
    { ...LIMIT_PARAM, default: 100, description: 'maximum kernel classes and per-step MFU values listed' },
    { name: 'modelParams', type: 'number', description: 'model parameters N (FLOPs per step = 6·N·T)' },
    { name: 'tokensPerStep', type: 'number', description: 'tokens T processed per step by the GPUs in this profile' },
    { name: 'precision', type: 'string', description: 'fp32 | tf32 | bf16 | fp16 | fp8 (default: from kernel names)' },
  ],
  run(model, args) {
    const p = strArg(args, 'precision');
    if (p !== undefined && !PRECISIONS.includes(p as Precision)) throw new UserError(`--precision must be one of ${PRECISIONS.join(', ')}, got "${p}"`);
    const num = (name: string) => {
      if (args[name] === undefined) return undefined;
      const v = numArg(args, name, 0);
      if (!(v > 0)) throw new UserError(`--${name.replace(/[A-Z]/g, (c) => `-${c.toLowerCase()}`)} must be a positive number, got "${String(args[name])}"`);
      return v;
    };
    const modelParams = num('modelParams');
    const tokensPerStep = num('tokensPerStep');
    if ((modelParams === undefined) !== (tokensPerStep === undefined)) throw new UserError('give both --model-params and --tokens-per-step (or neither)');
    const r = mfu(model, { modelParams, tokensPerStep, precision: p as Precision | undefined });
    const limit = intArg(args, 'limit', 100, 1);
    return { ...r, classes: r.classes.slice(0, limit), mfuPerStep: r.mfuPerStep.slice(0, limit) };
  },
  format: (r) => formatMfu(r),
};
