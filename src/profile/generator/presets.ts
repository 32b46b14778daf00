// Named scenarios for tests and demos: one healthy training step and one per bottleneck the analyzer detects.
// Each places its problem at a known Python line (the `at` frames), so localization can be checked.
import { UserError } from '../../core/errors.js';
import type { KernelEvent, Scenario, StepEvent } from './scenario.js';

const GEMM = 'void cutlass::Kernel2<cutlass_80_wmma_tensorop_bf16_s161616gemm_bf16_32x32_128x2_tn_align8>(cutlass_80_wmma_tensorop_bf16_s161616gemm_bf16_32x32_128x2_tn_align8::Params)';
const FLASH = 'void pytorch_flash::flash_fwd_kernel<Flash_fwd_kernel_traits<128, 128, 64, 4, false, false, cutlass::bfloat16_t>, false, true, false, false, true, true, false, false>(pytorch_flash::Flash_fwd_params)';
const LAYERNORM = 'void at::native::(anonymous namespace)::vectorized_layer_norm_kernel<c10::BFloat16, float, false>(int, float, c10::BFloat16 const*, c10::BFloat16 const*, c10::BFloat16 const*, float*, float*, c10::BFloat16*)';
const GELU = 'void at::native::vectorized_elementwise_kernel<4, at::native::GeluCUDAKernelImpl(at::TensorIteratorBase&, at::native::GeluType)::{lambda()#2}::operator()() const::{lambda()#2}::operator()() const::{lambda(c10::BFloat16)#1}, at::detail::Array<char*, 2> >(int, at::native::GeluCUDAKernelImpl(at::TensorIteratorBase&, at::native::GeluType)::{lambda()#2}::operator()() const::{lambda()#2}::operator()() const::{lambda(c10::BFloat16)#1}, at::detail::Array<char*, 2>)';
const ADAM = 'void at::native::(anonymous namespace)::multi_tensor_apply_kernel<at::native::(anonymous namespace)::TensorListMetadata<4>, at::native::(anonymous namespace)::FusedAdamMathFunctor<float, 4, at::native::ADAM_MODE::ADAMW, false>, double*, double, double, double, double, double, bool, float*, float*>(at::native::(anonymous namespace)::TensorListMetadata<4>, at::native::(anonymous namespace)::FusedAdamMathFunctor<float, 4, at::native::ADAM_MODE::ADAMW, false>, double*, double, double, double, double, double, bool, float*, float*)';
const ADD = 'void at::native::vectorized_elementwise_kernel<4, at::native::CUDAFunctor_add<float>, at::detail::Array<char*, 3> >(int, at::native::CUDAFunctor_add<float>, at::detail::Array<char*, 3>)';
const MiB = 1 << 20;

function k(name: string, durationUs: number, at: string, extra: Partial<KernelEvent> = {}): KernelEvent {
  return { type: 'kernel', name, durationUs, at, ...extra };
}

/** A transformer layer's forward and backward kernels, launched from model.py. */
export function layers(n: number, scale = 1): StepEvent[] {
  const fwd: StepEvent[] = [
    k(LAYERNORM, 18 * scale, 'model.py:48 forward', { grid: [1024, 1, 1], block: [128, 1, 1], registers: 40 }),
    k(GEMM, 160 * scale, 'model.py:52 forward', { grid: [96, 8, 1], block: [128, 1, 1], registers: 168, sharedMemory: 49152 }),
    k(FLASH, 230 * scale, 'model.py:55 forward', { grid: [16, 32, 8], block: [128, 1, 1], registers: 255, sharedMemory: 98304 }),
    k(GEMM, 120 * scale, 'model.py:58 forward', { grid: [96, 8, 1], block: [128, 1, 1], registers: 168, sharedMemory: 49152 }),
    k(GELU, 14 * scale, 'model.py:61 forward', { grid: [2048, 1, 1], block: [128, 1, 1], registers: 28 }),
  ];
  return [
    { type: 'nvtx', text: 'forward', events: Array.from({ length: n }, () => fwd).flat() },
    {
      type: 'nvtx', text: 'backward', events: [
        k(GEMM, 2 * 160 * scale, 'train.py:79 train_step', { count: n, grid: [96, 16, 1], registers: 168 }),
        k(FLASH.replace('flash_fwd', 'flash_bwd'), 2 * 230 * scale, 'train.py:79 train_step', { count: n, registers: 255 }),
        k(GELU, 20 * scale, 'train.py:79 train_step', { count: n }),
      ],
    },
  ];
}

export const BATCH_IN: StepEvent = { type: 'memcpy', kind: 'H2D', bytes: 4 * MiB, memory: 'pinned', async: true, at: 'train.py:71 train_step' };
export const OPTIM: StepEvent = { type: 'nvtx', text: 'optimizer', events: [k(ADAM, 300, 'train.py:83 train_step', { grid: [1296, 1, 1], block: [512, 1, 1] })] };

