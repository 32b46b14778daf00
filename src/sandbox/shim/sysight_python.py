"""Python-level timing for the shim's recordings on torch builds without Kineto (imported by sysight_trace).

LineTracer times every line the repository's own code runs, with sys.settrace: a repo frame's line runs from
its 'line' event to the next one (or the frame's return), and that span holds everything the line called. A
line's cost is then a measured duration and its count an exact count, the same on every recording up to the
machine's own variation (docs/analysis.md, "The same answer on every recording"). A sampler cannot give that
here: a sampling thread reads the main thread's stack only when the main thread lets go of the GIL, so it waits
out every long C call (a JSON parse, say), phase-locks to it, and never sees the short lines between.

Only repo frames get line events (other frames' calls cost one quick check each; a comprehension's elements none,
its line in the frame that runs it holds it); the tracer's own time is taken out of the timeline. What it cannot
take out (entering the hook: about a microsecond per event) still lengthens lines that run many tiny Python calls
or loop iterations per step. It uses the trace slot, not the profile slot that torch's profiler uses for its Python
stacks. When something else holds the trace slot (a debugger, coverage), PythonSampler samples instead: its
waits are jittered so that it cannot phase-lock to a loop, and the main thread's name in the trace says that its
Python frames are sampled.

Both write python_function events named "file.py(line): function", the form torch writes with with_stack=True.
"""
import bisect
import os
import random
import sys
import threading
import time

SAMPLED_THREAD = "thread %s (python frames sampled every %.1f us)"


def _repo_test(root):
    root = os.path.realpath(root) + os.sep
    shim = os.path.dirname(os.path.abspath(__file__)) + os.sep
    cache = {}

    def is_repo(filename):
        r = cache.get(filename)
        if r is None:
            # "<frozen posixpath>", "<string>", "<__array_function__ internals>": not a file of the repo
            path = filename if os.path.isabs(filename) else os.path.join(os.getcwd(), filename)
            r = not filename.startswith("<") and os.path.isfile(path)
            if r:
                path = os.path.realpath(path)
                r = (path.startswith(root) and not path.startswith(shim) and "/site-packages/" not in path
                     and "/dist-packages/" not in path and os.sep + ".venv" + os.sep not in path)
            cache[filename] = r
        return r
    return is_repo


class LineTracer:
    """Times the lines of repo frames (and every DataLoader `__next__`) on the main thread.

    A line that runs again right after itself in the same frame (a one-line loop or comprehension) extends its
    record; a line that comes back after others within MERGE_NS (a loop body of several lines) adds to its record,
    whose event then has the summed time of its runs, placed at its first run."""

    MAX_RECORDS = 200000  # past this, new lines are no longer recorded
    MERGE_NS = 50000

    def __init__(self, root):
        self.is_repo = _repo_test(root)
        # [start_ns, end_ns, code, line, frame id, runs, summed_ns, contiguous]
        self.records = []
        self.marks = []  # (raw perf_counter ns, hook time so far): every 20 µs of hook time
        self.t0_ns = time.perf_counter_ns()
        self.installed = False
        self._make()

    def _make(self):
        now, records, marks, is_repo = time.perf_counter_ns, self.records, self.marks, self.is_repo
        limit, merge = self.MAX_RECORDS, self.MERGE_NS
        loader = os.path.join("torch", "utils", "data", "dataloader.py")
        cost = [0, 0]  # hook time so far, and at the last mark
        current = {}  # frame id -> [line, start] of the line running now
        last = {}  # (frame id, line) -> its record
        closed = [None]  # the record closed last

        def close(fid, code, line, start, end):
            rec = last.get((fid, line))
            if rec is not None and rec[2] is code and start - rec[1] < merge:
                if closed[0] is not rec:
                    rec[7] = False  # other lines ran since: its event gets the summed time
                rec[1] = end
                rec[5] += 1
                rec[6] += end - start
                closed[0] = rec
                return
            if len(records) < limit:
                rec = [start, end, code, line, fid, 1, end - start, True]
                records.append(rec)
                last[(fid, line)] = rec
                closed[0] = rec

        def local(frame, event, arg):
            t_in = now()
            t = t_in - cost[0]
            fid = id(frame)
            cur = current.get(fid)
            if cur is not None:
                close(fid, frame.f_code, cur[0], cur[1], t)
            if event == "line":
                current[fid] = [frame.f_lineno, t]
            elif event == "return":
                current.pop(fid, None)
            t_out = now()
            c = cost[0] + (t_out - t_in)
            cost[0] = c
            if c - cost[1] >= 20000:
                marks.append((t_out, c))
                cost[1] = c
            return local

        def loader_return(frame, event, arg):
            if event == "return":
                t = now() - cost[0]
                start = current.pop(id(frame), None)
                if start is not None and len(records) < limit:
                    records.append([start[1], t, frame.f_code, frame.f_code.co_firstlineno, id(frame), 1, t - start[1], True])
            return loader_return

        comprehension = {"<listcomp>", "<genexpr>", "<dictcomp>", "<setcomp>"}

        def on_call(frame, event, arg):
            code = frame.f_code
            if is_repo(code.co_filename):
                # a comprehension's time is its line's in the frame that runs it: line events per element would
                # only add the tracer's cost to it
                return None if code.co_name in comprehension else local
            if code.co_name == "__next__" and code.co_filename.endswith(loader):
                frame.f_trace_lines = False
                current[id(frame)] = [code.co_firstlineno, now() - cost[0]]
                return loader_return
            return None

        self.on_call = on_call
        self.local = local
        self.current = current

    def start(self, t0_ns):
        """Starts tracing unless the trace slot is taken; `t0_ns` (perf_counter) is time 0 of the trace."""
        if sys.gettrace() is not None:
            return False
        self.t0_ns = t0_ns
        # the repo frames already running (the training loop that called the optimizer's step) get line events
        # too: settrace alone reaches only frames entered after it
        f = sys._getframe(1)
        while f is not None:
            if self.is_repo(f.f_code.co_filename):
                f.f_trace = self.local
                self.current[id(f)] = [f.f_lineno, t0_ns]
            f = f.f_back
        sys.settrace(self.on_call)
        self.installed = True
        return True

    def finish(self):
        if self.installed:
            sys.settrace(None)
            f = sys._getframe(1)
            while f is not None:
                if f.f_trace is self.local:
                    f.f_trace = None
                f = f.f_back

    def truncated(self):
        return len(self.records) >= self.MAX_RECORDS

    def removed_ns(self, t):
        """The tracer's own time before raw perf_counter time `t` (ns), as of the last mark."""
        i = bisect.bisect_right(self.marks, (t, float("inf"))) - 1
        return self.marks[i][1] if i >= 0 else 0

    def untraced_us(self, us):
        """A profiler timestamp (µs from the trace's start) with the tracer's time before it taken out."""
        return us - self.removed_ns(self.t0_ns + us * 1e3) / 1e3

    def events(self, pid, tid):
        out, t0 = [], self.t0_ns
        for s, e, code, line, _, runs, summed, contiguous in self.records:
            dur = (e - s) if contiguous else summed
            if dur > 0:
                out.append({"ph": "X", "cat": "python_function", "name": "%s(%d): %s" % (code.co_filename, line, code.co_name),
                            "pid": pid, "tid": tid, "ts": (s - t0) / 1e3, "dur": dur / 1e3, "args": {"runs": runs}})
        return out


