# A tiny causal attention layer that rebuilds its mask and position ids on every forward.
import torch

torch.manual_seed(0)
B, T, C, V = 1, 768, 8, 64


class Attn(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.emb = torch.nn.Embedding(V, C)
        self.pos = torch.nn.Embedding(T, C)
        self.qkv = torch.nn.Linear(C, 3 * C)
        self.head = torch.nn.Linear(C, V)

    def forward(self, idx):
        t = idx.shape[1]
        pos = torch.arange(0, t, dtype=torch.long)
        h = self.emb(idx) + self.pos(pos)
        q, k, v = self.qkv(h).split(C, dim=2)
        att = (q @ k.transpose(-2, -1)) / C ** 0.5
        mask = torch.tril(torch.ones(t, t)).view(1, t, t)
        att = att.masked_fill(mask == 0, float("-inf")).softmax(dim=-1)
        return self.head(att @ v)


model = Attn()
opt = torch.optim.SGD(model.parameters(), lr=0.1)
data = torch.randint(V, (64, T + 1))

for it in range(25):
    batch = data[(it * B) % 60:(it * B) % 60 + B]
    x, y = batch[:, :T], batch[:, 1:]
    logits = model(x)
    loss = torch.nn.functional.cross_entropy(logits.reshape(-1, V), y.reshape(-1))
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"iter {it}: loss {loss.item():.4f}")
