// Peak dense throughput per GPU model (TFLOP/s, no structured sparsity) and HBM bandwidth (GB/s), from the
// vendors' datasheets. Matched against the GPU name the profile records (nsys TARGET_INFO_GPU, Kineto
// deviceProperties). A value of 0 means the GPU has no tensor-core path for that type.
export type Precision = 'fp32' | 'tf32' | 'bf16' | 'fp16' | 'fp8';

export interface GpuPeak {
  model: string;
  match: RegExp;
  tflops: Record<Precision, number>;
  hbmGBs: number;
  source: string;
}

export const GPU_PEAKS: GpuPeak[] = [
  // NVIDIA H200 Tensor Core GPU datasheet (SXM): same compute as H100 SXM, 4.8 TB/s HBM3e
  { model: 'H200 SXM', match: /H200/i, tflops: { fp32: 67, tf32: 494.5, bf16: 989.5, fp16: 989.5, fp8: 1979 }, hbmGBs: 4800,
    source: 'NVIDIA H200 Tensor Core GPU datasheet (2024)' },
  // NVIDIA H100 Tensor Core GPU datasheet: PCIe column (sparse figures halved for dense)
  { model: 'H100 PCIe', match: /H100.*PCIe/i, tflops: { fp32: 51, tf32: 378, bf16: 756, fp16: 756, fp8: 1513 }, hbmGBs: 2000,
    source: 'NVIDIA H100 Tensor Core GPU datasheet (H100 PCIe)' },
  // NVIDIA H100 Tensor Core GPU datasheet: SXM column (sparse figures halved for dense)
  { model: 'H100 SXM', match: /H100/i, tflops: { fp32: 67, tf32: 494.5, bf16: 989.5, fp16: 989.5, fp8: 1979 }, hbmGBs: 3350,
    source: 'NVIDIA H100 Tensor Core GPU datasheet (H100 SXM)' },
  // NVIDIA A100 Tensor Core GPU datasheet: 80GB SXM (2039 GB/s); 80GB PCIe has 1935 GB/s
  { model: 'A100 80GB', match: /A100.*80\s*G/i, tflops: { fp32: 19.5, tf32: 156, bf16: 312, fp16: 312, fp8: 0 }, hbmGBs: 2039,
    source: 'NVIDIA A100 Tensor Core GPU datasheet (A100 80GB SXM)' },
  // NVIDIA A100 Tensor Core GPU datasheet: 40GB (1555 GB/s)
  { model: 'A100 40GB', match: /A100/i, tflops: { fp32: 19.5, tf32: 156, bf16: 312, fp16: 312, fp8: 0 }, hbmGBs: 1555,
    source: 'NVIDIA A100 Tensor Core GPU datasheet (A100 40GB)' },
  // NVIDIA V100 Tensor Core GPU datasheet (SXM2): 15.7 FP32, 125 tensor (FP16), 900 GB/s; no BF16/TF32
  { model: 'V100', match: /V100/i, tflops: { fp32: 15.7, tf32: 0, bf16: 0, fp16: 125, fp8: 0 }, hbmGBs: 900,
    source: 'NVIDIA Tesla V100 GPU datasheet (SXM2)' },
  // NVIDIA L4 Tensor Core GPU datasheet (sparse figures halved for dense)
  { model: 'L4', match: /\bL4\b/i, tflops: { fp32: 30.3, tf32: 60, bf16: 121, fp16: 121, fp8: 242.5 }, hbmGBs: 300,
    source: 'NVIDIA L4 Tensor Core GPU datasheet' },
  // NVIDIA A10 Tensor Core GPU datasheet (sparse figures halved for dense)
  { model: 'A10', match: /\bA10\b(?!0|G)/i, tflops: { fp32: 31.2, tf32: 62.5, bf16: 125, fp16: 125, fp8: 0 }, hbmGBs: 600,
    source: 'NVIDIA A10 Tensor Core GPU datasheet' },
  // NVIDIA Ampere GA102 GPU Architecture whitepaper, RTX 3090 column: FP16/BF16 tensor with FP32 accumulate
  { model: 'RTX 3090', match: /RTX\s*3090/i, tflops: { fp32: 35.6, tf32: 35.6, bf16: 71, fp16: 71, fp8: 0 }, hbmGBs: 936,
    source: 'NVIDIA Ampere GA102 GPU Architecture whitepaper (GeForce RTX 3090)' },
  // NVIDIA Ada GPU Architecture whitepaper, RTX 4090 column: FP16/BF16 tensor with FP32 accumulate, FP8 dense
  { model: 'RTX 4090', match: /RTX\s*4090/i, tflops: { fp32: 82.6, tf32: 82.6, bf16: 165.2, fp16: 165.2, fp8: 660.6 }, hbmGBs: 1008,
    source: 'NVIDIA Ada GPU Architecture whitepaper (GeForce RTX 4090)' },
  // AMD Instinct MI300X data sheet: dense matrix TF32/FP16/BF16/FP8, 5.3 TB/s
  { model: 'MI300X', match: /MI300X/i, tflops: { fp32: 163.4, tf32: 653.7, bf16: 1307.4, fp16: 1307.4, fp8: 2614.9 }, hbmGBs: 5300,
    source: 'AMD Instinct MI300X Accelerator data sheet' },
  // AMD Instinct MI250X data sheet: FP32 matrix 95.7, FP16/BF16 383, 3.2 TB/s; no TF32/FP8
  { model: 'MI250X', match: /MI250X/i, tflops: { fp32: 95.7, tf32: 0, bf16: 383, fp16: 383, fp8: 0 }, hbmGBs: 3277,
    source: 'AMD Instinct MI250X Accelerator data sheet' },
];

/** The peak entry for a GPU name, or undefined when the model is not in the table. */
export function gpuPeak(name: string): GpuPeak | undefined {
  return GPU_PEAKS.find((p) => p.match.test(name));
}
