# Token windows read from a uint16 file on disk; the memory map is reopened for every sample.
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
PATH = os.path.join(HERE, "tokens.bin")
if not os.path.exists(PATH):
    (np.arange(2_000_000) * 13 % 101).astype(np.uint16).tofile(PATH)

torch.manual_seed(0)
B, T, V = 64, 32, 101
model = torch.nn.Sequential(torch.nn.Embedding(V, 16), torch.nn.Flatten(), torch.nn.Linear(16 * T, V))
opt = torch.optim.SGD(model.parameters(), lr=0.05)


def read_window(start):
    data = np.memmap(PATH, dtype=np.uint16, mode="r")
    return np.array(data[start:start + T + 1], dtype=np.int64)


def get_batch():
    ix = torch.randint(2_000_000 - T - 1, (B,)).tolist()
    rows = np.stack([read_window(i) for i in ix])
    return torch.from_numpy(rows[:, :T]), torch.from_numpy(rows[:, T])


for it in range(25):
    x, y = get_batch()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"iter {it}: loss {loss.item():.4f}")
