// Backtraces as nsys records them: CUDA_CALLCHAINS / OSRT_CALLCHAINS rows (id, stackDepth) with depth 0 the
// innermost frame: the profiler's own unresolved frames, the driver, libcudart's API entry, PyTorch's C++
// dispatcher, then the Python frames of `--python-backtrace=cuda`. A Python frame is written as
//   symbol = "train_step (train.py:57)", module = "train.py"
// (function, then file:line in parentheses; the module is the source file), so a reader can localize a call by
// the innermost frame whose module ends in ".py".
import type { NsysDb } from './nsys-db.js';
import type { Frame } from './scenario.js';

const CUPTI = '/opt/nvidia/nsight-systems/2026.1.1/target-linux-x64/libcupti.so.13.0';
const CUDA = '/usr/lib/x86_64-linux-gnu/libcuda.so.580.65.06';
const CUDART = '/usr/local/lib/python3.10/dist-packages/nvidia/cuda_runtime/lib/libcudart.so.12';
const TORCH_CUDA = '/usr/local/lib/python3.10/dist-packages/torch/lib/libtorch_cuda.so';
const LIBC = '/usr/lib/x86_64-linux-gnu/libc.so.6';
const PYTHON = '/usr/bin/python3.10';

/** The PyTorch C++ frame above a CUDA API call, by API. */
function torchFrame(api: string): string {
  if (api.startsWith('cudaLaunchKernel')) return 'at::native::gpu_kernel_impl<at::native::BinaryFunctor>(at::TensorIteratorBase&)';
  if (api.startsWith('cuLaunchKernelEx')) return 'c10d::ProcessGroupNCCL::collective(at::Tensor&, at::Tensor&)';
  if (api.startsWith('cudaMemcpy')) return 'at::native::copy_kernel_cuda(at::TensorIterator&, bool)';
  if (api.startsWith('cudaMemset')) return 'at::native::fill_kernel_cuda(at::TensorIterator&, c10::Scalar const&)';
  if (api.startsWith('cudaStreamSynchronize')) return 'c10::cuda::stream_synchronize(CUstream_st*)';
  if (api.startsWith('cudaDeviceSynchronize')) return 'c10::cuda::device_synchronize()';
  if (api.startsWith('cudaEvent')) return 'at::cuda::CUDAEvent::synchronize() const';
  return 'at::cuda::getCurrentCUDAStream(signed char)';
}

function ip(seed: number, base: number): number {
  return base + ((seed * 2654435761) % 0x7fffff);
}

export class Callchains {
  private cudaNext = 1;
  private osrtNext = 1;

  constructor(private readonly db: NsysDb) {}

  /** Writes the CUDA backtrace of one runtime call; returns its callchainId. */
  cuda(api: string, python: Frame[]): number {
    const id = this.cudaNext++;
    const base = api.replace(/_v\d+$/, '');
    let depth = 0;
    const add = (symbol: string, module: string, unresolved: number | null, addr: number | null) => {
      this.db.insert('CUDA_CALLCHAINS', {
        id, symbol: this.db.str(symbol), module: this.db.str(module), unresolved, originalIP: addr, stackDepth: depth++,
      });
    };
    const a1 = ip(id, 0x7f3a10700000);
    const a2 = ip(id + 7, 0x7f3a1b600000);
    add(`0x${a1.toString(16)}`, CUPTI, 1, a1);
    add(`0x${a2.toString(16)}`, CUDA, 1, a2);
    add(base, CUDART, null, ip(base.length, 0x7f3a1c100000));
    add(torchFrame(api), TORCH_CUDA, null, ip(base.length + 3, 0x7f3a2d000000));
    add('_PyEval_EvalFrameDefault', PYTHON, null, 0x5581a3c0f000);
    for (const f of python) add(`${f.function} (${f.file}:${f.line})`, f.file, null, null);
    return id;
  }

  /** Writes the backtrace of one OS runtime call; returns its callchainId. */
  osrt(name: string, python: Frame[]): number {
    const id = this.osrtNext++;
    let depth = 0;
    const add = (symbol: string, module: string, addr: number | null) => {
      this.db.insert('OSRT_CALLCHAINS', {
        id, symbol: this.db.str(symbol), module: this.db.str(module), kernelMode: 0, thumbCode: 0, unresolved: 0,
        specialEntry: null, originalIP: addr, unwindMethod: null, stackDepth: depth++,
      });
    };
    add(name, LIBC, ip(name.length, 0x7f3a0e000000));
    add('_PyEval_EvalFrameDefault', PYTHON, 0x5581a3c0f000);
    for (const f of python) add(`${f.function} (${f.file}:${f.line})`, f.file, null);
    return id;
  }
}
