import { describe, expect, it } from 'vitest';
import { attributeCosts, classifyApi, siteKey } from './attribution.js';
import { ModelBuilder } from '../profile/queries/model-builder.js';

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
      .build();
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
      .build('test.json', 'kineto-json');
    const a = attributeCosts(m, FILES);
    const fwd = a.sites.get(siteKey('model.py', 42))!;
    expect(fwd.ns.op).toBe(1000);
    expect(fwd.ns.launch).toBe(100);
    expect(fwd.ns.python).toBe(3000);
    // the launch inside aten::arange is named by its operator: the line's aten::arange holds 1000 + 100 ns
    expect(fwd.names.get('aten::arange')).toBe(1100);
    expect(a.sites.get(siteKey('train.py', 91))!.ns.op).toBe(2900);
    expect(a.via.has('python-stack')).toBe(true);
  });
});

describe('blocking copies', () => {
  const chain = [{ symbol: 'train (/w/train.py:44)', file: '/w/train.py', line: 44 }];
  it('counts the time a blocking copy call waits for earlier GPU work as a sync, the rest as the copy', () => {
    // cudaMemcpyAsync from 0 to 10 ms; its D2H copy only starts at 9.99 ms (the stream was busy): 9.99 ms of waiting
    const m = new ModelBuilder().api('cudaMemcpyAsync_v3020', 0, 10_000_000, { chain, correlationId: 5 }).copy(9_990_000, 9_995_000, { correlationId: 5, copyKind: 2, bytes: 4 }).build();
    const s = attributeCosts(m, FILES).sites.get(siteKey('train.py', 44))!;
    expect(s.ns.sync).toBe(9_990_000);
    expect(s.ns.memcpy).toBe(10_000);
  });
  it('leaves an asynchronous copy (returns before its copy ends) a copy', () => {
    const m = new ModelBuilder().api('cudaMemcpyAsync_v3020', 0, 5_000, { chain, correlationId: 6 }).copy(900_000, 950_000, { correlationId: 6, copyKind: 1, bytes: 4 }).build();
    const s = attributeCosts(m, FILES).sites.get(siteKey('train.py', 44))!;
    expect(s.ns.sync).toBe(0);
    expect(s.ns.memcpy).toBe(5_000);
  });
  it('records every repo line of a stack as seen, not only the innermost one that carries the cost', () => {
    const m = new ModelBuilder().api('cudaLaunchKernel_v7000', 0, 5_000, { chain: [
      { symbol: 'forward (/w/model.py:12)', file: '/w/model.py', line: 12 },
      { symbol: 'train (/w/train.py:39)', file: '/w/train.py', line: 39 },
    ] }).build();
    const a = attributeCosts(m, FILES);
    expect([...a.sites.keys()]).toEqual([siteKey('model.py', 12)]);
    expect(a.seen.has(siteKey('train.py', 39))).toBe(true);
  });
});
