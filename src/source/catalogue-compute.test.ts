// C1, C2 and C5 patterns: positive and negative snippets, with exact file:function:line.
import { describe, expect, it } from 'vitest';
import { lineOf, matchRepo, NET } from './catalogue-testkit.js';
import { py } from './testing.js';

const LOADERS = py`
  import torch
  from torch.utils.data import DataLoader
  from model import Net

  def main(ds, args, kwargs):
      loader_a = DataLoader(ds, batch_size=8)
      loader_b = DataLoader(ds, batch_size=8, num_workers=0, pin_memory=False)
      loader_c = DataLoader(ds, batch_size=8, num_workers=4, pin_memory=True)
      loader_d = DataLoader(ds, num_workers=4, pin_memory=True, persistent_workers=True, prefetch_factor=4)
      loader_e = DataLoader(ds, **kwargs)
      loader_f = DataLoader(ds, num_workers=args.workers, pin_memory=True, persistent_workers=True)
      model = Net()
      opt = torch.optim.AdamW(model.parameters())
      for x in loader_a:
          model(x).sum().backward()
          opt.step()
`;

describe('C1 DataLoader patterns', () => {
  it('flags missing workers, pinning and prefetch from the keyword arguments; marks the loader the hot loop iterates', async () => {
    const { matches } = await matchRepo({ 'model.py': NET, 'train.py': LOADERS }, (id) => id.startsWith('C1.'));
    const L = (n: string) => lineOf(LOADERS, n);
    expect(matches.map((m) => `${m.patternId} ${m.function}:${m.line}${m.inHotPath ? ' hot' : ''}`)).toEqual([
      `C1.dataloader-pin-memory main:${L('loader_a')} hot`,
      `C1.dataloader-workers main:${L('loader_a')} hot`,
      `C1.dataloader-pin-memory main:${L('loader_b')}`,
      `C1.dataloader-workers main:${L('loader_b')}`,
      `C1.dataloader-prefetch main:${L('loader_c')}`,
    ]);
    expect(matches.find((m) => m.line === L('loader_b') && m.patternId === 'C1.dataloader-workers')!.why).toMatch(/num_workers=0/);
  });
});

const LOOPS = py`
  import torch

  def rope(x, n):
      out = torch.empty_like(x)
      for i in range(n):
          out[i] = torch.sin(x[i]) * torch.cos(x[i])
      return out

  def few(x):
      for i in range(3):
          x = x + 1
      return x

  def cold(x, n):
      for i in range(n):
          x[i] = torch.sin(x[i]) + torch.cos(x[i]) + torch.exp(x[i])
      return x

  def main():
      from model import Net
      model = Net()
      opt = torch.optim.SGD(model.parameters(), lr=0.1)
      for step in range(100):
          x = rope(torch.randn(8, 4), 8)
          x = few(x)
          loss = model(x).sum()
          loss.backward()
          opt.step()
`;

describe('C2 launch-overhead patterns', () => {
  it('flags a hot Python loop of small tensor ops, not a loop with one op nor a cold one, nor the training loop', async () => {
    const { matches } = await matchRepo({ 'model.py': NET, 'train.py': LOOPS }, (id) => id === 'C2.python-loop-small-ops');
    expect(matches.map((m) => `${m.function}:${m.line}`)).toEqual([`rope:${lineOf(LOOPS, 'for i in range(n):')}`]);
    expect(matches[0]!.why).toMatch(/2 tensor ops and 1 indexed write/);
  });

  it('flags the model construction when nothing compiles the model, and not when torch.compile is used', async () => {
    const { matches } = await matchRepo({ 'model.py': NET, 'train.py': LOOPS }, (id) => id === 'C2.no-compile');
    expect(matches.map((m) => `${m.file}:${m.function}:${m.line}:${m.inHotPath}`)).toEqual([`train.py:main:${lineOf(LOOPS, 'model = Net()')}:true`]);
    const compiled = LOOPS.replace('model = Net()', 'model = torch.compile(Net())');
    expect((await matchRepo({ 'model.py': NET, 'train.py': compiled }, (id) => id === 'C2.no-compile')).matches).toEqual([]);
  });
});

const MODEL_C5 = py`
  import torch
  import torch.nn as nn

  class Net(nn.Module):
      def __init__(self):
          super().__init__()
          self.fc = nn.Linear(4, 4)
          self.register_buffer('mask', torch.tril(torch.ones(8, 8)))

      def forward(self, x):
          B, T = x.size()
          pos = torch.arange(0, T, device=x.device)
          m = torch.tril(torch.ones(T, T))
          z = torch.zeros_like(x)
          r = torch.arange(x.max())
          return self.fc(x) + pos
`;

const TRAIN_C5 = py`
  import torch
  from model import Net

  def main():
      model = Net()
      opt = torch.optim.SGD(model.parameters(), lr=0.1)
      hist = torch.zeros(0)
      snapshot = hist.clone()
      for step in range(10):
          x = torch.randn(4, 4).contiguous()
          loss = model(x).sum()
          loss.backward()
          opt.step()
          hist = torch.cat([hist, loss.detach()[None]])
`;

