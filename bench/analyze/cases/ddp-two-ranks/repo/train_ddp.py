"""ResNet-50 on ImageNet-style folders, DDP over the GPUs of one node: torchrun --nproc_per_node=2 train_ddp.py"""
import argparse
import os

import torch
import torch.distributed as dist
import torch.nn as nn
import torchvision
from torch.nn.parallel import DistributedDataParallel as DDP
from torch.utils.data import DataLoader
from torch.utils.data.distributed import DistributedSampler
from torchvision import transforms


def build_loader(root, batch_size):
    tf = transforms.Compose([
        transforms.RandomResizedCrop(224),
        transforms.RandomHorizontalFlip(),
        transforms.ToTensor(),
        transforms.Normalize([0.485, 0.456, 0.406], [0.229, 0.224, 0.225]),
    ])
    ds = torchvision.datasets.ImageFolder(root, tf)
    sampler = DistributedSampler(ds, shuffle=True)
    loader = DataLoader(ds, batch_size=batch_size, sampler=sampler, num_workers=8,
                        pin_memory=True, persistent_workers=True, prefetch_factor=4)
    return loader, sampler


def save(model, opt, epoch, path):
    dist.barrier()
    if dist.get_rank() == 0:
        torch.save({"model": model.module.state_dict(), "opt": opt.state_dict(), "epoch": epoch}, path)


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="/data/imagenet/train")
    p.add_argument("--epochs", type=int, default=90)
    p.add_argument("--batch-size", dest="batch_size", type=int, default=128)
    p.add_argument("--lr", type=float, default=0.1)
    args = p.parse_args()

    dist.init_process_group("nccl")
    rank = dist.get_rank()
    local_rank = int(os.environ["LOCAL_RANK"])
    torch.cuda.set_device(local_rank)
    device = torch.device("cuda", local_rank)

    model = torchvision.models.resnet50().to(device)
    model = DDP(model, device_ids=[local_rank], find_unused_parameters=True)
    criterion = nn.CrossEntropyLoss()
    opt = torch.optim.SGD(model.parameters(), lr=args.lr, momentum=0.9, weight_decay=1e-4)
    loader, sampler = build_loader(args.data, args.batch_size)

    for epoch in range(args.epochs):
        sampler.set_epoch(epoch)
        model.train()
        for i, (images, target) in enumerate(loader):
            images = images.to(device, non_blocking=True)
            target = target.to(device, non_blocking=True)
            with torch.autocast("cuda", dtype=torch.bfloat16):
                output = model(images)
                loss = criterion(output, target)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            dist.all_reduce(loss, op=dist.ReduceOp.AVG)
            loss_val = loss.item()
            if rank == 0 and i % 20 == 0:
                print(f"epoch {epoch} it {i} loss {loss_val:.4f}")
        save(model, opt, epoch, f"ckpt_{epoch}.pt")
    dist.destroy_process_group()


if __name__ == "__main__":
    main()
