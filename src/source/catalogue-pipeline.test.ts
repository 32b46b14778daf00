// C6 and C7 patterns: positive and negative snippets, with exact file:function:line.
import { describe, expect, it } from 'vitest';
import { lineOf, matchRepo, NET } from './catalogue-testkit.js';
import { py } from './testing.js';

const DDP_SRC = py`
  import torch
  import torch.distributed as dist
  from torch.nn.parallel import DistributedDataParallel as DDP
  from model import Net

  net = Net()
  opt = torch.optim.SGD(net.parameters(), lr=0.1)
  model = DDP(net, device_ids=[0], find_unused_parameters=True, bucket_cap_mb=5)
  model2 = DDP(net, find_unused_parameters=False, bucket_cap_mb=50)
  dist.barrier()
  for step in range(10):
      for micro in range(4):
          with model.no_sync():
              loss = model(torch.randn(2, 4)).sum()
              loss.backward()
      opt.step()
      dist.all_reduce(loss)
      dist.barrier()
`;

const GOOD_ACCUM = py`
  import torch
  from torch.nn.parallel import DistributedDataParallel
  from model import Net

  model = DistributedDataParallel(Net())
  opt = torch.optim.SGD(model.parameters(), lr=0.1)
  for step in range(10):
      for micro in range(4):
          if micro < 3:
              with model.no_sync():
                  model(torch.randn(2, 4)).sum().backward()
          else:
              model(torch.randn(2, 4)).sum().backward()
      opt.step()
`;

describe('C6 communication patterns', () => {
  it('flags DDP settings, collectives in the loop and unconditional no_sync', async () => {
    const { matches } = await matchRepo({ 'model.py': NET, 'train.py': DDP_SRC }, (id) => id.startsWith('C6.'));
    const L = (n: string) => lineOf(DDP_SRC, n);
    expect(matches.map((m) => `${m.patternId} ${m.function}:${m.line}`)).toEqual([
      `C6.ddp-find-unused <module>:${L('model = DDP(')}`,
      `C6.small-bucket <module>:${L('model = DDP(')}`,
      `C6.no-sync-misuse <module>:${L('with model.no_sync()')}`,
      `C6.collective-in-loop <module>:${L('dist.all_reduce(loss)')}`,
      `C6.collective-in-loop <module>:${DDP_SRC.split('\n').lastIndexOf('    dist.barrier()') + 1}`,
    ]);
  });

  it('accepts no_sync under a gradient-accumulation condition', async () => {
    const { matches } = await matchRepo({ 'model.py': NET, 'train.py': GOOD_ACCUM }, (id) => id.startsWith('C6.'));
    expect(matches).toEqual([]);
  });
});

const DATA = py`
  import json
  import numpy as np
  import torch
  from torch.utils.data import Dataset

  class Tokens(Dataset):
      def __init__(self, path):
          self.data = np.load(path)
          self.raw = [[1, 2], [3]]
          self.meta = ['{}', '{}']

      def __len__(self):
          return 2

      def __getitem__(self, i):
          toks = [torch.tensor(t) for t in self.raw[i]]
          meta = json.loads(self.meta[i])
          arr = np.memmap('x.bin', dtype=np.uint16, mode='r')
          return torch.cat(toks)

  def collate(batch):
      out = []
      for b in batch:
          out.append(torch.as_tensor(b))
      return torch.stack(out)

  def read_config():
      with open('cfg.json') as f:
          return json.load(f)
`;

const TRAIN_C7 = py`
  import numpy as np
  import torch
  from torch.utils.data import DataLoader
  from data import Tokens, collate, read_config
  from model import Net

  def get_batch(data, ix):
      return torch.stack([torch.from_numpy(data[i:i + 8]) for i in ix])

  def get_batch_loop(data, ix):
      xs = []
      for i in ix:
          xs.append(torch.from_numpy(data[i:i + 8]))
      return torch.stack(xs)

  def main():
      cfg = read_config()
      model = Net()
      opt = torch.optim.SGD(model.parameters(), lr=0.1)
      loader = DataLoader(Tokens('x.npy'), batch_size=2, collate_fn=collate)
      data = np.zeros(100)
      for x in loader:
          y = get_batch(data, [1, 2])
          z = get_batch_loop(data, [1, 2])
          model(x).sum().backward()
          opt.step()
`;

describe('C7 Python-pipeline patterns', () => {
  it('flags per-sample work in __getitem__/collate, reopened files and JSON on the hot path, per-sample batch assembly', async () => {
    const { matches } = await matchRepo({ 'model.py': NET, 'data.py': DATA, 'train.py': TRAIN_C7 }, (id) => id.startsWith('C7.'));
    const D = (n: string) => lineOf(DATA, n);
    expect(matches.map((m) => `${m.patternId} ${m.file}:${m.function}:${m.line}`)).toEqual([
      `C7.per-sample-getitem data.py:Tokens.__getitem__:${D('toks = [')}`,
      `C7.serialization-hot data.py:Tokens.__getitem__:${D('meta = json.loads')}`,
      `C7.reopen-per-call data.py:Tokens.__getitem__:${D('arr = np.memmap')}`,
      // the per-sample tensor of a collate loop is reported at the call, not at the loop header
      `C7.collate-per-sample-tensor data.py:collate:${D('out.append(torch.as_tensor(b))')}`,
      `C7.sample-by-sample-batch train.py:get_batch:${lineOf(TRAIN_C7, 'return torch.stack(')}`,
      // the loop spelling, at the per-sample tensor (in a collate function it is the collate pattern's, once)
      `C7.sample-by-sample-batch train.py:get_batch_loop:${lineOf(TRAIN_C7, 'xs.append(torch.from_numpy(')}`,
    ]);
    expect(matches.every((m) => m.inHotPath)).toBe(true);
  });
});
