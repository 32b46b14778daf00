import argparse
import time

import torch

from data import make_loader, make_val_loader
from model import TinyGPT


@torch.no_grad()
def evaluate(model, loader, device):
    model.eval()
    total = 0.0
    for x, y in loader:
        x, y = x.to(device), y.to(device)
        _, loss = model(x, y)
        total += loss.item()
    model.train()
    return total / len(loader)


def save_checkpoint(model, opt, step, path):
    state = {k: v.cpu() for k, v in model.state_dict().items()}
    torch.save({"model": state, "opt": opt.state_dict(), "step": step}, path)


def train(args):
    device = torch.device("cuda")
    model = TinyGPT(args.vocab).to(device)
    opt = torch.optim.AdamW(model.parameters(), lr=args.lr, weight_decay=0.1)
    loader = make_loader(args.data, args.seq_len, args.batch_size)
    val_loader = make_val_loader(args.val_data, args.seq_len, args.batch_size)
    step = 0
    torch.cuda.synchronize()
    t0 = time.time()
    for x, y in loader:
        x = x.to(device)
        y = y.to(device)
        _, loss = model(x, y)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), 1.0)
        opt.step()
        running = loss.item()
        step += 1
        if step % args.log_every == 0:
            print(f"step {step} loss {running:.3f}")
        if step % args.eval_every == 0:
            print("val", evaluate(model, val_loader, device))
            save_checkpoint(model, opt, step, f"ckpt_{step}.pt")
        if step >= args.steps:
            break
    torch.cuda.synchronize()
    print(f"{step} steps in {time.time() - t0:.1f}s")


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="train.bin")
    p.add_argument("--val-data", dest="val_data", default="val.bin")
    p.add_argument("--vocab", type=int, default=50304)
    p.add_argument("--seq-len", dest="seq_len", type=int, default=256)
    p.add_argument("--batch-size", dest="batch_size", type=int, default=32)
    p.add_argument("--lr", type=float, default=3e-4)
    p.add_argument("--steps", type=int, default=2000)
    p.add_argument("--log-every", dest="log_every", type=int, default=50)
    p.add_argument("--eval-every", dest="eval_every", type=int, default=1000)
    train(p.parse_args())


if __name__ == "__main__":
    main()
