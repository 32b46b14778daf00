// C3 and C4 patterns: positive and negative snippets, with exact file:function:line.
import { describe, expect, it } from 'vitest';
import { lineOf, matchRepo, NET } from './catalogue-testkit.js';
import { py } from './testing.js';

const TRAIN_C3 = py`
  import torch
  from model import Net

  def helper(t):
      return t.item()

  def log_metrics(loss):
      print(loss)
      print(f"loss {loss:.3f}")
      print("step done", 3)
      v = float(loss)
      n = int(len([1]))

  def main():
      model = Net()
      opt = torch.optim.SGD(model.parameters(), lr=0.1)
      for step in range(10):
          x = torch.randn(4, 4)
          loss = model(x).sum()
          loss.backward()
          opt.step()
          # lossf = loss.item() in a comment
          msg = "loss.item()"
          lossf = loss.item()
          arr = loss.detach().cpu().numpy()
          a = x.numpy()
          xs = x.tolist()
          torch.cuda.synchronize()
          print(lossf)
          log_metrics(loss)
      final = loss.item()
      print(helper(loss))

  if __name__ == "__main__":
      main()
`;

describe('C3 synchronization patterns', () => {
  it('matches item/cpu/numpy/tolist/synchronize/print/float on the hot path only, never in comments or strings', async () => {
    const { matches } = await matchRepo({ 'model.py': NET, 'train.py': TRAIN_C3 }, (id) => id.startsWith('C3.'));
    const L = (needle: string) => lineOf(TRAIN_C3, needle);
    expect(matches.map((m) => `${m.patternId} ${m.file}:${m.function}:${m.line}${m.inLoop ? ' loop' : ''}${m.inHotPath ? ' hot' : ''}`)).toEqual([
      `C3.print-tensor train.py:log_metrics:${L('print(loss)')} hot`,
      `C3.print-tensor train.py:log_metrics:${L('print(f"loss')} hot`,
      `C3.float-tensor train.py:log_metrics:${L('v = float(loss)')} hot`,
      `C3.item-sync train.py:main:${L('lossf = loss.item()')} loop hot`,
      `C3.cpu-sync train.py:main:${L('arr = loss')} loop hot`,
      `C3.numpy-sync train.py:main:${L('a = x.numpy()')} loop hot`,
      `C3.tolist-sync train.py:main:${L('xs = x.tolist()')} loop hot`,
      `C3.cuda-synchronize train.py:main:${L('torch.cuda.synchronize()')} loop hot`,
    ]);
    const item = matches.find((m) => m.patternId === 'C3.item-sync')!;
    expect(item.text).toBe('lossf = loss.item()');
    expect(item.conditional).toBe(false);
    expect(matches.filter((m) => m.conditional)).toEqual([]);
    expect(item.why).toMatch(/sync/);
  });

  it('says when a match runs only on some iterations (under an if in the loop)', async () => {
    const src = TRAIN_C3.replace('        lossf = loss.item()', '        if step % 10 == 0:\n            lossf = loss.item()\n        else:\n            lossf = loss.item() if step else 0.0');
    const { matches } = await matchRepo({ 'model.py': NET, 'train.py': src }, (id) => id === 'C3.item-sync');
    expect(matches.map((m) => `${m.line}:${m.conditional}`)).toEqual([`${lineOf(src, 'lossf = loss.item()')}:true`, `${lineOf(src, 'lossf = loss.item() if')}:true`]);
  });

  it('reports out-of-scope matches only when asked (all: true)', async () => {
    const { matches } = await matchRepo({ 'model.py': NET, 'train.py': TRAIN_C3 }, (id) => id === 'C3.item-sync', true);
    expect(matches.map((m) => `${m.function}:${m.line}:${m.inHotPath}:${m.inLoop}`)).toEqual([
      `helper:${lineOf(TRAIN_C3, 'return t.item()')}:false:false`,
      `main:${lineOf(TRAIN_C3, 'lossf = loss.item()')}:true:true`,
      `main:${lineOf(TRAIN_C3, 'final = loss.item()')}:false:false`,
    ]);
  });
});

const TRAIN_C4 = py`
  import numpy as np
  import torch
  from torch.utils.data import DataLoader
  from model import Net

  def main(ds):
      device = 'cuda'
      model = Net().to(device)
      opt = torch.optim.SGD(model.parameters(), lr=0.1)
      loader = DataLoader(ds, batch_size=2, pin_memory=True, num_workers=2)
      w = torch.tensor([1.0, 2.0])
      for x, y in loader:
          x = x.to(device)
          y = y.cuda(non_blocking=True)
          h = x.to(torch.float16)
          c = x.to('cpu')
          t = torch.tensor(np.arange(3))
          f = torch.from_numpy(np.ones(3))
          loss = model(x).sum()
          loss.backward()
          opt.step()
`;

describe('C4 memory-copy patterns', () => {
  it('matches device moves and host tensor creation in the loop, non_blocking only when memory is pinned', async () => {
    const { matches } = await matchRepo({ 'model.py': NET, 'train.py': TRAIN_C4 }, (id) => id.startsWith('C4.') || id === 'C3.cpu-sync');
    const L = (needle: string) => lineOf(TRAIN_C4, needle);
    expect(matches.map((m) => `${m.patternId} ${m.function}:${m.line}`)).toEqual([
      `C4.non-blocking-missing main:${L('x = x.to(device)')}`,
      `C4.to-device-in-loop main:${L('x = x.to(device)')}`,
      `C4.to-device-in-loop main:${L('y = y.cuda(')}`,
      `C3.cpu-sync main:${L("c = x.to('cpu')")}`,
      `C4.host-tensor-in-loop main:${L('t = torch.tensor(')}`,
      `C4.host-tensor-in-loop main:${L('f = torch.from_numpy(')}`,
    ]);
  });

  it('does not ask for non_blocking when nothing is pinned', async () => {
    const src = TRAIN_C4.replace('pin_memory=True', 'pin_memory=False');
    const { matches } = await matchRepo({ 'model.py': NET, 'train.py': src }, (id) => id === 'C4.non-blocking-missing');
    expect(matches).toEqual([]);
  });
});
