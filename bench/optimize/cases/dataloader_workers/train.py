# A map-style Dataset read through a DataLoader in the training process (num_workers=0).
import torch
from torch.utils.data import DataLoader, Dataset

torch.manual_seed(0)


class Squares(Dataset):
    def __len__(self):
        return 512

    def __getitem__(self, i):
        x = torch.tensor([((i * 37 + k) % 101) / 101.0 for k in range(64)])
        return x, torch.tensor(float(x.pow(2).mean()))


model = torch.nn.Sequential(torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.05)
loader = DataLoader(Squares(), batch_size=32, shuffle=False)

step = 0
for epoch in range(2):
    for x, y in loader:
        loss = torch.nn.functional.mse_loss(model(x).squeeze(1), y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        print(f"iter {step}: loss {loss.item():.4f}")
        step += 1