describe('C5 compute patterns', () => {
  it('flags constants rebuilt in forward (once per nested constructor), not in __init__ nor value-dependent ones', async () => {
    const { matches } = await matchRepo({ 'model.py': MODEL_C5, 'train.py': TRAIN_C5 }, (id) => id === 'C5.constant-in-forward');
    expect(matches.map((m) => `${m.file}:${m.function}:${m.line}:${m.inHotPath}`)).toEqual([
      `model.py:Net.forward:${lineOf(MODEL_C5, 'pos = torch.arange')}:true`,
      `model.py:Net.forward:${lineOf(MODEL_C5, 'm = torch.tril')}:true`,
    ]);
  });

  it('flags copies inside loops (and says when a tensor grows by cat), not a clone outside the loop', async () => {
    const { matches } = await matchRepo({ 'model.py': MODEL_C5, 'train.py': TRAIN_C5 }, (id) => id === 'C5.redundant-copy-in-loop');
    expect(matches.map((m) => `${m.function}:${m.line}`)).toEqual([
      `main:${lineOf(TRAIN_C5, 'x = torch.randn(4, 4).contiguous()')}`,
      `main:${lineOf(TRAIN_C5, 'hist = torch.cat(')}`,
    ]);
    expect(matches[1]!.why).toMatch(/grows by torch.cat/);
  });

  it('copes with subscripted and call targets (regex metacharacters) and dtype casts', async () => {
    const src = py`
      import torch
      def main(model, opt, dtype):
          bufs = [torch.zeros(0)]
          for step in range(3):
              bufs[(0)] = torch.cat([bufs[(0)], torch.ones(1)])
              x = torch.randn(2).to(dtype)
              model(x).sum().backward()
              opt.step()
    `;
    const { matches } = await matchRepo({ 'train.py': src }, (id) => id === 'C5.redundant-copy-in-loop' || id === 'C4.to-device-in-loop');
    expect(matches.map((m) => `${m.patternId}:${m.line}:${m.why}`)).toEqual([`C5.redundant-copy-in-loop:5:bufs[(0)] grows by torch.cat every iteration: quadratic copying`]);
  });

  it('flags the fp32 training forward, and nothing when autocast is used', async () => {
    const { matches } = await matchRepo({ 'model.py': MODEL_C5, 'train.py': TRAIN_C5 }, (id) => id === 'C5.fp32-no-autocast');
    expect(matches.map((m) => `${m.function}:${m.line}`)).toEqual([`main:${lineOf(TRAIN_C5, 'loss = model(x).sum()')}`]);
    const amp = TRAIN_C5.replace('        loss = model(x).sum()', "        with torch.autocast('cuda', dtype=torch.bfloat16):\n            loss = model(x).sum()");
    expect((await matchRepo({ 'model.py': MODEL_C5, 'train.py': amp }, (id) => id === 'C5.fp32-no-autocast')).matches).toEqual([]);
  });
});

describe('C2 loops over parameters', () => {
  const EMA = py`
    import torch
    from model import Net

    def ema_update(shadow, model, d):
        for p_ema, p in zip(shadow.parameters(), model.parameters()):
            p_ema.mul_(d)
            p_ema.add_(p.detach(), alpha=1 - d)

    def copy_list(xs, ys):
        for x, y in zip(xs, ys):
            x.add_(y)

    def main(loader):
        model = Net()
        shadow = Net()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for x in loader:
            model(x).sum().backward()
            opt.step()
            ema_update(shadow, model, 0.999)
            copy_list([x], [x])
  `;
  it('flags a per-parameter loop even with two ops, not a short loop over other tensors', async () => {
    const { matches } = await matchRepo({ 'model.py': NET, 'train.py': EMA }, (id) => id === 'C2.python-loop-small-ops');
    expect(matches.map((m) => `${m.function}:${m.line}`)).toEqual([`ema_update:${lineOf(EMA, 'for p_ema, p')}`]);
  });
});


describe('C1 loaders returned by a factory', () => {
  const DATA = py`
    from torch.utils.data import DataLoader

    def make_loader(ds):
        return DataLoader(ds, batch_size=8, shuffle=True)

    def make_val_loader(ds):
        return DataLoader(ds, batch_size=8)
  `;
  const TRAIN = py`
    import torch
    from data import make_loader, make_val_loader
    from model import Net

    def main(ds):
        loader = make_loader(ds)
        val_loader = make_val_loader(ds)
        model = Net()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for x in loader:
            model(x).sum().backward()
            opt.step()
  `;
  it('marks hot only the loader whose factory result the hot loop iterates', async () => {
    const { matches } = await matchRepo({ 'model.py': NET, 'data.py': DATA, 'train.py': TRAIN }, (id) => id === 'C1.dataloader-workers');
    expect(matches.map((m) => `${m.function}:${m.line}${m.inHotPath ? ' hot' : ''}`)).toEqual([
      `make_loader:${lineOf(DATA, 'return DataLoader(ds, batch_size=8, shuffle')} hot`,
      `make_val_loader:${lineOf(DATA, 'return DataLoader(ds, batch_size=8)')}`,
    ]);
  });
});
