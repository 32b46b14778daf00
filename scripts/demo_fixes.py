#!/usr/bin/env python3
"""Hand-written fixes of the demo workload (examples/nanogpt), for people and for the optimize benchmark.

Each fix is an exact (old -> new) text replacement in one file of the example. This script applies any set of
them to a temporary copy of the example and measures it, or writes each fix as a unified diff:

    /usr/bin/python3 scripts/demo_fixes.py measure --runs 5 --iters 50   # median ms/iter: baseline, each fix, all
    /usr/bin/python3 scripts/demo_fixes.py diffs OUT_DIR                 # one .diff per fix, against the example

`measure` runs the variants interleaved (baseline, fix 1, ..., all, baseline, ...), drops the first --warmup
iterations of every run, takes the median iteration time of each run and the median over runs, and checks that
every variant prints exactly the baseline's losses (the fixes must not change the numerics).
"""
import argparse
import difflib
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
EXAMPLE = os.path.join(ROOT, "examples", "nanogpt")

FIXES = [
    ("open-data-once", "train.py", "C7: the token file is opened by np.memmap in every get_batch call",
     [('def get_batch(split):\n    tokens = np.memmap(os.path.join(DATA_DIR, f"{split}.bin"), dtype=np.uint16, mode="r")\n',
       'TOKENS = {s: np.memmap(os.path.join(DATA_DIR, f"{s}.bin"), dtype=np.uint16, mode="r") for s in ("train", "val")}\n\n\n'
       'def get_batch(split):\n    tokens = TOKENS[split]\n')]),
    ("vectorized-batch", "train.py", "C7: the batch is assembled element by element in a Python loop",
     [('''    x = torch.zeros((args.batch_size, args.block_size), dtype=torch.long)
    y = torch.zeros((args.batch_size, args.block_size), dtype=torch.long)
    for b, start in enumerate(starts):
        for t in range(args.block_size):
            x[b, t] = int(tokens[start + t])
            y[b, t] = int(tokens[start + t + 1])
''', '''    idx = starts.numpy()[:, None] + np.arange(args.block_size)
    x = torch.from_numpy(tokens[idx].astype(np.int64))
    y = torch.from_numpy(tokens[idx + 1].astype(np.int64))
''')]),
    ("causal-mask-buffer", "model.py", "C5: the causal mask is rebuilt (ones, tril, == 0) in every attention forward",
     [('''        self.resid_drop = nn.Dropout(config.dropout)
''', '''        self.resid_drop = nn.Dropout(config.dropout)
        future = torch.ones(config.block_size, config.block_size, dtype=torch.bool).triu(diagonal=1)
        self.register_buffer("future", future.view(1, 1, config.block_size, config.block_size), persistent=False)
'''), ('''        mask = torch.tril(torch.ones(T, T, device=x.device)).view(1, 1, T, T)
        att = att.masked_fill(mask == 0, float("-inf"))
''', '''        att = att.masked_fill(self.future[:, :, :T, :T], float("-inf"))
''')]),
    ("position-buffer", "model.py", "C5: the position index tensor is rebuilt by torch.arange in every forward",
     [('''        self.lm_head.weight = self.wte.weight
''', '''        self.lm_head.weight = self.wte.weight
        self.register_buffer("pos", torch.arange(config.block_size, dtype=torch.long), persistent=False)
'''), ('''        pos = torch.arange(0, t, dtype=torch.long, device=device)
''', '''        pos = self.pos[:t]
''')]),
    ("pinned-async-copy", "train.py", "C4: host-to-device copies of pageable memory, synchronous (CUDA only; no-op on CPU)",
     [('''    x = x.to(device)
    y = y.to(device)
''', '''    if device_type == "cuda":
        x = x.pin_memory().to(device, non_blocking=True)
        y = y.pin_memory().to(device, non_blocking=True)
''')]),
]

ITER_RE = re.compile(r"^iter (\d+): loss ([0-9.naninf]+), time ([0-9.]+) ms", re.M)


def apply(dst, names):
    """Copies the example to dst and applies the named fixes in catalogue order."""
    shutil.copytree(EXAMPLE, dst, ignore=shutil.ignore_patterns("__pycache__", "*.bin", "meta.json", "profiles"))
    for name, fname, _, edits in FIXES:
        if name not in names:
            continue
        path = os.path.join(dst, fname)
        with open(path, encoding="utf-8") as f:
            text = f.read()
        for old, new in edits:
            if text.count(old) != 1:
                raise SystemExit(f"fix {name}: its anchor is not found exactly once in {fname}")
            text = text.replace(old, new)
        with open(path, "w", encoding="utf-8") as f:
            f.write(text)


SHIM = os.path.join(ROOT, "src", "sandbox", "shim")


