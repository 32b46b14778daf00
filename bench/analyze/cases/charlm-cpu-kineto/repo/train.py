"""Character-level language model on CPU (makemore-style): a small GRU over 64-character windows."""
import argparse
import logging

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

log = logging.getLogger("charlm")


class CharGRU(nn.Module):
    def __init__(self, vocab_size, n_embd=64, n_hidden=256):
        super().__init__()
        self.wte = nn.Embedding(vocab_size, n_embd)
        self.rnn = nn.GRU(n_embd, n_hidden, batch_first=True)
        self.lm_head = nn.Linear(n_hidden, vocab_size)

    def forward(self, idx):
        h, _ = self.rnn(self.wte(idx))
        return self.lm_head(h)


def load_corpus(path):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    chars = sorted(set(text))
    stoi = {ch: i for i, ch in enumerate(chars)}
    data = np.array([stoi[c] for c in text], dtype=np.int64)
    return data, chars


def get_batch(data, block_size, batch_size):
    ix = np.random.randint(0, len(data) - block_size - 1, size=batch_size)
    x = torch.tensor([data[i:i + block_size].tolist() for i in ix])
    y = torch.tensor([data[i + 1:i + 1 + block_size].tolist() for i in ix])
    return x, y


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--input", default="names.txt")
    p.add_argument("--block-size", type=int, default=64)
    p.add_argument("--batch-size", type=int, default=32)
    p.add_argument("--max-steps", type=int, default=5000)
    p.add_argument("--eval-every", type=int, default=500)
    args = p.parse_args()
    logging.basicConfig(level=logging.INFO)
    torch.manual_seed(1337)
    data, chars = load_corpus(args.input)
    model = CharGRU(len(chars))
    optimizer = torch.optim.AdamW(model.parameters(), lr=5e-3, weight_decay=0.01)
    lossi = []
    for step in range(args.max_steps):
        x, y = get_batch(data, args.block_size, args.batch_size)
        logits = model(x)
        loss = F.cross_entropy(logits.view(-1, logits.size(-1)), y.view(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        optimizer.step()
        lossi.append(loss.item())
        log.debug(f"step {step} loss {loss.item():.4f} logits {logits[0, -1]}")
        if step % args.eval_every == 0:
            log.info("step %d train loss %.4f", step, sum(lossi[-100:]) / len(lossi[-100:]))


if __name__ == "__main__":
    main()
