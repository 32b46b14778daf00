"""ViT-B/16 fine-tuning with fp16 autocast and a GradScaler."""
import argparse

import timm
import torch
from torch.utils.data import DataLoader

from dataset import LeafDataset
from losses import accuracy, class_balanced_focal_loss


def validate(model, loader, device):
    model.eval()
    accs = []
    with torch.no_grad():
        for images, target in loader:
            images, target = images.to(device), target.to(device)
            with torch.autocast("cuda", dtype=torch.float16):
                logits = model(images)
            accs.append(accuracy(logits, target))
    model.train()
    return sum(accs) / len(accs)


def train_one_epoch(model, loader, opt, scaler, class_weights, device, epoch, log_every=100):
    model.train()
    for step, (images, target) in enumerate(loader):
        images = images.to(device, non_blocking=True)
        target = target.to(device, non_blocking=True)
        with torch.autocast("cuda", dtype=torch.float16):
            logits = model(images)
        loss = class_balanced_focal_loss(logits, target, class_weights)
        opt.zero_grad(set_to_none=True)
        scaler.scale(loss).backward()
        scaler.unscale_(opt)
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        scaler.step(opt)
        scaler.update()
        if step % log_every == 0:
            print(f"epoch {epoch} step {step} loss {loss.item():.4f} scale {scaler.get_scale():.0f}")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--root", default="/data/leaves")
    p.add_argument("--epochs", type=int, default=20)
    p.add_argument("--batch-size", dest="batch_size", type=int, default=96)
    args = p.parse_args()
    device = torch.device("cuda")
    train_ds = LeafDataset(args.root, "train")
    val_ds = LeafDataset(args.root, "val")
    loader = DataLoader(train_ds, batch_size=args.batch_size, shuffle=True, num_workers=8,
                        pin_memory=True, persistent_workers=True, drop_last=True)
    val_loader = DataLoader(val_ds, batch_size=256, num_workers=4, pin_memory=True, persistent_workers=True)
    model = timm.create_model("vit_base_patch16_224", pretrained=True, num_classes=train_ds.num_classes).to(device)
    class_weights = torch.tensor(train_ds.class_weights(), device=device)
    opt = torch.optim.AdamW(model.parameters(), lr=5e-5, weight_decay=0.05)
    scaler = torch.cuda.amp.GradScaler()
    for epoch in range(args.epochs):
        train_one_epoch(model, loader, opt, scaler, class_weights, device, epoch)
        print("val acc", validate(model, val_loader, device))
        torch.save(model.state_dict(), f"vit_{epoch}.pt")


if __name__ == "__main__":
    main()
