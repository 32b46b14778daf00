"""Sysight's in-process profiler, loaded by the timing shim when SYSIGHT_PROFILE_OUT is set.

Writes a PyTorch-profiler (Kineto-format) chrome trace of a window of training steps:
- torch operators from torch.profiler (Kineto builds: CPU+CUDA activities and Python stacks) or,
  on builds without Kineto (Debian's CPU torch), from the legacy autograd profiler;
- Python stacks from a sampling thread (sys._current_frames of the main thread), written as nested
  `python_function` events named "file.py(line): function", so time is attributed to source lines
  even where the torch build records no stacks;
- one `ProfilerStep#N` user annotation per optimizer step.

Environment: SYSIGHT_PROFILE_OUT (path), SYSIGHT_PROFILE_SKIP (steps before the window, default 2),
SYSIGHT_PROFILE_STEPS (steps in the window, default 5), SYSIGHT_SAMPLE_US (sampling period, default 500).
It never raises into the workload: any failure is reported on stderr and profiling stops.
"""
import json
import os
import sys
import threading
import time

_state = {
    "step": 0,
    "active": False,
    "done": False,
    "prof": None,
    "kineto": False,
    "t0_ns": 0,
    "samples": [],
    "step_marks": [],
    "thread": None,
    "stop": None,
}


def _log(msg):
    sys.stderr.write("sysight-profiler: %s\n" % msg)


def _sampler(main_ident, period_s, stop):
    samples = _state["samples"]
    getframes = sys._current_frames
    now = time.perf_counter_ns
    while not stop.is_set():
        frame = getframes().get(main_ident)
        if frame is not None:
            stack = []
            while frame is not None:
                code = frame.f_code
                stack.append((code.co_filename, frame.f_lineno, code.co_name))
                frame = frame.f_back
            stack.reverse()
            samples.append((now(), tuple(stack)))
        stop.wait(period_s)


def _start():
    import torch

    _state["t0_ns"] = time.perf_counter_ns()
    try:
        kineto = bool(getattr(torch.autograd, "kineto_available", lambda: False)())
    except Exception:
        kineto = False
    _state["kineto"] = kineto
    if kineto:
        from torch.profiler import ProfilerActivity, profile

        acts = [ProfilerActivity.CPU]
        if torch.cuda.is_available():
            acts.append(ProfilerActivity.CUDA)
        prof = profile(activities=acts, with_stack=True, record_shapes=False)
    else:
        prof = torch.autograd.profiler.profile(record_shapes=False)
    prof.__enter__()
    _state["prof"] = prof
    stop = threading.Event()
    period = max(50, int(os.environ.get("SYSIGHT_SAMPLE_US", "500"))) / 1e6
    try:
        sys.setswitchinterval(min(sys.getswitchinterval(), period))
    except Exception:
        pass
    t = threading.Thread(target=_sampler, args=(threading.main_thread().ident, period, stop), daemon=True)
    _state["thread"], _state["stop"] = t, stop
    t.start()
    _state["active"] = True
    _state["step_marks"].append(time.perf_counter_ns())


def _python_events(pid, tid):
    """Nested python_function events from consecutive samples; a frame is (file, function, line)."""
    samples = _state["samples"]
    events = []
    t0 = _state["t0_ns"]
    open_frames = []  # list of (key, start_ns)
    last_t = None
    for t, stack in samples:
        common = 0
        while common < len(open_frames) and common < len(stack) and open_frames[common][0] == stack[common]:
            common += 1
        for key, start in reversed(open_frames[common:]):
            events.append((key, start, t))
        open_frames = open_frames[:common] + [(stack[i], t) for i in range(common, len(stack))]
        last_t = t
    if last_t is not None:
        for key, start in reversed(open_frames):
            events.append((key, start, last_t))
    out = []
    for (fname, line, func), start, end in events:
        if end <= start:
            continue
        out.append({
            "ph": "X", "cat": "python_function", "name": "%s(%d): %s" % (fname, line, func),
            "pid": pid, "tid": tid, "ts": (start - t0) / 1e3, "dur": (end - start) / 1e3,
        })
    return out


def _legacy_events(prof, pid, tid_map):
    out = []
    for ev in prof.function_events:
        tr = ev.time_range
        tid = tid_map.setdefault(getattr(ev, "thread", 0), len(tid_map) + 1)
        out.append({"ph": "X", "cat": "cpu_op", "name": ev.name, "pid": pid, "tid": tid,
                    "ts": float(tr.start), "dur": float(tr.end - tr.start)})
    return out


def _finish():
    if not _state["active"]:
        return
    _state["active"] = False
    _state["done"] = True
    _state["stop"].set()
    _state["thread"].join(timeout=2)
    prof = _state["prof"]
    prof.__exit__(None, None, None)
    out_path = os.environ["SYSIGHT_PROFILE_OUT"]
    pid = os.getpid()
    main_tid = threading.main_thread().ident % 1000000
    t0 = _state["t0_ns"]
    events = []
    if _state["kineto"]:
        tmp = out_path + ".kineto.json"
        prof.export_chrome_trace(tmp)
        with open(tmp) as fh:
            base = json.load(fh)
        os.remove(tmp)
        events = base.get("traceEvents", [])
        # Kineto's own python stacks (with_stack) are kept; our samples are added on a separate tid
        trace = base
    else:
        events = _legacy_events(prof, pid, {})
        trace = {"schemaVersion": 1, "displayTimeUnit": "ms", "traceName": "sysight-cpu-legacy-profiler"}
        # the legacy profiler's clock starts at its own zero: align its first event with our t0
    main_ops_tid = 1
    for e in events:
        if e.get("cat") == "cpu_op" and not _state["kineto"]:
            main_ops_tid = e["tid"]
            break
    events.extend(_python_events(pid, main_ops_tid if not _state["kineto"] else main_tid))
    marks = _state["step_marks"]
    for i in range(len(marks) - 1):
        events.append({"ph": "X", "cat": "user_annotation", "name": "ProfilerStep#%d" % (_state["first_step"] + i),
                       "pid": pid, "tid": main_ops_tid if not _state["kineto"] else main_tid,
                       "ts": (marks[i] - t0) / 1e3, "dur": (marks[i + 1] - marks[i]) / 1e3})
    events.append({"ph": "M", "name": "process_name", "pid": pid, "tid": 0, "args": {"name": "python"}})
    trace["traceEvents"] = events
    trace.setdefault("otherData", {})["sysight"] = {
        "sampler_us": int(os.environ.get("SYSIGHT_SAMPLE_US", "500")),
        "samples": len(_state["samples"]),
        "kineto": _state["kineto"],
        "argv": sys.argv,
    }
    with open(out_path, "w") as fh:
        json.dump(trace, fh)
    _log("wrote %s (%d events, %d steps)" % (out_path, len(events), max(0, len(marks) - 1)))


def step():
    """Called after every optimizer step by the timing shim."""
    if _state["done"]:
        return
    try:
        _state["step"] += 1
        skip = int(os.environ.get("SYSIGHT_PROFILE_SKIP", "2"))
        count = int(os.environ.get("SYSIGHT_PROFILE_STEPS", "5"))
        if not _state["active"] and _state["step"] == skip:
            _state["first_step"] = _state["step"]
            _start()
        elif _state["active"]:
            _state["step_marks"].append(time.perf_counter_ns())
            if _state["step"] >= skip + count:
                _finish()
    except Exception as e:  # never break the workload
        _state["done"] = True
        _log("profiling stopped: %s" % e)


def finish_at_exit():
    try:
        _finish()
    except Exception as e:
        _log("could not write the profile: %s" % e)
