import { afterAll, describe, expect, it } from 'vitest';
import { findAnnotations } from './annotations.js';
import { indexRepo } from './repo-index.js';
import { makeRepo, py, removeRepo } from './testing.js';

describe('NVTX and record_function annotations', () => {
  const repo = makeRepo({
    'train.py': py`
      import torch
      import nvtx
      from torch.profiler import record_function
      from torch.cuda import nvtx as tnvtx

      @nvtx.annotate("step", color="blue")
      def step(model, x):
          torch.cuda.nvtx.range_push("forward")
          y = model(x)
          torch.cuda.nvtx.range_pop()
          with record_function(f"backward_{0}"):
              y.sum().backward()
          return y

      @nvtx.annotate()
      def data():
          with tnvtx.range("load"):
              return 1

      def noise(name):
          torch.cuda.nvtx.range_push(name)
          # torch.cuda.nvtx.range_push("commented")
          s = 'torch.cuda.nvtx.range_push("in a string")'
    `,
  });
  afterAll(() => removeRepo(repo));

  it('maps each literal range name to its function and lines', async () => {
    const ix = await indexRepo(repo);
    try {
      expect(findAnnotations(ix).map((a) => `${a.kind} ${a.form} ${a.name} ${a.function}:${a.line}-${a.endLine}`)).toEqual([
        'nvtx decorator step step:7-13',
        'nvtx push forward step:8-10',
        'record_function with backward_{0} step:11-12',
        'nvtx decorator data data:16-18',
        'nvtx with load data:17-18',
      ]);
    } finally {
      ix.dispose();
    }
  });
});
