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

USER_SCOPE = 7  # torch.autograd.RecordScope.USER_SCOPE: ranges opened by record_function


class PythonSampler:
    """Samples the main thread's Python stack every SYSIGHT_SAMPLE_US microseconds (default 500) while the
    profiler records, so time spent in pure Python (file opens, per-element loops, numpy) is attributed to
    source lines even where no torch operator runs. Samples become nested "python_function" events named
    "file.py(line): function", the form torch writes with with_stack=True. Only used without Kineto (a Kineto
    build records Python stacks itself)."""

    def __init__(self):
        self.samples = []
        self.stop = threading.Event()
        self.t0_ns = time.perf_counter_ns()
        self.period = max(50, int(os.environ.get("SYSIGHT_SAMPLE_US", "500"))) / 1e6
        self.thread = None

    def start(self):
        main = threading.main_thread().ident
        try:
            sys.setswitchinterval(min(sys.getswitchinterval(), self.period))
        except Exception:
            pass
        self.thread = threading.Thread(target=self._run, args=(main,), daemon=True, name="sysight-sampler")
        self.thread.start()

    def _run(self, main):
        frames, now, samples = sys._current_frames, time.perf_counter_ns, self.samples
        while not self.stop.is_set():
            f = frames().get(main)
            if f is not None:
                stack = []
                while f is not None:
                    stack.append((f.f_code.co_filename, f.f_lineno, f.f_code.co_name))
                    f = f.f_back
                stack.reverse()
                samples.append((now(), tuple(stack)))
            self.stop.wait(self.period)

    def finish(self):
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=2)

    def events(self, pid, tid):
        """Nested python_function events; a frame's identity is (file, line, function), so a line that runs
        long gets its own event. Timestamps in microseconds from the profiler's start."""
        out, open_frames, last = [], [], None
        def close(key, start, end):
            if end > start:
                out.append({"ph": "X", "cat": "python_function", "name": "%s(%d): %s" % key, "pid": pid, "tid": tid,
                            "ts": (start - self.t0_ns) / 1e3, "dur": (end - start) / 1e3})
        for t, stack in self.samples:
            common = 0
            while common < len(open_frames) and common < len(stack) and open_frames[common][0] == stack[common]:
                common += 1
            for key, start in reversed(open_frames[common:]):
                close(key, start, t)
            open_frames = open_frames[:common] + [(stack[i], t) for i in range(common, len(stack))]
            last = t
        for key, start in reversed(open_frames):
            close(key, start, last)
        return out


class StepProfiler:
    def __init__(self, path, steps, skip, warn):
        self.path, self.steps, self.skip, self.warn = path, max(1, steps), max(0, skip), warn
        self.prof = None
        self.range = None
        self.recorded = 0
        self.opened = []  # names of the step ranges, in order
        self.done = False
        self.sampler = None
        atexit.register(self.finish)

    def on_step(self, index):
        """Called after the timed optimizer's step number `index` (0-based) returned."""
        if self.done:
            return
        if self.prof is None:
            if index + 1 < self.skip:
                return
            import torch
            from torch.profiler import ProfilerActivity, profile
            acts = [ProfilerActivity.CPU]
            if torch.cuda.is_available() and torch.cuda.is_initialized():
                acts.append(ProfilerActivity.CUDA)
            self.prof = profile(activities=acts, record_shapes=True, with_stack=True)
            if not torch.autograd.kineto_available() and os.environ.get("SYSIGHT_SAMPLE_US") != "0":
                self.sampler = PythonSampler()
            self.prof.__enter__()
            if self.sampler is not None:
                self.sampler.t0_ns = time.perf_counter_ns()
                self.sampler.start()
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
            if self.sampler is not None:
                self.sampler.finish()
            self.prof.__exit__(None, None, None)
            export(self.prof, self.path, self.opened, partial, self.sampler)
        except Exception as e:
            self.warn("writing the profiler trace", e)


def export(prof, path, step_names=(), drop=None, sampler=None):
    """Writes the trace; the step range named `drop` (unfinished: the run ended mid-iteration) is left out."""
    import torch
    os.makedirs(os.path.dirname(os.path.abspath(path)) or ".", exist_ok=True)
    if not torch.autograd.kineto_available():
        return write_kineto_json(prof.events(), path, step_names, drop, sampler)
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


def write_kineto_json(events, path, step_names=(), drop=None, sampler=None):
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
        out.append({"ph": "X", "cat": "user_annotation" if e.scope == USER_SCOPE else "cpu_op", "name": name,
                    "pid": pid, "tid": e.thread, "ts": e.time_range.start,
                    "dur": e.time_range.end - e.time_range.start, "args": args})
    if sampler is not None:
        main = min(threads) if threads else 0
        for e in out:
            if e.get("cat") == "cpu_op":
                main = e["tid"]
                break
        out.extend(sampler.events(pid, main))
    for t in sorted(threads):
        out.append({"name": "thread_name", "ph": "M", "ts": 0, "pid": pid, "tid": t, "args": {"name": f"thread {t}"}})
    doc = {"schemaVersion": 1, "deviceProperties": [], "displayTimeUnit": "ms",
           "traceName": f"{socket.gethostname()}_{pid}", "traceEvents": out}
    opener = gzip.open if path.endswith(".gz") else open
    with opener(path, "wt", encoding="utf-8") as f:
        json.dump(doc, f, separators=(",", ":"))
