// End to end with the real timing shim and PyTorch (Debian's python3-torch for /usr/bin/python3):
// times come from Optimizer.step, losses from backward(), smoke steps from SYSIGHT_MAX_STEPS.
import { spawnSync } from 'node:child_process';
import { afterAll, describe, expect, it } from 'vitest';
import { makeRepo, hashTree, worktreeList, replacePlan } from '../../test/support/sandbox-fixtures.js';
import { runTrial } from './trial.js';

const PY = '/usr/bin/python3';
const hasTorch = spawnSync(PY, ['-c', 'import torch'], { stdio: 'ignore' }).status === 0;

// No SYSIGHT_* handling at all: the shim does everything. The loop is endless but for the step limit.
const TRAIN = `import torch
torch.set_num_threads(1)
data = torch.randn(2048, 32)
target = torch.randn(2048, 1)
model = torch.nn.Sequential(torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
g = torch.Generator().manual_seed(0)
for it in range(40):
    idx = torch.randint(0, 2048, (128,), generator=g)
    x = torch.stack([data[i] for i in idx])
    loss = torch.nn.functional.mse_loss(model(x), target[idx])
    opt.zero_grad(); loss.backward(); opt.step()
`;

describe.skipIf(!hasTorch)('runTrial with the timing shim and torch', () => {
  const repo = makeRepo({ 'train.py': TRAIN });
  afterAll(() => repo.cleanup());
  const base = { repo: repo.dir, command: ['python', 'train.py'], python: PY, runs: 2, maxPairs: 2, lossSteps: 5 };

  it('an equal-numerics patch is measured from the shim with numerics equal', async () => {
    const before = hashTree(repo.dir);
    const r = await runTrial({ ...base, patches: [replacePlan(repo.dir, 'train.py', 'x = torch.stack([data[i] for i in idx])', 'x = data[idx]')] });
    expect(r.smokeOk).toBe(true);
    expect(r.measurement!.source).toBe('shim');
    expect(r.numerics!.steps).toBe(5);
    expect(r.numericsOk, r.reason).toBe(true);
    expect(['accepted', 'rejected', 'inconclusive']).toContain(r.verdict);
    expect(hashTree(repo.dir)).toEqual(before);
    expect(worktreeList(repo.dir)).toHaveLength(1);
  });

  it('a learning-rate change trips the numerics guard', async () => {
    const r = await runTrial({ ...base, patches: [replacePlan(repo.dir, 'train.py', 'lr=0.01', 'lr=0.02')] });
    expect(r.verdict).toBe('rejected');
    expect(r.reason).toMatch(/^numerics changed: loss at step [1-4] differs by /);
  });
});
