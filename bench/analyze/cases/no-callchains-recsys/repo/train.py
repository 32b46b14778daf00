import argparse

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from data import CriteoTSV
from dlrm import DLRM


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    scores, labels = [], []
    for dense, sparse, y in loader:
        scores.append(torch.sigmoid(model(dense.to(device), sparse.to(device))).cpu())
        labels.append(y)
    model.train()
    return torch.cat(scores).numpy(), torch.cat(labels).numpy()


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--train", default="/data/criteo/day_0.tsv")
    p.add_argument("--batch-size", dest="batch_size", type=int, default=2048)
    p.add_argument("--buckets", type=int, default=1_000_000)
    args = p.parse_args()
    device = torch.device("cuda")
    ds = CriteoTSV(args.train, args.buckets)
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True)
    model = DLRM([args.buckets] * 26).to(device)
    opt = torch.optim.Adagrad(model.parameters(), lr=0.01)
    total, n = 0.0, 0
    for step, (dense, sparse, y) in enumerate(loader):
        dense, sparse, y = dense.to(device), sparse.to(device), y.to(device)
        logits = model(dense, sparse)
        loss = F.binary_cross_entropy_with_logits(logits, y)
        opt.zero_grad()
        loss.backward()
        opt.step()
        total += loss.item()
        n += 1
        if step % 200 == 0:
            print(f"step {step} avg loss {total / n:.4f} last {loss.item():.4f}")
            total, n = 0.0, 0
        if step % 10000 == 0:
            torch.save(model.state_dict(), "dlrm.pt")


if __name__ == "__main__":
    main()
