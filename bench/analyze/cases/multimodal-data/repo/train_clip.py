"""Contrastive image-text pre-training (CLIP-style) on one GPU."""
import argparse
import json

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from data import CaptionDataset, collate
from models import ImageEncoder, TextEncoder


def clip_loss(img_emb, txt_emb, logit_scale):
    img_emb = F.normalize(img_emb, dim=-1)
    txt_emb = F.normalize(txt_emb, dim=-1)
    logits = logit_scale.exp() * img_emb @ txt_emb.t()
    labels = torch.arange(logits.shape[0], device=logits.device)
    return (F.cross_entropy(logits, labels) + F.cross_entropy(logits.t(), labels)) / 2


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--root", default="/data/cc3m")
    p.add_argument("--batch-size", dest="batch_size", type=int, default=256)
    p.add_argument("--steps", type=int, default=100000)
    args = p.parse_args()
    device = torch.device("cuda")
    ds = CaptionDataset(args.root, "train")
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True, collate_fn=collate, drop_last=True)
    image_enc, text_enc = ImageEncoder().to(device), TextEncoder().to(device)
    logit_scale = torch.nn.Parameter(torch.tensor(2.659, device=device))
    params = list(image_enc.parameters()) + list(text_enc.parameters()) + [logit_scale]
    opt = torch.optim.AdamW(params, lr=5e-4, weight_decay=0.2)
    history = []
    for step, (images, ids, mask) in enumerate(loader):
        images = images.to(device, non_blocking=True)
        ids, mask = ids.to(device, non_blocking=True), mask.to(device, non_blocking=True)
        with torch.autocast("cuda", dtype=torch.bfloat16):
            loss = clip_loss(image_enc(images), text_enc(ids, mask), logit_scale)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        if step % 500 == 0:
            history.append({"step": step, "loss": loss.item()})
            with open("history.json", "w") as f:
                json.dump(history, f)
        if step >= args.steps:
            break


if __name__ == "__main__":
    main()
