# Tabular regression: features in a .npy file, targets in a CSV re-parsed for every sample.
import csv
import os

import numpy as np
import torch

HERE = os.path.dirname(os.path.abspath(__file__))
FEATS = os.path.join(HERE, "features.npy")
TARGETS = os.path.join(HERE, "targets.csv")
N, D = 3000, 32
if not os.path.exists(FEATS):
    np.save(FEATS, ((np.arange(N * D) * 37 % 101) / 101.0).astype(np.float32).reshape(N, D))
    with open(TARGETS, "w", newline="") as f:
        w = csv.writer(f)
        w.writerow(["id", "target"])
        for i in range(N):
            w.writerow([i, f"{(i * 17 % 23) / 23.0:.6f}"])


class TabularDataset(torch.utils.data.Dataset):
    def __init__(self, feats_path, targets_path):
        self.feats = np.load(feats_path)
        with open(targets_path, newline="") as f:
            self.rows = list(csv.DictReader(f))

    def __len__(self):
        return N

    def __getitem__(self, i):
        return torch.from_numpy(self.feats[i]), torch.tensor(float(self.rows[i]["target"]))


torch.manual_seed(0)
ds = TabularDataset(FEATS, TARGETS)
loader = torch.utils.data.DataLoader(ds, batch_size=32, shuffle=True)
model = torch.nn.Sequential(torch.nn.Linear(D, 64), torch.nn.ReLU(), torch.nn.Linear(64, 1))
opt = torch.optim.SGD(model.parameters(), lr=0.01)
for step, (x, y) in enumerate(loader):
    if step == 20:
        break
    loss = torch.nn.functional.mse_loss(model(x).squeeze(1), y)
    opt.zero_grad()
    loss.backward()
    opt.step()
    print(f"step {step}: loss {loss.item():.6f}")