class PythonSampler:
    """Samples the main thread's Python stack while the profiler records, when the tracer cannot run. The wait
    between samples is jittered (0.5–1.5 × the period) so that it cannot phase-lock to a loop; the switch interval
    is lowered while it samples so that a sample asked for during Python code is taken within ~20 µs; a sample's
    stack is given the time since the previous sample (a sample delayed by a call that held the GIL is taken when
    that call ends: the wait was that call's). The period is SYSIGHT_SAMPLE_US microseconds (default 500)."""

    def __init__(self):
        self.samples = []
        self.stop = threading.Event()
        self.t0_ns = time.perf_counter_ns()
        self.period = max(50, int(os.environ.get("SYSIGHT_SAMPLE_US", "500"))) / 1e6
        self.thread = None
        self.switch = None

    def start(self, t0_ns):
        main = threading.main_thread().ident
        try:
            self.switch = sys.getswitchinterval()
            sys.setswitchinterval(min(self.switch, 2e-5))
        except Exception:
            self.switch = None
        self.t0_ns = t0_ns
        self.thread = threading.Thread(target=self._run, args=(main,), daemon=True, name="sysight-sampler")
        self.thread.start()

    def _run(self, main):
        frames, now, samples, wait, period = sys._current_frames, time.perf_counter_ns, self.samples, self.stop.wait, self.period
        rand = random.Random(time.perf_counter_ns()).random
        while not self.stop.is_set():
            f = frames().get(main)
            if f is not None:
                stack = []
                while f is not None:
                    stack.append((f.f_code.co_filename, f.f_lineno, f.f_code.co_name))
                    f = f.f_back
                stack.reverse()
                samples.append((now(), tuple(stack)))
            wait(period * (0.5 + rand()))

    def finish(self):
        self.stop.set()
        if self.thread is not None:
            self.thread.join(timeout=2)
        if self.switch is not None:
            try:
                sys.setswitchinterval(self.switch)
            except Exception:
                pass

    def mean_period_us(self):
        n = len(self.samples)
        return (self.samples[-1][0] - self.t0_ns) / n / 1e3 if n else self.period * 1e6

    def events(self, pid, tid):
        """Nested python_function events; a frame's identity is (file, line, function). A sample's stack covers
        the time since the previous sample (the first: since the sampler started)."""
        out, open_frames, prev = [], [], self.t0_ns

        def close(key, start, end):
            if end > start:
                out.append({"ph": "X", "cat": "python_function", "name": "%s(%d): %s" % key, "pid": pid, "tid": tid,
                            "ts": (start - self.t0_ns) / 1e3, "dur": (end - start) / 1e3})
        for t, stack in self.samples:
            common = 0
            while common < len(open_frames) and common < len(stack) and open_frames[common][0] == stack[common]:
                common += 1
            for key, start in reversed(open_frames[common:]):
                close(key, start, prev)
            open_frames = open_frames[:common] + [(stack[i], prev) for i in range(common, len(stack))]
            prev = t
        for key, start in reversed(open_frames):
            close(key, start, prev)
        return out
