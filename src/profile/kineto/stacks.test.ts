import { describe, expect, it } from 'vitest';
import { traceToModel } from './reader.js';

const X = (cat: string, name: string, ts: number, dur: number, tid = 1, args: Record<string, unknown> = {}) =>
  ({ ph: 'X', cat, name, pid: 1, tid, ts, dur, args });

describe('callchains from python_function nesting', () => {
  const m = traceToModel({
    traceEvents: [
      X('python_function', 'train.py(10): main', 0, 100),
      X('python_function', 'train.py(20): load', 5, 20),
      X('python_function', 'model.py(7): forward', 30, 40),
      X('python_function', '<built-in method relu of type object at 0x1>', 35, 5),
      X('cuda_runtime', 'cudaMemcpyAsync', 10, 2, 1, { correlation: 1 }),
      X('cuda_runtime', 'cudaLaunchKernel', 36, 2, 1, { correlation: 2 }),
      X('cuda_runtime', 'cudaLaunchKernel', 50, 2, 1, { correlation: 3 }),
      X('cuda_runtime', 'cudaLaunchKernel', 60, 2, 2, { correlation: 4 }), // other thread: no frames
      X('cuda_runtime', 'cudaStreamSynchronize', 150, 2, 1, { correlation: 5 }), // after main returned
      X('cpu_op', 'aten::relu', 35.5, 3),
    ],
  }, 'stacks.json');
  const chain = (i: number) => m.callchains.get(m.runtime.callchainId[i]!)?.map((f) => (f.file ? `${f.file}:${f.line} ${f.symbol}` : f.symbol));

  it('gives each call the frames that enclose it on its thread, innermost first', () => {
    expect(chain(0)).toEqual(['train.py:20 load', 'train.py:10 main']);
    expect(chain(1)).toEqual(['<built-in method relu of type object at 0x1>', 'model.py:7 forward', 'train.py:10 main']);
    expect(chain(2)).toEqual(['model.py:7 forward', 'train.py:10 main']);
    expect(m.runtime.callchainId[3]).toBe(-1);
    expect(m.runtime.callchainId[4]).toBe(-1);
  });

  it('operators get the same stacks, and equal stacks share one id', () => {
    const op = Array.from(m.cpu.kind).indexOf(0);
    expect(m.cpu.callchainId![op]).toBe(m.runtime.callchainId[1]);
    expect(m.meta.notes.join('\n')).toContain('3 of 5 runtime calls have a callchain');
  });
});
