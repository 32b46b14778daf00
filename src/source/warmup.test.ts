import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parseLaunch, shellWords } from './entry.js';
import { makeRepo, py, removeRepo, withRepo } from './testing.js';
import { scanRepo, setupIsHot, warmup, writeSetup } from './warmup.js';

const MODEL = py`
  import torch
  import torch.nn as nn

  class Block(nn.Module):
      def __init__(self):
          super().__init__()
          self.fc = nn.Linear(4, 4)
      def forward(self, x):
          return self.fc(x)

  class Model(nn.Module):
      def __init__(self):
          super().__init__()
          self.blocks = nn.ModuleList([Block() for _ in range(2)])
      def forward(self, x):
          for b in self.blocks:
              x = b(x)
          return x
`;

describe('warmup', () => {
  const repo = makeRepo({
    'README.md': py`
      # Demo
      Prepare the data, then train:
      \`\`\`bash
      python prepare.py --out data
      CUDA_VISIBLE_DEVICES=0 python train.py \\
          --epochs 3 2>&1 | tee log.txt
      \`\`\`
      And sample with \`python sample.py\`.
    `,
    'prepare.py': 'import json\nif __name__ == "__main__":\n    print(json.dumps({}))\n',
    'model.py': MODEL,
    'data.py': py`
      import torch
      from torch.utils.data import Dataset

      class Tokens(Dataset):
          def __len__(self):
              return 10
          def __getitem__(self, i):
              return torch.tensor([i])

      class Unused(Dataset):
          def __getitem__(self, i):
              return i

      def collate(batch):
          return torch.stack(batch)
    `,
    'train.py': py`
      import torch
      from torch.utils.data import DataLoader
      from model import Model
      from data import Tokens, collate

      def log(loss):
          print(loss.item())

      def train_step(model, opt, x):
          loss = model(x).sum()
          loss.backward()
          opt.step()
          return loss

      def main():
          model = Model()
          optimizer = torch.optim.SGD(model.parameters(), lr=0.1)
          loader = DataLoader(Tokens(), batch_size=2, collate_fn=collate)
          for epoch in range(3):
              for x in loader:
                  loss = train_step(model, optimizer, x)
                  log(loss)
              print('epoch', epoch)

      if __name__ == "__main__":
          main()
    `,
    'scripts/run.sh': '#!/bin/sh\nset -e\ntorchrun --nproc_per_node=2 train.py --epochs 1\n',
    'Makefile': 'bench:\n\tpython -m pytest -q\ntrain:\n\t@python train.py\n',
  });
  afterAll(() => removeRepo(repo));

  it('picks the README command that runs the training loop, and says why', async () => {
    const s = await warmup(repo);
    expect(s.entryCommand).toEqual(['python', 'train.py', '--epochs', '3']);
    expect(s.entrySource).toBe('README.md:5');
    expect(s.entryReason).toMatch(/runs the training loop at train\.py:20/);
    const cmds = s.entryCandidates!.map((c) => c.command.join(' '));
    expect(cmds).toContain('torchrun --nproc_per_node=2 train.py --epochs 1');
    expect(cmds).toContain('python train.py');
    expect(cmds).toContain('python prepare.py --out data');
    expect(cmds).not.toContain('python -m pytest -q');
    expect(cmds.indexOf('python prepare.py --out data')).toBeGreaterThan(cmds.indexOf('python train.py'));
    expect(s.pythonFiles).toBe(4);
  });

  it('finds the innermost training loop and the hot path through the call graph', async () => {
    const s = await warmup(repo);
    const hot = s.loops.filter((l) => l.hot);
    expect(hot.map((l) => [l.file, l.function, l.line, l.kind])).toEqual([['train.py', 'main', 20, 'train']]);
    expect(hot[0]!.signals!.join(' ')).toMatch(/backward via train_step/);
    expect(s.loops.some((l) => l.line === 19)).toBe(false); // the epoch loop adds nothing of its own
    expect(s.hotFunctions).toEqual([
      'data.py:Tokens.__getitem__',
      'data.py:collate',
      'model.py:Block.forward',
      'model.py:Model.forward',
      'train.py:log',
      'train.py:train_step',
    ]);
    expect(s.hotReasons!['model.py:Block.forward']).toMatch(/submodule of Model/);
    expect(s.hotReasons!['data.py:collate']).toMatch(/collate_fn of the DataLoader at train\.py:18/);
    expect(s.dataLoaders).toEqual([{ file: 'train.py', function: 'main', line: 18, datasetFns: ['data.py:Tokens.__getitem__'], collateFns: ['data.py:collate'] }]);
    expect(s.conditionalHot).toEqual([]);
    expect(setupIsHot(s, 'train.py', 'main', 21)).toBe(true);
    expect(setupIsHot(s, 'train.py', 'main', 16)).toBe(false);
    expect(setupIsHot(s, 'model.py', 'Model.__init__', 14)).toBe(false);
  });

  it('writes .sysight/setup.json and nothing else', async () => {
    const scan = await scanRepo(repo);
    scan.index.dispose();
    const path = writeSetup(repo, scan.setup);
    expect(path.endsWith(join('.sysight', 'setup.json'))).toBe(true);
    expect(JSON.parse(readFileSync(path, 'utf8')).entryCommand).toEqual(scan.setup.entryCommand);
  });

  it('says clearly when a repo has no Python, and when nothing looks like an entry or a loop', async () => {
    const empty = makeRepo({ 'README.md': '# nothing\n', 'main.c': 'int main(){}' });
    const lib = makeRepo({ 'lib.py': 'def f(x):\n    return x\n' });
    try {
      const s = await warmup(empty);
      expect(s.pythonFiles).toBe(0);
      expect(s.entryCommand).toBeNull();
      expect(s.notes[0]).toMatch(/^no Python files found in /);
      expect(existsSync(join(empty, '.sysight'))).toBe(false);
      const l = await warmup(lib);
      expect(l.entryCommand).toBeNull();
      expect(l.notes.join('\n')).toMatch(/no entry command found/);
      expect(l.notes.join('\n')).toMatch(/no training or inference loop found/);
    } finally {
      removeRepo(empty);
      removeRepo(lib);
    }
  });

  it('does not take an epoch loop that only calls the training function for a training loop', async () => {
    const s = await withRepo({
      'model.py': MODEL,
      'main.py': py`
        import torch
        from model import Model

        def train(model, opt, data):
            model.train()
            for x in data:
                model(x).sum().backward()
                opt.step()

        def test(model, data):
            with torch.no_grad():
                for x in data:
                    model(x)

        def main():
            model = Model()
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for epoch in range(10):
                train(model, opt, [torch.randn(2, 4)])
                test(model, [torch.randn(2, 4)])

        if __name__ == '__main__':
            main()
      `,
    }, warmup);
    expect(s.loops.map((l) => [l.function, l.kind, l.hot])).toEqual([['train', 'train', true], ['test', 'inference', false]]);
    expect(s.hotFunctions).toEqual(['model.py:Block.forward', 'model.py:Model.forward']);
  });

  it('with no loop in the repo (Lightning), takes the model forward and its step hooks as hot', async () => {
    const s = await withRepo({
      'lit.py': py`
        import lightning as L
        import torch
        class Lit(L.LightningModule):
            def __init__(self):
                super().__init__()
                self.net = torch.nn.Linear(4, 4)
            def forward(self, x):
                return self.net(x)
            def training_step(self, batch, i):
                return self(batch).sum()
        if __name__ == '__main__':
            L.Trainer(max_epochs=1).fit(Lit())
      `,
    }, warmup);
    expect(s.loops).toEqual([]);
    expect(s.hotFunctions).toEqual(['lit.py:Lit.forward', 'lit.py:Lit.training_step']);
    expect(s.notes.join('\n')).toMatch(/no training or inference loop found/);
  });

  it('tells the functions the loop calls only on some iterations', async () => {
    const s = await withRepo({
      'model.py': MODEL,
      'train.py': py`
        import torch
        from model import Model
        def evaluate(model):
            return model(torch.randn(2, 4)).sum()
        def log(v):
            print(v)
        def get_lr(it):
            return 0.1 / (it + 1)
        decay = True
        model = Model()
        opt = torch.optim.SGD(model.parameters(), lr=0.1)
        for it in range(100):
            model(torch.randn(2, 4)).sum().backward()
            opt.step()
            lr = get_lr(it) if decay else 0.1
            if it % 10 == 0:
                log(evaluate(model))
      `,
    }, warmup);
    expect(s.conditionalHot).toEqual(['train.py:evaluate', 'train.py:log']);
    expect(s.hotReasons!['train.py:evaluate']).toBe('called on some iterations (under a condition) from the train loop at train.py:12');
    expect(s.hotFunctions).toContain('train.py:get_lr'); // a flag condition: every iteration
    expect(s.hotFunctions).toContain('model.py:Model.forward');
    expect(s.conditionalHot).not.toContain('model.py:Model.forward');
  });

  it('classifies an inference-only workload', async () => {
    const s = await withRepo({
      'model.py': MODEL,
      'serve.py': py`
        import torch
        from model import Model
        model = Model().eval()
        with torch.no_grad():
            for req in range(100):
                out = model(torch.randn(1, 4))
      `,
    }, warmup);
    expect(s.entryCommand).toEqual(['python', 'serve.py']);
    expect(s.loops.map((l) => [l.file, l.line, l.kind, l.hot])).toEqual([['serve.py', 5, 'inference', true]]);
    expect(s.hotFunctions).toEqual(['model.py:Block.forward', 'model.py:Model.forward']);
  });
});

