# nanoGPT-style get_batch: one slice, one astype and one tensor per sample, then a stack.
import numpy as np
import torch

torch.manual_seed(0)
data = (np.arange(400_000) * 31 % 97).astype(np.uint16)
B, T, V = 256, 32, 97


class Bigram(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(V, V)

    def forward(self, x):
        return self.emb(x)


model = Bigram()
opt = torch.optim.AdamW(model.parameters(), lr=1e-2)


def get_batch():
    ix = torch.randint(len(data) - T - 1, (B,))
    x = torch.stack([torch.from_numpy((data[i:i + T]).astype(np.int64)) for i in ix])
    y = torch.stack([torch.from_numpy((data[i + 1:i + 1 + T]).astype(np.int64)) for i in ix])
    return x, y


for it in range(30):
    x, y = get_batch()
    logits = model(x)
    loss = torch.nn.functional.cross_entropy(logits.view(-1, V), y.view(-1))
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    print(f"iter {it}: loss {loss.item():.4f}")
