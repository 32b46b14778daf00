"""PatchTST forecasting on ETT/weather windows, with an EMA of the weights; profiled with torch.profiler."""
import argparse

import torch
import torch.nn.functional as F
from torch.profiler import ProfilerActivity, profile, schedule

from ema import EMA
from model import PatchTST, smape
from windows import make_loaders


@torch.no_grad()
def evaluate(model, loader, device):
    errs = []
    for x, y in loader:
        pred = model(x.to(device))
        errs.append(smape(pred, y.to(device)).cpu())
    return torch.stack(errs).mean().item()


def train_step(model, ema, opt, x, y, step, log_every=50):
    pred = model(x)
    loss = F.mse_loss(pred, y)
    opt.zero_grad(set_to_none=True)
    loss.backward()
    opt.step()
    ema.update(model)
    loss_val = loss.item()
    if step % log_every == 0:
        print(f"step {step} loss {loss_val:.4f} smape {smape(pred, y).item():.4f}")
    return loss_val


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--data", default="/data/weather.csv")
    p.add_argument("--epochs", type=int, default=30)
    args = p.parse_args()
    device = torch.device("cuda")
    train_loader, val_loader = make_loaders(args.data, batch_size=64)
    model = PatchTST().to(device)
    ema = EMA(model)
    opt = torch.optim.AdamW(model.parameters(), lr=1e-3, fused=True)
    sched = schedule(wait=5, warmup=2, active=8, repeat=1)
    with profile(activities=[ProfilerActivity.CPU, ProfilerActivity.CUDA], schedule=sched, with_stack=True,
                 on_trace_ready=torch.profiler.tensorboard_trace_handler("./tb")) as prof:
        step = 0
        for epoch in range(args.epochs):
            for x, y in train_loader:
                x, y = x.to(device, non_blocking=True), y.to(device, non_blocking=True)
                train_step(model, ema, opt, x, y, step)
                prof.step()
                step += 1
            print("val smape", evaluate(ema.shadow, val_loader, device))


if __name__ == "__main__":
    main()
