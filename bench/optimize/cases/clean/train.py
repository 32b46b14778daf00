# A small MLP trained on pre-built tensors with vectorized batching: nothing to fix.
import torch

torch.manual_seed(0)
X = torch.randn(4096, 64)
Y = (X[:, :8].sum(1) > 0).long()
model = torch.nn.Sequential(torch.nn.Linear(64, 128), torch.nn.ReLU(), torch.nn.Linear(128, 2))
opt = torch.optim.Adam(model.parameters(), lr=1e-3)
B = 128

for it in range(40):
    idx = torch.randint(0, 4096, (B,))
    x, y = X[idx], Y[idx]
    loss = torch.nn.functional.cross_entropy(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"iter {it}: loss {loss.item():.4f}")
