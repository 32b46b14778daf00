# Recorded step times of two versions of a bench case, run interleaved (A B, B A, ...), one process per run:
# the CPU time of the whole process between consecutive optimizer steps (first interval dropped as warm-up), and
# for each per-run statistic (median, 25th percentile, minimum) the mean speed-up and the spread of the per-pair
# log ratio. Tells whether a trial left undecided was short of pairs or of signal, and which statistic is steadier.
# Usage: python3 bench/optimize/step-noise.py BASE.py CANDIDATE.py PAIRS OUT.json
import json
import math
import os
import statistics
import subprocess
import sys

RUN = """import contextlib, io, runpy, sys, time, torch
ts = []
def wrap(step):
    def timed(self, *a, **k):
        ts.append(time.process_time())
        return step(self, *a, **k)
    return timed
for cls in (torch.optim.Adam, torch.optim.AdamW, torch.optim.SGD):
    cls.step = wrap(cls.step)
with contextlib.redirect_stdout(io.StringIO()):
    runpy.run_path(sys.argv[1], run_name="__main__")
print(" ".join(str((b - a) * 1e3) for a, b in zip(ts, ts[1:])))
"""


def run(path):
    out = subprocess.run([sys.executable, "-c", RUN, os.path.basename(path)], cwd=os.path.dirname(os.path.abspath(path)),
                         capture_output=True, text=True, check=True).stdout
    return [float(x) for x in out.split()][1:]


def quantile(xs, p):
    s = sorted(xs)
    i = (len(s) - 1) * p
    lo, hi = math.floor(i), math.ceil(i)
    return s[lo] + (s[hi] - s[lo]) * (i - lo)


def main():
    base, cand, pairs, out = sys.argv[1], sys.argv[2], int(sys.argv[3]), sys.argv[4]
    load = os.getloadavg()
    runs = []
    for k in range(pairs):
        order = (base, cand) if k % 2 == 0 else (cand, base)
        r = {p: run(p) for p in order}
        runs.append({"baseMs": r[base], "candidateMs": r[cand]})
    stats = {"median": lambda x: quantile(x, 0.5), "p25": lambda x: quantile(x, 0.25), "min": min}
    table = {}
    for name, f in stats.items():
        lr = [math.log(f(p["baseMs"]) / f(p["candidateMs"])) for p in runs]
        table[name] = {"meanSpeedup": math.exp(statistics.mean(lr)) - 1, "sdLogRatio": statistics.stdev(lr)}
        print(f"{name:7s} speed-up {table[name]['meanSpeedup'] * 100:+.1f}%  sd of per-pair log ratio {table[name]['sdLogRatio']:.3f}")
    with open(out, "w") as fh:
        json.dump({"base": base, "candidate": cand, "pairs": pairs, "loadAverageAtStart": load, "loadAverageAtEnd": os.getloadavg(),
                   "clock": "process CPU time between optimizer steps", "stats": table, "runs": runs}, fh, indent=1)
        fh.write("\n")


main()
