"""torch.profiler around the training loop, for `train.py --profile trace.json`.

The trace is written in the Kineto JSON layout (traceEvents with cat cpu_op / user_annotation, args "Input Dims"
and "Call stack"). PyTorch builds with Kineto write it themselves; builds without it (Debian's python3-torch)
only have the legacy profiler, whose own Chrome export drops shapes and stacks, so those are written here from
the profiler's events. A trace path ending in .gz is gzip-compressed.
"""
import gzip
import json
import os
import socket
from contextlib import nullcontext

import torch
from torch.profiler import ProfilerActivity, profile, record_function, schedule

USER_SCOPE = 7  # torch.autograd.RecordScope.USER_SCOPE: ranges opened by record_function


def make_profiler(path, steps, cuda):
    """A profiler that skips one warm-up step, records `steps` steps and writes them to `path`; or a no-op."""
    if not path:
        return nullcontext()
    activities = [ProfilerActivity.CPU] + ([ProfilerActivity.CUDA] if cuda else [])
    return profile(activities=activities, record_shapes=True, with_stack=True,
                   schedule=schedule(wait=0, warmup=1, active=steps, repeat=1),
                   on_trace_ready=lambda prof: export(prof, path, steps))


def step_range(enabled, it):
    return record_function(f"step {it}") if enabled else nullcontext()


def export(prof, path, steps):
    os.makedirs(os.path.dirname(os.path.abspath(path)), exist_ok=True)
    if torch.autograd.kineto_available() and not path.endswith(".gz"):
        prof.export_chrome_trace(path)
    else:
        write_kineto_json(prof.events(), path)
    print(f"wrote profiler trace of {steps} steps to {path}")


def write_kineto_json(events, path):
    pid = os.getpid()
    out = [{"name": "process_name", "ph": "M", "ts": 0, "pid": pid, "tid": 0, "args": {"name": "python3"}},
           {"name": "process_labels", "ph": "M", "ts": 0, "pid": pid, "tid": 0, "args": {"labels": "CPU"}}]
    threads, step = set(), 0
    for e in sorted(events, key=lambda e: (e.time_range.start, -e.time_range.end)):
        threads.add(e.thread)
        name = e.name
        if name == "ProfilerStep*":  # the legacy profiler's name for the step ranges Kineto calls ProfilerStep#N
            name, step = f"ProfilerStep#{step + 1}", step + 1
        args = {"External id": e.id}
        if e.sequence_nr >= 0:
            args["Sequence number"] = e.sequence_nr
            args["Fwd thread id"] = e.fwd_thread
        if e.input_shapes:
            args["Input Dims"] = e.input_shapes
        if e.stack:
            args["Call stack"] = ";".join(e.stack)
        out.append({"ph": "X", "cat": "user_annotation" if e.scope == USER_SCOPE else "cpu_op", "name": name,
                    "pid": pid, "tid": e.thread, "ts": e.time_range.start,
                    "dur": e.time_range.end - e.time_range.start, "args": args})
    for t in sorted(threads):
        out.append({"name": "thread_name", "ph": "M", "ts": 0, "pid": pid, "tid": t, "args": {"name": f"thread {t}"}})
    doc = {"schemaVersion": 1, "deviceProperties": [], "displayTimeUnit": "ms",
           "traceName": f"{socket.gethostname()}_{pid}", "traceEvents": out}
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as f:
        json.dump(doc, f, separators=(",", ":"))
