# A character-level model whose batches are filled one element at a time in Python.
import numpy as np
import torch

torch.manual_seed(0)
np.random.seed(0)
tokens = (np.arange(50000) * 7 % 89).astype(np.uint16)
B, T, V = 32, 64, 89
model = torch.nn.Sequential(torch.nn.Embedding(V, 16), torch.nn.Flatten(), torch.nn.Linear(16 * T, V))
opt = torch.optim.SGD(model.parameters(), lr=0.05)


def get_batch():
    starts = torch.randint(len(tokens) - T - 1, (B,))
    x = torch.zeros((B, T), dtype=torch.long)
    y = torch.zeros((B,), dtype=torch.long)
    for b, start in enumerate(starts):
        for t in range(T):
            x[b, t] = int(tokens[start + t])
    y[:] = x[:, -1]
    return x, y


for it in range(25):
    x, y = get_batch()
    loss = torch.nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"iter {it}: loss {loss.item():.4f}")
