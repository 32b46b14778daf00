import argparse

import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from dataset import SpeechCommands

LABELS = "yes no up down left right on off stop go _unknown_ _silence_".split()


def make_model(n_classes):
    def block(cin, cout):
        return nn.Sequential(nn.Conv2d(cin, cout, 3, padding=1), nn.BatchNorm2d(cout), nn.ReLU(), nn.MaxPool2d(2))
    return nn.Sequential(block(1, 64), block(64, 128), block(128, 256), nn.AdaptiveAvgPool2d(1), nn.Flatten(), nn.Linear(256, n_classes))


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--train-manifest", default="data/train.tsv")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--epochs", type=int, default=30)
    p.add_argument("--log-every", type=int, default=200)
    args = p.parse_args()
    device = torch.device("cuda")
    train_ds = SpeechCommands(args.train_manifest, LABELS)
    loader = DataLoader(train_ds, batch_size=args.batch_size, shuffle=True, num_workers=2, pin_memory=True, persistent_workers=True, drop_last=True)
    model = make_model(len(LABELS)).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.1, momentum=0.9, nesterov=True, weight_decay=5e-4)
    criterion = nn.CrossEntropyLoss(label_smoothing=0.1)
    for epoch in range(args.epochs):
        correct = torch.zeros((), device=device)
        for step, (x, y) in enumerate(loader):
            torch.cuda.nvtx.range_push("train_step")
            x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
            with torch.autocast("cuda", dtype=torch.bfloat16):
                logits = model(x)
                loss = criterion(logits, y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            correct += (logits.argmax(1) == y).sum()
            torch.cuda.nvtx.range_pop()
            if step % args.log_every == 0:
                print(f"epoch {epoch} step {step} loss {loss.item():.3f} acc {correct.item() / ((step + 1) * args.batch_size):.3f}")


if __name__ == "__main__":
    main()
