# A replay buffer kept on disk: each step reads a window and writes back a visit counter (mode "r+").
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(HERE, "buffer.bin")
N, D = 20000, 16
# The buffer is rebuilt at every start so each run sees the same data.
(np.arange(N * D) % 17 / 17.0).astype(np.float32).tofile(PATH)

torch.manual_seed(0)
model = torch.nn.Linear(D - 1, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.05)


def sample(step):
    buf = np.memmap(PATH, dtype=np.float32, mode="r+", shape=(N, D))
    rows = buf[(step * 64) % N:(step * 64) % N + 64]
    rows[:, 0] += 1.0  # visit counter: changes what later steps read
    batch = torch.from_numpy(np.array(rows))
    buf.flush()
    return batch[:, 1:], batch[:, :1]


for it in range(40):
    x, y = sample(it % 8)
    loss = torch.nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"iter {it}: loss {loss.item():.4f}")
