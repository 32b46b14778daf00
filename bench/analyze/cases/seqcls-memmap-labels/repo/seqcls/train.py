import argparse
import math

import torch
import torch.nn.functional as F
from torch.utils.data import DataLoader

from seqcls.data import IGNORE_INDEX, TokenWindowDataset, collate
from seqcls.model import Tagger


def get_args():
    p = argparse.ArgumentParser()
    p.add_argument("--tokens", default="data/train.bin")
    p.add_argument("--labels", default="data/train_tags.json")
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--epochs", type=int, default=3)
    p.add_argument("--log-every", type=int, default=50)
    return p.parse_args()


def main():
    args = get_args()
    device = torch.device("cuda")
    ds = TokenWindowDataset(args.tokens, args.labels)
    loader = DataLoader(ds, batch_size=args.batch_size, shuffle=True, collate_fn=collate)
    model = Tagger(vocab_size=50304, n_tags=17).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, fused=True)
    step = 0
    for epoch in range(args.epochs):
        running = 0.0
        for input_ids, tags in loader:
            input_ids = input_ids.to(device)
            tags = tags.to(device)
            logits = model(input_ids)
            loss = F.cross_entropy(logits.view(-1, logits.size(-1)), tags.view(-1), ignore_index=IGNORE_INDEX)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            running += loss.item()
            step += 1
            if step % args.log_every == 0:
                print(f"epoch {epoch} step {step} loss {running / args.log_every:.4f} ppl {math.exp(loss.item()):.2f}")
                running = 0.0
        torch.save(model.state_dict(), f"tagger_{epoch}.pt")


if __name__ == "__main__":
    main()
