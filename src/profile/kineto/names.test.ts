import { describe, expect, it } from 'vitest';
import { CopyKind, MemKind, SyncKind } from '../../core/profile.js';
import {
  cudaSyncKind, isLegacyOperatorName, isNcclKernelName, parseCallStack, parseMemcpyName,
  runtimeSyncKind, shortKernelName,
} from './names.js';

describe('shortKernelName', () => {
  it.each([
    ['void at::native::vectorized_elementwise_kernel<4, at::native::FillFunctor<c10::Half>, at::detail::Array<char*, 1> >(int, at::native::FillFunctor<c10::Half>, at::detail::Array<char*, 1>)', 'vectorized_elementwise_kernel'],
    ['void at::native::(anonymous namespace)::indexSelectLargeIndex<c10::BFloat16, long, unsigned int, 2, 2, -2, true>(at::cuda::detail::TensorInfo<c10::BFloat16, unsigned int>, long)', 'indexSelectLargeIndex'],
    ['ncclKernel_AllReduce_RING_LL_Sum_float(ncclWorkElem)', 'ncclKernel_AllReduce_RING_LL_Sum_float'],
    ['ncclDevKernel_AllGather_RING_LL(ncclDevComm*, unsigned long, ncclWork*)', 'ncclDevKernel_AllGather_RING_LL'],
    ['volta_scudnn_128x64_relu_medium_nn_v1', 'volta_scudnn_128x64_relu_medium_nn_v1'],
    ['cask_cudnn::computeOffsetsKernel(cask_cudnn::ComputeOffsetsParams)', 'computeOffsetsKernel'],
    ['triton_poi_fused_0', 'triton_poi_fused_0'],
    ['void cudnn::bn_bw_1C11_kernel_new<float, float, float2, 32, true, 1>(float, float)', 'bn_bw_1C11_kernel_new'],
  ])('%s', (full, short) => {
    expect(shortKernelName(full)).toBe(short);
  });
});

describe('NCCL kernels', () => {
  it('tells NCCL/RCCL kernels from compute kernels', () => {
    expect(isNcclKernelName('ncclKernel_SendRecv_RING_SIMPLE_Sum_int8_t(ncclWorkElem)')).toBe(true);
    expect(isNcclKernelName('void ncclDevKernel_AllReduce_Sum_f32_RING_LL(ncclDevComm*)')).toBe(true);
    expect(isNcclKernelName('void at::native::reduce_kernel<512, 1>(int)')).toBe(false);
  });
});

describe('parseCallStack', () => {
  it('parses a legacy Call stack, innermost first; a part that is not a frame keeps its text', () => {
    expect(parseCallStack('a/profiler.py(611): __init__;resnet.py(54): <module>; ;nn.Module: Linear_0')).toEqual([
      { symbol: '__init__', file: 'a/profiler.py', line: 611 },
      { symbol: '<module>', file: 'resnet.py', line: 54 },
      { symbol: 'nn.Module: Linear_0' },
    ]);
  });
});

describe('parseMemcpyName', () => {
  it.each([
    ['Memcpy HtoD (Pageable -> Device)', undefined, CopyKind.HtoD, MemKind.Pageable, MemKind.Device],
    ['Memcpy DtoH (Device -> Pinned)', undefined, CopyKind.DtoH, MemKind.Device, MemKind.Pinned],
    ['Memcpy DtoD (Device -> Device)', undefined, CopyKind.DtoD, MemKind.Device, MemKind.Device],
    ['Memcpy DtoH (Device -> Host)', 'DtoH', CopyKind.DtoH, MemKind.Device, MemKind.Unknown],
    ['Memcpy PtoP (Device -> Device)', undefined, CopyKind.PtoP, MemKind.Device, MemKind.Device],
    ['copy', 'HtoD', CopyKind.HtoD, MemKind.Unknown, MemKind.Unknown],
    ['copy', undefined, CopyKind.Unknown, MemKind.Unknown, MemKind.Unknown],
  ])('%s', (name, kind, copy, src, dst) => {
    expect(parseMemcpyName(name, kind)).toEqual({ copyKind: copy, srcKind: src, dstKind: dst });
  });
});

describe('sync kinds', () => {
  it('maps runtime calls that wait, and only those', () => {
    expect(runtimeSyncKind('cudaStreamSynchronize')).toBe(SyncKind.Stream);
    expect(runtimeSyncKind('cudaDeviceSynchronize')).toBe(SyncKind.Device);
    expect(runtimeSyncKind('hipDeviceSynchronize')).toBe(SyncKind.Device);
    expect(runtimeSyncKind('cudaEventSynchronize')).toBe(SyncKind.Event);
    expect(runtimeSyncKind('cudaStreamWaitEvent')).toBe(SyncKind.StreamWaitEvent);
    expect(runtimeSyncKind('cudaLaunchKernel')).toBeUndefined();
    expect(runtimeSyncKind('cudaEventQuery')).toBeUndefined();
  });
  it('maps cuda_sync kinds', () => {
    expect(cudaSyncKind('Stream Sync')).toBe(SyncKind.Stream);
    expect(cudaSyncKind('Event Sync')).toBe(SyncKind.Event);
    expect(cudaSyncKind('Context Sync')).toBe(SyncKind.Context);
    expect(cudaSyncKind('Stream Wait Event')).toBe(SyncKind.StreamWaitEvent);
    expect(cudaSyncKind('Something new')).toBe(SyncKind.Unknown);
  });
});

describe('legacy operator names', () => {
  const aten = new Set(['detach', 'addmm']);
  it('knows operators from record_function ranges', () => {
    expect(isLegacyOperatorName('aten::addmm', aten)).toBe(true);
    expect(isLegacyOperatorName('autograd::engine::evaluate_function: AddmmBackward0', aten)).toBe(true);
    expect(isLegacyOperatorName('AddmmBackward0', aten)).toBe(true);
    expect(isLegacyOperatorName('detach', aten)).toBe(true);
    expect(isLegacyOperatorName('ProfilerStep#3', aten)).toBe(false);
    expect(isLegacyOperatorName('Optimizer.step#SGD.step', aten)).toBe(false);
    expect(isLegacyOperatorName('train_step', aten)).toBe(false);
  });
});
