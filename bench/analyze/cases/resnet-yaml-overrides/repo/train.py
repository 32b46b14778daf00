"""ImageNet training in the style of timm's train.py, with run-time overrides read from a YAML file."""
import argparse
import time

import torch
import torch.nn as nn
import torchvision
import yaml
from torch.utils.data import DataLoader

from utils import AverageMeter, cosine_lr


def train_one_epoch(epoch, model, loader, optimizer, loss_fn, args):
    batch_time_m, losses_m = AverageMeter(), AverageMeter()
    model.train()
    end = time.time()
    num_updates = epoch * len(loader)
    for batch_idx, (input, target) in enumerate(loader):
        with open(args.overrides) as f:
            overrides = yaml.safe_load(f) or {}
        lr = overrides.get("lr", cosine_lr(args.lr, num_updates, args.epochs * len(loader)))
        for group in optimizer.param_groups:
            group["lr"] = lr
        input, target = input.cuda(non_blocking=True), target.cuda(non_blocking=True)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            output = model(input)
            loss = loss_fn(output, target)
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        num_updates += 1
        torch.cuda.synchronize()
        batch_time_m.update(time.time() - end)
        losses_m.update(loss.item(), input.size(0))
        end = time.time()
        if batch_idx % args.log_interval == 0:
            print(f"Train: {epoch} [{batch_idx}/{len(loader)}] Loss: {losses_m.avg:.4f} Time: {batch_time_m.avg:.3f}s LR: {lr:.3e}")


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--data-dir", default="/data/imagenet/train")
    parser.add_argument("--overrides", default="overrides.yaml")
    parser.add_argument("--batch-size", type=int, default=256)
    parser.add_argument("--lr", type=float, default=0.5)
    parser.add_argument("--epochs", type=int, default=90)
    parser.add_argument("--workers", type=int, default=12)
    parser.add_argument("--log-interval", type=int, default=50)
    args = parser.parse_args()
    tf = torchvision.transforms.Compose([
        torchvision.transforms.RandomResizedCrop(224),
        torchvision.transforms.RandomHorizontalFlip(),
        torchvision.transforms.ToTensor(),
        torchvision.transforms.Normalize((0.485, 0.456, 0.406), (0.229, 0.224, 0.225)),
    ])
    dataset = torchvision.datasets.ImageFolder(args.data_dir, tf)
    loader = DataLoader(dataset, batch_size=args.batch_size, shuffle=True, num_workers=args.workers,
                        pin_memory=True, persistent_workers=True, prefetch_factor=4, drop_last=True)
    model = torchvision.models.resnet50().cuda().to(memory_format=torch.channels_last)
    optimizer = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=5e-5, foreach=True)
    loss_fn = nn.CrossEntropyLoss(label_smoothing=0.1).cuda()
    for epoch in range(args.epochs):
        train_one_epoch(epoch, model, loader, optimizer, loss_fn, args)


if __name__ == "__main__":
    main()
