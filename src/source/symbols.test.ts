import { describe, expect, it } from 'vitest';
import { indexedRepo, py } from './testing.js';

describe('symbol table', () => {
  const repo = indexedRepo({
    'pkg/__init__.py': '',
    'pkg/layers.py': py`
      import numpy as np
      import torch.nn as nn
      from torch.utils.data import DataLoader, Dataset as DS
      from . import util
      from .util import helper as h

      @dataclass
      class Config:
          n: int = 3

      class Net(nn.Module):
          @torch.no_grad()
          def forward(self, x):
              def inner(y):
                  return y * 2
              for i in range(3):
                  x = inner(x)
              while x.sum() > 0:
                  x = x - 1
              return x

          class Nested:
              def m(self):
                  pass

      def outer():
          def mid():
              def deep():
                  return 1
              return deep()
          return mid()

      if __name__ == "__main__":
          net = Net()
          print(net(np.ones(3)))
    `,
    'pkg/util.py': 'def helper():\n    return 1\n',
    'broken.py': py`
      def ok():
          return 1

      def bad(:
          pass

      class Fine:
          def m(self):
              return ok()
    `,
  });

  it('names classes and functions with qualified names and line ranges', () => {
    const s = repo.index.byFile.get('pkg/layers.py')!.symbols;
    expect(s.module).toBe('pkg.layers');
    expect(s.classes.map((c) => c.qualname)).toEqual(['Config', 'Net', 'Net.Nested']);
    expect(s.classes.find((c) => c.name === 'Net')!.bases).toEqual(['nn.Module']);
    expect(s.classes.find((c) => c.name === 'Config')!.decorators).toEqual(['dataclass']);
    expect(s.functions.map((f) => f.qualname)).toEqual(['Net.forward', 'Net.forward.inner', 'Net.Nested.m', 'outer', 'outer.mid', 'outer.mid.deep']);
    const fwd = s.functions.find((f) => f.qualname === 'Net.forward')!;
    expect(fwd).toMatchObject({ line: 13, endLine: 20, className: 'Net', decorators: ['torch.no_grad()'], params: ['self', 'x'] });
    expect(s.functions.find((f) => f.qualname === 'Net.forward.inner')!.className).toBeNull();
    expect(repo.index.byFile.get('pkg/__init__.py')!.symbols.module).toBe('pkg');
  });

  it('records imports with aliases and relative levels', () => {
    const imps = repo.index.byFile.get('pkg/layers.py')!.symbols.imports.map((i) => [i.module, i.name, i.alias, i.level]);
    expect(imps).toEqual([
      ['numpy', null, 'np', 0],
      ['torch.nn', null, 'nn', 0],
      ['torch.utils.data', 'DataLoader', 'DataLoader', 0],
      ['torch.utils.data', 'Dataset', 'DS', 0],
      ['', 'util', 'util', 1],
      ['util', 'helper', 'h', 1],
    ]);
  });

  it('records calls, loops, assignments and the __main__ block with their enclosing function', () => {
    const s = repo.index.byFile.get('pkg/layers.py')!.symbols;
    expect(s.loops.map((l) => [l.kind, l.line, l.endLine, l.function, l.iter, l.target])).toEqual([
      ['for', 16, 17, 'Net.forward', 'range(3)', 'i'],
      ['while', 18, 19, 'Net.forward', 'x.sum() > 0', null],
    ]);
    const call = s.calls.find((c) => c.callee === 'inner')!;
    expect(call).toMatchObject({ line: 17, function: 'Net.forward', args: ['x'] });
    expect(s.calls.find((c) => c.callee === 'deep')!.function).toBe('outer.mid');
    expect(s.calls.find((c) => c.callee === 'net')!.function).toBe('<module>');
    expect(s.assignments.find((a) => a.target === 'net')).toMatchObject({ valueCallee: 'Net', function: '<module>', line: 34 });
    expect(s.mainBlock).toEqual({ line: 33, endLine: 35 });
  });

  it('tolerates files that do not parse: records the error lines and indexes the rest', () => {
    const s = repo.index.byFile.get('broken.py')!.symbols;
    expect(s.parseErrors.length).toBeGreaterThan(0);
    expect(s.parseErrors[0]!.line).toBe(4);
    expect(s.functions.map((f) => f.qualname)).toContain('ok');
    expect(s.functions.map((f) => f.qualname)).toContain('Fine.m');
    expect(repo.index.notes.some((n) => n.startsWith('broken.py: syntax errors at line 4'))).toBe(true);
    expect(repo.index.graph.callees('Fine.m').map((e) => e.to)).toEqual(['broken.py:ok']);
  });
});
