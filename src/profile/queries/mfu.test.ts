import { describe, expect, it } from 'vitest';
import { UserError } from '../../core/errors.js';
import { gpuPeak } from './gpu-peaks.js';
import { classifyKernel, mfu, mfuQuery, precisionOf } from './mfu.js';
import { ModelBuilder } from './model-builder.js';

const U = 1000;

describe('kernel classes', () => {
  it('classifies by name', () => {
    expect(classifyKernel('ampere_bf16_s16816gemm_bf16_128x128_ldg8_f2f_stages_32x5_tn')).toBe('gemm');
    expect(classifyKernel('sm90_xmma_gemm_bf16bf16_bf16f32_f32_tn_n_tilesize128x128x64')).toBe('gemm');
    expect(classifyKernel('flash_fwd_kernel')).toBe('attention');
    expect(classifyKernel('fmha_cutlassF_bf16_aligned_64x64_rf_sm80')).toBe('attention');
    expect(classifyKernel('sm80_xmma_fprop_implicit_gemm_bf16bf16_bf16f32_f32_nhwckrsc_nhwc')).toBe('conv');
    expect(classifyKernel('ncclDevKernel_AllReduce_Sum_bf16_RING_LL')).toBe('communication');
    expect(classifyKernel('ncclDevKernel_ReduceScatter_Sum_f32_RING_LL')).toBe('communication');
    expect(classifyKernel('vectorized_layer_norm_kernel')).toBe('reduction');
    expect(classifyKernel('triton_red_fused_sum_0')).toBe('reduction');
    expect(classifyKernel('vectorized_elementwise_kernel')).toBe('elementwise');
    expect(classifyKernel('triton_poi_fused_add_mul_0')).toBe('elementwise');
    expect(classifyKernel('CatArrayBatchedCopy')).toBe('memcpy');
    expect(classifyKernel('my_custom_op')).toBe('other');
    // launch dims decide for an opaque name
    expect(classifyKernel('my_custom_op', { gridY: 1, gridZ: 1, block: 256, sharedMemoryBytes: 0, registers: 16 })).toBe('elementwise');
    expect(classifyKernel('my_custom_op', { gridY: 8, gridZ: 1, block: 256, sharedMemoryBytes: 49152, registers: 128 })).toBe('other');
  });

  it('reads the precision from names', () => {
    expect(precisionOf('ampere_bf16_s16816gemm_bf16')).toBe('bf16');
    expect(precisionOf('volta_h884gemm_64x64')).toBe('fp16');
    expect(precisionOf('sm90_xmma_gemm_e4m3e4m3')).toBe('fp8');
    expect(precisionOf('ampere_sgemm_128x64_tn')).toBe('fp32');
    expect(precisionOf('gemm')).toBeUndefined();
  });

  it('matches GPU names to the peak table', () => {
    expect(gpuPeak('NVIDIA H100 80GB HBM3')!.model).toBe('H100 SXM');
    expect(gpuPeak('NVIDIA H100 PCIe')!.model).toBe('H100 PCIe');
    expect(gpuPeak('NVIDIA H200')!.model).toBe('H200 SXM');
    expect(gpuPeak('NVIDIA A100-SXM4-80GB')!.model).toBe('A100 80GB');
    expect(gpuPeak('NVIDIA A100-PCIE-40GB')!.model).toBe('A100 40GB');
    expect(gpuPeak('Tesla V100-SXM2-16GB')!.model).toBe('V100');
    expect(gpuPeak('NVIDIA A10')!.model).toBe('A10');
    expect(gpuPeak('NVIDIA A10G')).toBeUndefined();
    expect(gpuPeak('NVIDIA L4')!.model).toBe('L4');
    expect(gpuPeak('NVIDIA GeForce RTX 4090')!.model).toBe('RTX 4090');
    expect(gpuPeak('NVIDIA GeForce RTX 3090')!.model).toBe('RTX 3090');
    expect(gpuPeak('AMD Instinct MI300X')!.model).toBe('MI300X');
    expect(gpuPeak('AMD Instinct MI250X')!.model).toBe('MI250X');
    expect(gpuPeak('NVIDIA T4')).toBeUndefined();
  });
});

/** 4 steps of 10 ms on one GPU: 6 ms of bf16 GEMM, 2 ms flash attention, 1 ms elementwise. */
function training(gpuName = 'NVIDIA H100 80GB HBM3') {
  const b = new ModelBuilder();
  for (let j = 0; j < 4; j++) {
    const t = j * 10_000 * U;
    b.range(`step ${j}`, t, t + 10_000 * U, { tid: 1 });
    b.kernel('ampere_bf16_s16816gemm_bf16_128x128', t, t + 6000 * U);
    b.kernel('flash_fwd_kernel', t + 6000 * U, t + 8000 * U);
    b.kernel('vectorized_elementwise_kernel', t + 8000 * U, t + 9000 * U);
  }
  const m = b.build();
  m.meta.gpus = [{ deviceId: 0, name: gpuName }];
  return m;
}

describe('mfu', () => {
  it('gives time share per class and MFU per step from 6·N·T', () => {
    // 6 · 1e9 · 100 = 6e11 FLOP per 10 ms step = 60 TFLOP/s achieved; H100 SXM bf16 peak 989.5
    const r = mfu(training(), { modelParams: 1e9, tokensPerStep: 100 });
    expect(r.classes.map((c) => [c.kernelClass, c.sharePct])).toEqual([['gemm', 66.67], ['attention', 22.22], ['elementwise', 11.11]]);
    expect(r.gpu).toMatchObject({ model: 'H100 SXM', count: 1 });
    expect(r.peak).toMatchObject({ precision: 'bf16', tflops: 989.5, hbmGBs: 3350 });
    expect(r.achievedTflopsMedian).toBe(60);
    expect(r.mfuMedianPct).toBeCloseTo((100 * 60) / 989.5, 2);
    expect(r.mfuPerStep).toHaveLength(4);
    expect(r.tokensPerSecondMedian).toBe(1e4);
    expect(r.mfuNote).toBeNull();
  });

  it('says plainly why MFU cannot be derived', () => {
    expect(mfu(training()).mfuNote).toMatch(/^MFU cannot be derived: kernel rows carry no GEMM shapes; give --model-params/);
    expect(mfu(training('NVIDIA T4'), { modelParams: 1, tokensPerStep: 1 }).mfuNote).toMatch(/GPU "NVIDIA T4" is not in the peak table/);
    expect(mfu(training('Tesla V100-SXM2-16GB'), { modelParams: 1, tokensPerStep: 1 }).mfuNote).toMatch(/V100 has no bf16 tensor path/);
    expect(mfu(new ModelBuilder().api('cudaMalloc', 0, 1).build()).mfuNote).toMatch(/no GPU activity/);
    expect(mfu(training(), { modelParams: 1e9, tokensPerStep: 100 }).mfuPerStep[0]).toBeGreaterThan(0);
  });

  it('validates its CLI arguments', () => {
    expect(() => mfuQuery.run(training(), { modelParams: '1e9' })).toThrow(UserError);
    expect(() => mfuQuery.run(training(), { precision: 'int4' })).toThrow(/--precision must be one of/);
    expect(() => mfuQuery.run(training(), { modelParams: '-3', tokensPerStep: '1' })).toThrow(/--model-params must be a positive number/);
    expect(mfuQuery.run(training(), { modelParams: '1e9', tokensPerStep: '100', precision: 'fp8' }).peak!.tflops).toBe(1979);
  });
});
