import { describe, expect, it } from 'vitest';
import { indexRepo } from './repo-index.js';
import { indexedRepo, makeRepo, py, removeRepo } from './testing.js';

describe('call graph', () => {
  const repo = indexedRepo({
    'models/__init__.py': '',
    'models/blocks.py': py`
      import torch.nn as nn

      class Base(nn.Module):
          def helper(self, x):
              return x

      class Attention(Base):
          def __init__(self, d):
              super().__init__()
              self.proj = nn.Linear(d, d)

          def forward(self, x):
              return self.helper(self.proj(x))

      class Net(nn.Module):
          def __init__(self, d):
              super().__init__()
              self.attn = Attention(d)

          def forward(self, x):
              return self.attn(x)

          def generate(self, x):
              return self(x)
    `,
    'utils/io.py': py`
      def load(path):
          return open(path).read()

      def batches(n):
          return [load(str(i)) for i in range(n)]
    `,
    'train.py': py`
      import torch
      import utils.io as uio
      from utils import io
      from models.blocks import Net
      from models import blocks

      def make(d):
          return blocks.Net(d)

      def step(model, x):
          return model(x)

      def main():
          net = Net(4)
          net = torch.compile(net)
          data = uio.batches(3)
          other = io.load('x')
          for x in data:
              y = net(x)
              step(net, x)
          net.generate(y)

      if __name__ == '__main__':
          main()
    `,
  });
  const targets = (from: string) => repo.index.graph.callees(from).map((e) => `${e.to}${e.via === 'direct' ? '' : ' (' + e.via + ')'}`).sort();

  it('resolves module aliases, from-imports, class instantiation, instance calls through torch.compile, self.method and inheritance', () => {
    expect(targets('main')).toEqual([
      'models/blocks.py:Net.__init__',
      'models/blocks.py:Net.forward (instance)',
      'models/blocks.py:Net.generate',
      'train.py:step',
      'utils/io.py:batches',
      'utils/io.py:load',
    ]);
    expect(targets('train.py:make')).toEqual(['models/blocks.py:Net.__init__']);
    expect(targets('Net.__init__')).toEqual(['models/blocks.py:Attention.__init__']);
    expect(targets('Net.forward')).toEqual(['models/blocks.py:Attention.forward (instance)']);
    expect(targets('Attention.forward')).toEqual(['models/blocks.py:Base.helper']);
    expect(targets('Net.generate')).toEqual(['models/blocks.py:Net.forward (instance)']);
    expect(targets('batches')).toEqual(['utils/io.py:load']);
    expect(targets('train.py:<module>')).toEqual(['train.py:main']);
  });

  it('falls back to the root model classes for an untyped `model(...)` (heuristic edge)', () => {
    expect(targets('step')).toEqual(['models/blocks.py:Net.forward (heuristic)']);
    expect(repo.index.resolver.rootModelClasses()).toEqual(['models/blocks.py:Net']);
    expect(repo.index.resolver.submodules('models/blocks.py:Net')).toEqual(['models/blocks.py:Attention']);
  });

  it('takes both branches of an if/else binding, and never guesses for attributes typed outside the repo', async () => {
    const r2 = makeRepo({
      'nets.py': py`
        import torch.nn as nn
        class A(nn.Module):
            def __init__(self):
                super().__init__()
                self.encoder = nn.Embedding(4, 4)
            def forward(self, x):
                return self.encoder(x)
        class B(nn.Transformer):
            def forward(self, x):
                return x
      `,
      'main.py': py`
        import torch
        from nets import A, B
        if torch.cuda.is_available():
            model = A().to('cuda')
        else:
            model = B()
        def run(x):
            return model(x)
        model = torch.load('x.pt')
      `,
    });
    const ix2 = await indexRepo(r2);
    try {
      expect(ix2.graph.callees('run').map((e) => `${e.to} ${e.via}`).sort()).toEqual(['nets.py:A.forward instance', 'nets.py:B.forward instance']);
      expect(ix2.graph.callees('A.forward')).toEqual([]);
      expect(ix2.resolver.isModuleClass('nets.py:B')).toBe(true);
    } finally {
      ix2.dispose();
      removeRepo(r2);
    }
  });

  it('answers callers, callees and reachability', () => {
    expect(repo.index.graph.callers('load').map((e) => `${e.from}:${e.line}`).sort()).toEqual(['train.py:main:17', 'utils/io.py:batches:5']);
    expect(repo.index.graph.callers('utils/io.py:load')).toHaveLength(2);
    expect(repo.index.graph.reachableFrom(['train.py:step'])).toEqual([
      'models/blocks.py:Attention.forward', 'models/blocks.py:Base.helper', 'models/blocks.py:Net.forward', 'train.py:step',
    ]);
    expect(repo.index.graph.reachableFrom(['no_such_function'])).toEqual([]);
  });
});