def run(workdir, iters, python, extra, clock):
    env = dict(os.environ)
    timing = os.path.join(workdir, "timing.txt")
    if clock == "cpu":  # CPU time per step from Sysight's timing shim: steadier than wall time on a busy machine
        if os.path.exists(timing):
            os.remove(timing)
        env.update(PYTHONPATH=SHIM, SYSIGHT_TIMING_FILE=timing)
    out = subprocess.run([python, "train.py", "--max-iters", str(iters)] + extra, cwd=workdir, env=env,
                         capture_output=True, text=True, check=False)
    if out.returncode != 0:
        raise SystemExit(f"train.py failed in {workdir}:\n{out.stderr[-2000:]}")
    rows = ITER_RE.findall(out.stdout)
    times = [float(r[2]) for r in rows]
    if clock == "cpu":
        with open(timing, encoding="utf-8") as f:
            cpu = [int(line.split()[2]) for line in f if line.strip()]
        times = [(b - a) / 1e6 for a, b in zip(cpu, cpu[1:])]
    return [r[1] for r in rows], times


def measure(a):
    names = [f[0] for f in FIXES if f[0] not in a.skip]
    variants = [("baseline", [])] + ([] if a.all_only else [(n, [n]) for n in names]) + [("all fixes", names)]
    tmp = tempfile.mkdtemp(prefix="sysight-demo-fixes-")
    try:
        dirs = {}
        for i, (label, fixes) in enumerate(variants):
            dirs[label] = os.path.join(tmp, f"v{i}")
            apply(dirs[label], fixes)
        subprocess.run([a.python, "prepare.py"], cwd=dirs["baseline"], check=True, capture_output=True)
        for label in dirs:
            if label != "baseline":
                for f in ("train.bin", "val.bin", "meta.json"):
                    shutil.copy(os.path.join(dirs["baseline"], "data", f), os.path.join(dirs[label], "data", f))
        med = {label: [] for label, _ in variants}
        losses = {}
        for r in range(a.runs):
            for label, _ in variants:
                ls, ts = run(dirs[label], a.iters, a.python, a.extra, a.clock)
                losses.setdefault(label, ls)
                if ls != losses[label]:
                    raise SystemExit(f"{label}: losses differ between runs (not deterministic)")
                med[label].append(statistics.median(ts[a.warmup:]))
            print(f"run {r + 1}/{a.runs}: " + ", ".join(f"{k} {v[-1]:.2f}" for k, v in med.items()), file=sys.stderr)
        base = statistics.median(med["baseline"])
        print(f"{'variant':<22} {a.clock + ' ms/iter (median of ' + str(a.runs) + ')':>29} {'time saved':>11} {'losses':>10}")
        for label, _ in variants:
            m = statistics.median(med[label])
            same = "identical" if losses[label] == losses["baseline"] else "DIFFERENT"
            print(f"{label:<22} {m:>29.2f} {100 * (base - m) / base:>10.1f}% {same:>10}")
        if any(losses[l] != losses["baseline"] for l in losses):
            sys.exit(1)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def diff_of(names, header):
    tmp = tempfile.mkdtemp(prefix="sysight-demo-fix-")
    try:
        apply(os.path.join(tmp, "x"), names)
        out = [f"# {header}\n"]
        for fname in sorted({f[1] for f in FIXES if f[0] in names}):
            with open(os.path.join(EXAMPLE, fname), encoding="utf-8") as f:
                before = f.readlines()
            with open(os.path.join(tmp, "x", fname), encoding="utf-8") as f:
                after = f.readlines()
            out += difflib.unified_diff(before, after, f"a/examples/nanogpt/{fname}", f"b/examples/nanogpt/{fname}")
        return "".join(out)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)


def diffs(a):
    os.makedirs(a.out, exist_ok=True)
    for i, (name, _, why, _) in enumerate(FIXES, 1):
        with open(os.path.join(a.out, f"{i:02d}-{name}.diff"), "w", encoding="utf-8") as f:
            f.write(diff_of([name], why))
    with open(os.path.join(a.out, "all-fixes.diff"), "w", encoding="utf-8") as f:
        f.write(diff_of([n for n, *_ in FIXES], "all fixes above together"))
    print(f"wrote {len(FIXES)} diffs and all-fixes.diff to {a.out}")


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    sub = ap.add_subparsers(dest="cmd", required=True)
    m = sub.add_parser("measure", help="median ms/iter of the baseline, each fix alone and all fixes")
    m.add_argument("--runs", type=int, default=5)
    m.add_argument("--iters", type=int, default=50)
    m.add_argument("--warmup", type=int, default=5, help="iterations dropped at the start of every run")
    m.add_argument("--clock", choices=["wall", "cpu"], default="wall",
                   help="wall: the time each iteration logs; cpu: process CPU time per step, from the timing shim")
    m.add_argument("--python", default=os.environ.get("SYSIGHT_PYTHON", "/usr/bin/python3"))
    m.add_argument("--all-only", action="store_true", help="measure only the baseline and all fixes together")
    m.add_argument("--skip", nargs="*", default=["pinned-async-copy"], help="fixes left out (default: the CUDA-only one)")
    m.add_argument("extra", nargs="*", help="more train.py options, after --")
    d = sub.add_parser("diffs", help="write one unified diff per fix")
    d.add_argument("out")
    a = ap.parse_args()
    measure(a) if a.cmd == "measure" else diffs(a)


if __name__ == "__main__":
    main()
