"""torch.profiler driven by optimizer steps, for the timing shim (SYSIGHT_PROFILE_FILE). Imported only when asked.

The recording starts when step `skip` returns and covers `steps` iterations, each a "ProfilerStep#N" range from
one step's end to the next (data loading, forward, backward, step: one whole iteration). The trace is written in
the Kineto JSON layout: by torch itself when it has Kineto, else from the legacy profiler's events (with input
shapes and "Call stack", innermost frame first). A path ending in .gz is gzip-compressed.
"""
import atexit
import gzip
import json
import os
import shutil
import socket
import sys
import threading
import time

from sysight_python import SAMPLED_THREAD, LineTracer, PythonSampler

USER_SCOPE = 7  # torch.autograd.RecordScope.USER_SCOPE: ranges opened by record_function


class StepProfiler:
    def __init__(self, path, steps, skip, warn):
        self.path, self.steps, self.skip, self.warn = path, max(1, steps), max(0, skip), warn
        self.prof = None
        self.range = None
        self.recorded = 0
        self.opened = []  # names of the step ranges, in order
        self.done = False
        self.sampler = None
        self.tracer = None
        self.last_step_ns = None  # when the previous warm-up step returned: how long a step takes
        atexit.register(self.finish)

    def on_step(self, index):
        """Called after the timed optimizer's step number `index` (0-based) returned."""
        if self.done:
            return
        if self.prof is None:
            now, last = time.perf_counter_ns(), self.last_step_ns
            self.last_step_ns = now
            if index + 1 < self.skip:
                return
            import torch
            from torch.profiler import ProfilerActivity, profile
            acts = [ProfilerActivity.CPU]
            if torch.cuda.is_available() and torch.cuda.is_initialized():
                acts.append(ProfilerActivity.CUDA)
            self.prof = profile(activities=acts, record_shapes=True, with_stack=True)
            if not torch.autograd.kineto_available() and os.environ.get("SYSIGHT_SAMPLE_US") != "0":
                # without Kineto, Python lines are timed here: calls traced, the time between them sampled
                # without Kineto, the repo's Python lines are timed here (sysight_python)
                self.tracer = LineTracer(os.environ.get("SYSIGHT_REPO_ROOT") or os.getcwd())
            self.prof.__enter__()
            if self.tracer is not None:
                t0 = time.perf_counter_ns()
                if not self.tracer.start(t0):
                    # the trace slot is taken (a debugger, coverage): sample instead
                    self.tracer = None
                    self.sampler = PythonSampler()
                    self.sampler.start(t0)
        else:
            self._close_range()
            self.recorded += 1
            if self.recorded >= self.steps:
                self.finish()
                return
        from torch.autograd.profiler import record_function
        self.opened.append(f"ProfilerStep#{index + 1}")
        self.range = record_function(self.opened[-1])
        self.range.__enter__()

    def _close_range(self):
        """Ends the open step range; returns its name."""
        if self.range is None:
            return None
        r, self.range = self.range, None
        r.__exit__(None, None, None)
        return r.name

    def finish(self):
        """Stops and writes the trace. A step range still open (the run ended mid-iteration) is left out."""
        if self.done or self.prof is None:
            self.done = True
            return
        self.done = True
        try:
            partial = self._close_range()
            if self.tracer is not None:
                self.tracer.finish()
            if self.sampler is not None:
                self.sampler.finish()
            self.prof.__exit__(None, None, None)
            export(self.prof, self.path, self.opened, partial, self.sampler, self.tracer)
        except Exception as e:
            self.warn("writing the profiler trace", e)


def export(prof, path, step_names=(), drop=None, sampler=None, tracer=None):
    """Writes the trace; the step range named `drop` (unfinished: the run ended mid-iteration) is left out."""
    import torch
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    if not torch.autograd.kineto_available():
        return write_kineto_json(prof.events(), path, step_names, drop, sampler, tracer)
    plain = path[:-3] if path.endswith(".gz") else path
    prof.export_chrome_trace(plain)
    if drop is not None:
        with open(plain, encoding="utf-8") as f:
            doc = json.load(f)
        doc["traceEvents"] = [e for e in doc.get("traceEvents", []) if e.get("name") != drop]
        with open(plain, "w", encoding="utf-8") as f:
            json.dump(doc, f)
    if plain != path:
        with open(plain, "rb") as src, gzip.open(path, "wb") as dst:
            shutil.copyfileobj(src, dst)
        os.remove(plain)


def write_kineto_json(events, path, step_names=(), drop=None, sampler=None, tracer=None):
    """The legacy profiler's events in Kineto's layout. It renames every "ProfilerStep#N" range to
    "ProfilerStep*"; the k-th such range (in time order) gets back step_names[k], or ProfilerStep#k+1."""
    pid = os.getpid()
    out = [{"name": "process_name", "ph": "M", "ts": 0, "pid": pid, "tid": 0, "args": {"name": "python3"}},
           {"name": "process_labels", "ph": "M", "ts": 0, "pid": pid, "tid": 0, "args": {"labels": "CPU"}}]
    threads, step = set(), 0
    for e in sorted(events, key=lambda e: (e.time_range.start, -e.time_range.end)):
        threads.add(e.thread)
        name = e.name
        if name == "ProfilerStep*":
            name = step_names[step] if step < len(step_names) else f"ProfilerStep#{step + 1}"
            step += 1
            if name == drop:
                continue
        args = {"External id": e.id}
        if e.sequence_nr >= 0:
            args["Sequence number"] = e.sequence_nr
            args["Fwd thread id"] = e.fwd_thread
        if e.input_shapes:
            args["Input Dims"] = e.input_shapes
        if e.stack:
            args["Call stack"] = ";".join(e.stack)
        start, end = e.time_range.start, e.time_range.end
        if tracer is not None:
            # the tracer's own time is taken out of the timeline (sysight_python.LineTracer)
            start, end = tracer.untraced_us(start), tracer.untraced_us(end)
        out.append({"ph": "X", "cat": "user_annotation" if e.scope == USER_SCOPE else "cpu_op", "name": name,
                    "pid": pid, "tid": e.thread, "ts": start, "dur": end - start, "args": args})
    main = min(threads) if threads else 0
    for e in out:
        if e.get("cat") == "cpu_op":
            main = e["tid"]
            break
    if tracer is not None:
        out.extend(tracer.events(pid, main))
    if sampler is not None:
        out.extend(sampler.events(pid, main))
    for t in sorted(threads):
        # the main thread's name says when its Python frames are samples (the analyzer then trusts their mean only)
        name = SAMPLED_THREAD % (t, sampler.mean_period_us()) if sampler is not None and t == main else f"thread {t}"
        out.append({"name": "thread_name", "ph": "M", "ts": 0, "pid": pid, "tid": t, "args": {"name": name}})
    doc = {"schemaVersion": 1, "deviceProperties": [], "displayTimeUnit": "ms",
           "traceName": f"{socket.gethostname()}_{pid}", "traceEvents": out}
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as f:
        json.dump(doc, f, separators=(",", ":"))
