import { describe, expect, it } from 'vitest';
import { attributeCosts, classifyApi, siteKey } from './attribution.js';
import { ModelBuilder } from './testmodel.js';

const FILES = ['train.py', 'model.py'];

describe('classifyApi', () => {
  it.each([
    ['cudaStreamSynchronize_v3020', 'sync'], ['cudaDeviceSynchronize', 'sync'], ['cudaMemcpy_v3020', 'sync'],
    ['cudaMemcpyAsync_v3020', 'memcpy'], ['cudaLaunchKernel_v7000', 'launch'], ['cudaMalloc', 'alloc'], ['cudaGetDevice', 'runtime'],
  ])('%s → %s', (n, k) => expect(classifyApi(n)).toBe(k));
});

describe('attributeCosts', () => {
  it('walks nsys callchains to the innermost repo frame', () => {
    const m = new ModelBuilder()
      .api('cudaStreamSynchronize_v3020', 0, 5000, { chain: [
        { symbol: 'cudaStreamSynchronize', module: 'libcudart.so' },
        { symbol: 'item', file: '/usr/lib/python3/dist-packages/torch/_tensor.py', line: 10 },
        { symbol: 'train_step', file: '/w/train.py', line: 57 },
        { symbol: '<module>', file: '/w/train.py', line: 90 },
      ] })
      .api('cudaLaunchKernel_v7000', 6000, 6010)
      .build('nsys-sqlite');
    const a = attributeCosts(m, FILES);
    const s = a.sites.get(siteKey('train.py', 57))!;
    expect(s.func).toBe('train_step');
    expect(s.ns.sync).toBe(5000);
    expect(s.via).toBe('callchain');
    expect(a.sites.size).toBe(1);
  });

  it('walks enclosing Python frames in a Kineto trace', () => {
    const m = new ModelBuilder()
      .py('/w/train.py', 90, '<module>', 0, 10_000)
      .py('/w/model.py', 42, 'forward', 1000, 4000)
      .py('/usr/lib/python3/dist-packages/torch/functional.py', 7, 'f', 1500, 3000)
      .op('aten::arange', 1600, 2600)
      .api('cudaLaunchKernel', 1700, 1800)
      .py('/w/train.py', 91, '<module>', 5000, 9000)
      .op('aten::mm', 5100, 8000)
      .build();
    const a = attributeCosts(m, FILES);
    const fwd = a.sites.get(siteKey('model.py', 42))!;
    expect(fwd.ns.op).toBe(1000);
    expect(fwd.ns.launch).toBe(100);
    expect(fwd.ns.python).toBe(3000);
    expect(fwd.names.get('aten::arange')).toBe(1000);
    expect(a.sites.get(siteKey('train.py', 91))!.ns.op).toBe(2900);
    expect(a.via.has('python-stack')).toBe(true);
  });
});