export const PRESETS: Record<string, (iterations: number) => Scenario> = {
  healthy: (iterations) => ({
    name: 'healthy', iterations: { count: iterations },
    step: [BATCH_IN, ...layers(12), OPTIM],
  }),
  'sync-bound': (iterations) => ({
    name: 'sync-bound', iterations: { count: iterations },
    step: [
      BATCH_IN, ...layers(12),
      // loss.item(): a 4-byte D2H copy and a stream synchronize in the loop
      { type: 'memcpy', kind: 'D2H', bytes: 4, memory: 'pinned', async: true, at: 'train.py:88 train_step' },
      { type: 'sync', api: 'stream', at: 'train.py:88 train_step' },
      { type: 'cpu', durationUs: 1500, label: 'log' },
      OPTIM,
      { type: 'sync', api: 'device', at: 'train.py:91 train_step' },
    ],
  }),
  'launch-bound': (iterations) => ({
    name: 'launch-bound', iterations: { count: iterations },
    step: [
      BATCH_IN,
      // a Python loop of tiny elementwise ops: launch cost and Python gaps dominate the kernels
      k(ADD, 2.5, 'model.py:41 forward', { count: 600, gapUs: 14, grid: [4, 1, 1], block: [128, 1, 1], registers: 16 }),
      OPTIM,
      { type: 'sync', api: 'stream', at: 'train.py:88 train_step' },
    ],
  }),
  'dataloader-bound': (iterations) => ({
    name: 'dataloader-bound', iterations: { count: iterations },
    processes: [{ name: 'python', threads: ['pt_main_thread'] }],
    step: [
      {
        type: 'cpu', durationUs: 30000, label: 'DataLoader', at: 'train.py:64 train_step',
        osrt: [
          { name: 'open64', durationUs: 40, at: 'data.py:27 get_batch' },
          { name: 'read', durationUs: 2500, count: 6, at: 'data.py:31 get_batch' },
          { name: 'poll', durationUs: 3000, count: 2, at: 'data.py:35 get_batch' },
        ],
      },
      { type: 'memcpy', kind: 'H2D', bytes: 16 * MiB, memory: 'pageable', async: false, at: 'train.py:66 train_step' },
      ...layers(4), OPTIM,
      { type: 'sync', api: 'stream', at: 'train.py:88 train_step' },
    ],
  }),
  'memcpy-bound': (iterations) => ({
    name: 'memcpy-bound', iterations: { count: iterations },
    step: [
      // tensors re-created on the host and copied every step from pageable memory
      { type: 'memcpy', kind: 'H2D', bytes: 64 * MiB, memory: 'pageable', async: false, count: 4, at: 'train.py:70 train_step' },
      ...layers(2),
      { type: 'memcpy', kind: 'D2H', bytes: 32 * MiB, memory: 'pageable', async: false, at: 'train.py:86 train_step' },
      { type: 'memset', bytes: 8 * MiB, at: 'train.py:73 train_step' },
      OPTIM,
    ],
  }),
  'nccl-exposed': (iterations) => ({
    name: 'nccl-exposed', iterations: { count: iterations },
    devices: [{}, {}],
    processes: [{ name: 'python', rank: 0 }, { name: 'python', rank: 1, cpuScale: 1.2 }],
    step: [
      BATCH_IN, ...layers(6),
      // gradients all-reduced after backward, on the critical path (no overlap with compute)
      { type: 'nccl', op: 'AllReduce', bytes: 256 * MiB, durationUs: 4000, at: 'train.py:80 train_step', blocking: true },
      OPTIM,
      { type: 'sync', api: 'stream', at: 'train.py:88 train_step' },
    ],
  }),
  /** The benchmark's workload: kernel- and OS-call-heavy like a real 1 GB export; ~190 rows per iteration. */
  bench: (iterations) => ({
    name: 'bench', iterations: { count: iterations }, backtraceThresholdUs: 80, osrtBacktraces: false,
    step: [
      {
        type: 'cpu', durationUs: 400, osrt: [
          { name: 'pthread_cond_wait', durationUs: 2, count: 40 },
          { name: 'poll', durationUs: 2, count: 30 },
          { name: 'read', durationUs: 1, count: 30 },
        ],
      },
      BATCH_IN,
      { type: 'nvtx', text: 'forward', events: [k(GEMM, 30, 'model.py:52 forward', { count: 20 }), k(ADD, 3, 'model.py:41 forward', { count: 25 })] },
      { type: 'memset', bytes: 1 * MiB },
      { type: 'memcpy', kind: 'D2H', bytes: 4, memory: 'pinned', at: 'train.py:88 train_step' },
      { type: 'sync', api: 'stream', at: 'train.py:88 train_step' },
    ],
  }),
};

export const PRESET_NAMES = Object.keys(PRESETS);

export function presetScenario(name: string, iterations = 20): Scenario {
  const f = PRESETS[name];
  if (!f) throw new UserError(`unknown preset "${name}" (known: ${PRESET_NAMES.join(', ')})`);
  return f(iterations);
}
