"""Trains the character-level GPT in model.py on data/train.bin.

    python3 train.py                      # defaults: 50 iterations on the CPU (or CUDA when available)
    python3 train.py --max-iters 200 --n-layer 4 --device cuda
    python3 train.py --profile trace.json # also record a torch.profiler trace of the first steps

Every option can also come from the environment as GPT_<OPTION> (GPT_MAX_ITERS=20, GPT_DEVICE=cpu, ...).
Each iteration logs one line: `iter N: loss X, time Y ms`.
"""
import argparse
import json
import math
import os
import time

import numpy as np
import torch

from model import GPT, GPTConfig
from prepare import DATA_DIR, prepare
from profiling import make_profiler, step_range

OPTIONS = [
    # name, type, default, help
    ("max_iters", int, 50, "training iterations"),
    ("batch_size", int, 16, "sequences per batch"),
    ("block_size", int, 64, "context length in characters"),
    ("n_layer", int, 2, "transformer blocks"),
    ("n_head", int, 4, "attention heads"),
    ("n_embd", int, 64, "embedding width"),
    ("dropout", float, 0.0, "dropout probability"),
    ("learning_rate", float, 1e-3, "AdamW learning rate"),
    ("weight_decay", float, 0.1, "AdamW weight decay"),
    ("grad_clip", float, 1.0, "clip gradients to this norm (0: off)"),
    ("eval_interval", int, 0, "evaluate every N iterations (0: only at the end)"),
    ("eval_iters", int, 10, "batches per evaluation"),
    ("seed", int, 1337, "random seed"),
    ("device", str, "auto", "auto, cpu, cuda or cuda:N"),
    ("out_dir", str, "", "write ckpt.pt here at the end (empty: no checkpoint)"),
    ("profile", str, "", "write a torch.profiler trace (Kineto JSON; .gz compresses) of --profile-steps steps to this file"),
    ("profile_steps", int, 6, "steps recorded by --profile (after one warm-up step)"),
]


def parse_args(argv=None):
    ap = argparse.ArgumentParser(description="Train a small character-level GPT.")
    for name, typ, default, help_ in OPTIONS:
        env = os.environ.get("GPT_" + name.upper())
        ap.add_argument("--" + name.replace("_", "-"), type=typ, default=typ(env) if env is not None else default, help=help_)
    return ap.parse_args(argv)


args = parse_args()
torch.manual_seed(args.seed)
np.random.seed(args.seed)

if args.device == "auto":
    device = "cuda" if torch.cuda.is_available() else "cpu"
else:
    device = args.device
device_type = "cuda" if device.startswith("cuda") else "cpu"

if not os.path.exists(os.path.join(DATA_DIR, "train.bin")):
    prepare(quiet=True)
with open(os.path.join(DATA_DIR, "meta.json"), encoding="utf-8") as f:
    meta = json.load(f)


def get_batch(split):
    tokens = np.memmap(os.path.join(DATA_DIR, f"{split}.bin"), dtype=np.uint16, mode="r")
    starts = torch.randint(len(tokens) - args.block_size, (args.batch_size,))
    x = torch.zeros((args.batch_size, args.block_size), dtype=torch.long)
    y = torch.zeros((args.batch_size, args.block_size), dtype=torch.long)
    for b, start in enumerate(starts):
        for t in range(args.block_size):
            x[b, t] = int(tokens[start + t])
            y[b, t] = int(tokens[start + t + 1])
    x = x.to(device)
    y = y.to(device)
    return x, y


@torch.no_grad()
def estimate_loss(model):
    model.eval()
    out = {}
    for split in ("train", "val"):
        losses = torch.zeros(args.eval_iters)
        for k in range(args.eval_iters):
            x, y = get_batch(split)
            _, loss = model(x, y)
            losses[k] = loss.item()
        out[split] = losses.mean().item()
    model.train()
    return out


config = GPTConfig(vocab_size=meta["vocab_size"], block_size=args.block_size, n_layer=args.n_layer,
                   n_head=args.n_head, n_embd=args.n_embd, dropout=args.dropout)
model = GPT(config).to(device)
optimizer = torch.optim.AdamW(model.parameters(), lr=args.learning_rate, weight_decay=args.weight_decay,
                              betas=(0.9, 0.95))
print(f"device {device}, {model.num_params() / 1e6:.3f}M parameters, vocabulary {meta['vocab_size']}")



model.train()
with make_profiler(args.profile, args.profile_steps, device_type == "cuda") as prof:
    for it in range(args.max_iters):
        t0 = time.perf_counter()
        with step_range(bool(args.profile), it):
            x, y = get_batch("train")
            _, loss = model(x, y)
            if math.isnan(loss.item()):
                print(f"iter {it}: loss is NaN, stopping")
                break
            optimizer.zero_grad()
            loss.backward()
            if args.grad_clip > 0:
                torch.nn.utils.clip_grad_norm_(model.parameters(), args.grad_clip)
            optimizer.step()
            lossf = loss.item()
        dt = time.perf_counter() - t0
        print(f"iter {it}: loss {lossf:.4f}, time {dt * 1000:.2f} ms", flush=True)
        if prof is not None:
            prof.step()
        if args.eval_interval > 0 and (it + 1) % args.eval_interval == 0 and it + 1 < args.max_iters:
            losses = estimate_loss(model)
            print(f"eval at iter {it + 1}: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}")

losses = estimate_loss(model)
print(f"final: train loss {losses['train']:.4f}, val loss {losses['val']:.4f}")
if args.out_dir:
    os.makedirs(args.out_dir, exist_ok=True)
    torch.save({"model": model.state_dict(), "config": config.__dict__, "iter": args.max_iters},
               os.path.join(args.out_dir, "ckpt.pt"))
