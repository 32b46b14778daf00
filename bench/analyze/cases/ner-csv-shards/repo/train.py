import argparse
import json

import torch
import torch.nn as nn
from torch.utils.data import DataLoader

from data import CsvShardNerDataset, pad_collate
from model import TransformerTagger


def train(args):
    device = torch.device("cuda")
    with open(args.vocab) as f:
        vocab = json.load(f)
    tag2id = {t: i for i, t in enumerate(args.tags.split(","))}
    ds = CsvShardNerDataset(args.data, vocab, tag2id)
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True, collate_fn=pad_collate)
    model = TransformerTagger(len(vocab), len(tag2id)).to(device)
    criterion = nn.CrossEntropyLoss(ignore_index=-100)
    optimizer = torch.optim.AdamW(model.parameters(), lr=args.lr)
    scheduler = torch.optim.lr_scheduler.OneCycleLR(optimizer, max_lr=args.lr, total_steps=args.epochs * len(loader))
    for epoch in range(args.epochs):
        model.train()
        for step, (ids, tags) in enumerate(loader):
            ids, tags = ids.to(device), tags.to(device)
            with torch.autocast("cuda", dtype=torch.bfloat16):
                logits = model(ids)
                loss = criterion(logits.flatten(0, 1), tags.flatten())
            optimizer.zero_grad(set_to_none=True)
            loss.backward()
            grad_norm = torch.nn.utils.clip_grad_norm_(model.parameters(), args.max_grad_norm)
            if torch.isfinite(grad_norm):
                optimizer.step()
            scheduler.step()
            if step % args.log_interval == 0:
                print(f"epoch {epoch} step {step} loss {loss.item():.4f} grad_norm {grad_norm.item():.2f}")


if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="data/ner_shards")
    p.add_argument("--vocab", default="data/vocab.json")
    p.add_argument("--tags", default="O,B-PER,I-PER,B-ORG,I-ORG,B-LOC,I-LOC,B-MISC,I-MISC")
    p.add_argument("--batch-size", type=int, default=128)
    p.add_argument("--lr", type=float, default=5e-4)
    p.add_argument("--epochs", type=int, default=10)
    p.add_argument("--max-grad-norm", type=float, default=1.0)
    p.add_argument("--log-interval", type=int, default=100)
    train(p.parse_args())
