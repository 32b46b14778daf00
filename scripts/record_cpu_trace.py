#!/usr/bin/env python3
"""Record a real torch.profiler trace of a small model training a few steps (CPU; CUDA too when present).

    /usr/bin/python3 scripts/record_cpu_trace.py --out trace.json [--steps 4] [--seed 0]

Each step runs inside record_function ranges (train_step, forward, backward, optimizer_step) and calls
prof.step(), so the trace holds ProfilerStep#N ranges. A torch built with Kineto writes a Kineto chrome
trace (with python_function events from with_stack=True); a torch without Kineto (Debian's python3-torch)
writes the legacy autograd-profiler format, a bare JSON list. A name ending in .gz is gzip-compressed.
"""
import argparse
import gzip
import os
import shutil
import sys
import tempfile


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--out", required=True, help="trace file to write (.json or .json.gz)")
    ap.add_argument("--steps", type=int, default=4, help="profiled training steps (default 4)")
    ap.add_argument("--seed", type=int, default=0)
    a = ap.parse_args()
    if a.steps < 1:
        print("record_cpu_trace.py: --steps must be at least 1", file=sys.stderr)
        return 2
    try:
        import torch
        from torch.profiler import ProfilerActivity, profile, record_function, schedule
    except ImportError:
        print(f"record_cpu_trace.py: PyTorch is not installed for {sys.executable} "
              "(on Debian: apt-get install python3-torch, then run /usr/bin/python3 scripts/record_cpu_trace.py)",
              file=sys.stderr)
        return 2

    torch.manual_seed(a.seed)
    device = "cuda" if torch.cuda.is_available() else "cpu"
    model = torch.nn.Sequential(
        torch.nn.Linear(32, 64), torch.nn.ReLU(), torch.nn.Linear(64, 64), torch.nn.ReLU(), torch.nn.Linear(64, 4),
    ).to(device)
    opt = torch.optim.SGD(model.parameters(), lr=0.01)
    n = 16 * (a.steps + 1)
    data = torch.utils.data.TensorDataset(torch.randn(n, 32), torch.randint(0, 4, (n,)))
    loader = torch.utils.data.DataLoader(data, batch_size=16, num_workers=0)
    loss_fn = torch.nn.CrossEntropyLoss()

    def train_step(x, y):
        with record_function("train_step"):
            x, y = x.to(device), y.to(device)
            with record_function("forward"):
                loss = loss_fn(model(x), y)
            with record_function("backward"):
                opt.zero_grad(set_to_none=True)
                loss.backward()
            with record_function("optimizer_step"):
                opt.step()
            return loss.item()

    out = os.path.abspath(a.out)
    os.makedirs(os.path.dirname(out), exist_ok=True)
    fd, tmp = tempfile.mkstemp(suffix=".json", dir=os.path.dirname(out))
    os.close(fd)
    exported = []

    def on_trace_ready(p):
        p.export_chrome_trace(tmp)
        exported.append(tmp)

    # A schedule makes the profiler wrap every step in a ProfilerStep#N range; one warm-up step is dropped.
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if device == "cuda" else [])
    sched = schedule(wait=0, warmup=1, active=a.steps, repeat=1)
    try:
        with profile(activities=activities, schedule=sched, on_trace_ready=on_trace_ready, with_stack=True) as prof:
            for x, y in loader:
                train_step(x, y)
                prof.step()
        if not exported:
            print("record_cpu_trace.py: the profiler wrote no trace", file=sys.stderr)
            return 1
        if out.endswith(".gz"):
            with open(tmp, "rb") as src, gzip.open(out, "wb", compresslevel=9) as dst:
                shutil.copyfileobj(src, dst)
            os.remove(tmp)
        else:
            os.replace(tmp, out)
    finally:
        if os.path.exists(tmp):
            os.remove(tmp)
    kineto = getattr(torch.autograd, "kineto_available", lambda: False)()
    fmt = "Kineto chrome trace" if kineto else "legacy autograd-profiler trace (torch built without Kineto)"
    print(f"wrote {out}: {fmt}, torch {torch.__version__}, {a.steps} steps on {device}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
