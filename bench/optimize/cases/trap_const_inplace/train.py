# A running-statistics layer whose "constant" scratch buffer (8 MB) is created per forward and updated in place.
import torch

torch.manual_seed(0)
B, D = 64, 256


class Normed(torch.nn.Module):
    def __init__(self):
        super().__init__()
        self.lin = torch.nn.Linear(D, D)
        self.out = torch.nn.Linear(D, 1)

    def forward(self, x):
        stats = torch.zeros(1 << 21)
        stats[:D] += x.detach().pow(2).mean(0)
        h = self.lin(x) / (stats[:D].sqrt() + 1.0)
        return self.out(torch.relu(h))


model = Normed()
opt = torch.optim.SGD(model.parameters(), lr=0.01)
X = torch.randn(1024, D)
Y = X[:, :1] * 2.0

for it in range(40):
    i = (it * B) % 1024
    loss = torch.nn.functional.mse_loss(model(X[i:i + B]), Y[i:i + B])
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"iter {it}: loss {loss.item():.4f}")