describe('entry sources beyond READMEs', () => {
  it('reads VS Code launch configurations and Dockerfiles, and leaves library datasets out of the hot path', async () => {
    const s = await withRepo({
      '.vscode/launch.json': '{\n  // debug\n  "configurations": [\n    {"type": "debugpy", "name": "Train", "program": "${workspaceFolder}/src/fit.py", "args": ["--lr", "0.1"]},\n    {"type": "python", "name": "Current", "program": "${file}"},\n  ]\n}\n',
      Dockerfile: 'FROM python:3.11\nCMD ["python", "src/serve.py", "--port", "80"]\n',
      'src/fit.py': py`
        import torch
        import torchvision
        def main():
            ds = torchvision.datasets.MNIST('.', download=True)
            loader = torch.utils.data.DataLoader(ds, batch_size=4)
            model = torch.nn.Linear(4, 4)
            opt = torch.optim.SGD(model.parameters(), lr=0.1)
            for x, y in loader:
                model(x).sum().backward()
                opt.step()
        main()
      `,
      'src/serve.py': 'print(1)\n',
      'src/data.py': 'from torch.utils.data import Dataset\nclass Unused(Dataset):\n    def __getitem__(self, i):\n        return i\n',
    }, warmup);
    expect(s.entryCommand).toEqual(['python', 'src/fit.py', '--lr', '0.1']);
    expect(s.entrySource).toBe('.vscode/launch.json:Train');
    expect(s.entryCandidates!.map((c) => c.command.join(' '))).toContain('python src/serve.py --port 80');
    expect(s.dataLoaders).toEqual([{ file: 'src/fit.py', function: 'main', line: 5, datasetFns: [], collateFns: [] }]);
    expect(s.hotFunctions).toEqual([]);
  });
});

describe('launch command parsing', () => {
  it('splits shell words and drops redirections, pipes and env assignments', () => {
    expect(shellWords(`python "my script.py" --x='a b' | tee x`)).toEqual(['python', 'my script.py', '--x=a b']);
    expect(parseLaunch('$ OMP_NUM_THREADS=1 accelerate launch --multi_gpu train.py 2>&1')).toEqual({
      argv: ['accelerate', 'launch', '--multi_gpu', 'train.py'], env: { OMP_NUM_THREADS: '1' },
    });
    expect(parseLaunch('deepspeed --num_gpus 8 train.py --deepspeed ds.json')!.argv[0]).toBe('deepspeed');
    expect(parseLaunch('python -m pkg.train --lr 3e-4')!.argv).toEqual(['python', '-m', 'pkg.train', '--lr', '3e-4']);
    expect(parseLaunch('pip install torch')).toBeNull();
    expect(parseLaunch('python -m pip install x')).toBeNull();
    expect(parseLaunch('accelerate config')).toBeNull();
    expect(parseLaunch('# python train.py is how')).toBeNull();
  });
});
