# Regression with early stopping: the loss value read with .item() decides when to stop.
import torch

torch.manual_seed(0)
X = torch.randn(2048, 32)
w_true = torch.randn(32, 1)
Y = X @ w_true + 0.01 * torch.randn(2048, 1)
model = torch.nn.Linear(32, 1)
opt = torch.optim.SGD(model.parameters(), lr=0.1)


def train_step(x, y):
    loss = torch.nn.functional.mse_loss(model(x), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    return loss


for it in range(60):
    i = (it * 128) % 2048
    loss = train_step(X[i:i + 128], Y[i:i + 128])
    lossf = loss.item()
    print(f"iter {it}: loss {lossf:.4f}")
    if lossf < 0.05:
        print("converged")
        break
