// Per-element conversions, per-sample tensors in collate, per-sample tokenizers, eager log formatting, tensor
// conditions, and the line rules (call in a loop → the call; comprehension → its first line; multi-line call → its
// first line; the open of a parsed file → related line of the parser, not a finding).
import { describe, expect, it } from 'vitest';
import { lineOf, matchRepo, NET } from './catalogue-testkit.js';
import { py } from './testing.js';

const DATA = py`
  import json
  import numpy as np
  import torch
  from torch.utils.data import Dataset, DataLoader

  class Windows(Dataset):
      def __init__(self, path, labels):
          self.path = path
          self.labels = labels
          self.tokenizer = None

      def __len__(self):
          return 10

      def __getitem__(self, i):
          tokens = np.memmap(self.path, dtype=np.uint16, mode="r")
          with open(self.labels) as f:
              tags = json.load(f)[i]
          fields = open(self.path).readline().split("\\t")
          parsed = [int(v) for v in fields]
          ids = [
              int(t)
              for t in tokens[:256]
          ]
          enc = self.tokenizer(str(i), truncation=True)
          back = torch.tensor(tokens[:8].tolist())
          return ids, tags

  def collate(batch):
      rows = []
      for ids, _ in batch:
          rows.append(
              torch.tensor(ids, dtype=torch.long)
          )
      tags = torch.stack([torch.tensor(t) for _, t in batch])
      return torch.stack(rows), tags

  def batched(tokenizer, texts):
      return tokenizer(texts, padding=True)
`;

const TRAIN = py`
  import logging
  import torch
  from torch.utils.data import DataLoader
  from data import Windows, collate
  from model import Net

  log = logging.getLogger(__name__)
  model = Net()
  loader = DataLoader(Windows("a", "b"), batch_size=4, collate_fn=collate)
  for step, (x, y) in enumerate(loader):
      out = model(x)
      norm = torch.linalg.vector_norm(out)
      if torch.isfinite(norm):
          out.sum().backward()
      log.debug(f"step {step} out {out[0]}")
      log.info("step %d loss %s", step, norm)
      print(f"step {step} norm {norm.item():.3f}")
      vals = [v.item() for v in out[0]]
`;

describe('issue 15 patterns', () => {
  const files = { 'data.py': DATA, 'train.py': TRAIN, 'model.py': NET };
  const at = async (id: string) => (await matchRepo(files, (p) => p === id, true)).matches.map((m) => `${m.file}:${m.line}`);

  it('C7.per-element-convert: a comprehension at its first line, .tolist() round trips; text being parsed is not one', async () => {
    const lines = await at('C7.per-element-convert');
    expect(lines).toContain(`data.py:${lineOf(DATA, 'ids = [')}`);
    expect(lines).toContain(`data.py:${lineOf(DATA, 'back = torch.tensor(tokens[:8].tolist())')}`);
    expect(lines).toContain(`train.py:${lineOf(TRAIN, 'vals = [v.item()')}`);
    expect(lines).not.toContain(`data.py:${lineOf(DATA, 'parsed = [int(v)')}`);
    expect(lines).not.toContain(`data.py:${lineOf(DATA, 'int(t)')}`);
  });

  it('C7.per-element-convert: int() stored element by element in a loop nest is the element loop\'s root cause, a single loop keeps it', async () => {
    const nest = `import numpy as np\nimport torch\n\ntokens = np.arange(1000)\n\n\ndef get_batch(starts, T):\n    x = torch.zeros((len(starts), T), dtype=torch.long)\n    for b, start in enumerate(starts):\n        for t in range(T):\n            x[b, t] = int(tokens[start + t])\n    return x\n\n\ndef row(start, T):\n    r = torch.zeros(T, dtype=torch.long)\n    for t in range(T):\n        r[t] = int(tokens[start + t])\n    return r\n\n\nfor it in range(10):\n    get_batch([1, 2], 8)\n    row(3, 8)\n`;
    const { matches } = await matchRepo({ 'train.py': nest }, (p) => p === 'C7.per-element-convert' || p === 'C7.element-loop', true);
    const found = matches.map((m) => `${m.patternId}:${m.line}`).sort();
    expect(found).toEqual([`C7.element-loop:${lineOf(nest, 'for b, start in')}`, `C7.per-element-convert:${lineOf(nest, 'r[t] = int(')}`]);
  });

  it('C7.collate-per-sample-tensor: a call in a loop at the call\'s first line, a comprehension at its own line', async () => {
    const lines = await at('C7.collate-per-sample-tensor');
    expect(lines).toEqual([`data.py:${lineOf(DATA, 'torch.tensor(ids, dtype=torch.long)')}`, `data.py:${lineOf(DATA, 'tags = torch.stack(')}`]);
    expect(lines).not.toContain(`data.py:${lineOf(DATA, 'for ids, _ in batch:')}`);
  });

  it('C7.tokenize-per-sample: the tokenizer in __getitem__, not a batched call', async () => {
    expect(await at('C7.tokenize-per-sample')).toEqual([`data.py:${lineOf(DATA, 'enc = self.tokenizer(')}`]);
  });

  it('C7.format-log-hot: an f-string that formats a tensor for debug(), not lazy %-arguments or a formatted number', async () => {
    expect(await at('C7.format-log-hot')).toEqual([`train.py:${lineOf(TRAIN, 'log.debug(')}`]);
  });

  it('C3.tensor-condition: a tensor predicate deciding an if', async () => {
    expect(await at('C3.tensor-condition')).toEqual([`train.py:${lineOf(TRAIN, 'if torch.isfinite(norm):')}`]);
  });

  it('the open of a parsed file is the parser\'s related line, not a finding of its own', async () => {
    const { matches } = await matchRepo(files, (p) => p === 'C7.reopen-per-call' || p === 'C7.serialization-hot', true);
    const openLine = lineOf(DATA, 'with open(self.labels) as f:');
    expect(matches.map((m) => m.line)).not.toContain(openLine);
    const parser = matches.find((m) => m.patternId === 'C7.serialization-hot');
    expect(parser?.line).toBe(lineOf(DATA, 'tags = json.load(f)[i]'));
    expect(parser?.related).toEqual([expect.objectContaining({ line: openLine, text: 'with open(self.labels) as f:' })]);
    // the memmap and the bare open that nothing parses stay findings of their own
    expect(matches.filter((m) => m.patternId === 'C7.reopen-per-call').map((m) => m.line)).toEqual([lineOf(DATA, 'tokens = np.memmap('), lineOf(DATA, 'fields = open(')]);
    // a memory map's cost lands where it is read (its pages fault in again); an open pays on its own line
    const reopen = matches.filter((m) => m.patternId === 'C7.reopen-per-call');
    expect(reopen.map((m) => !!m.deferredCost)).toEqual([true, false]);
  });
});
