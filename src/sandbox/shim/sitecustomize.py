"""Sysight timing shim. Put this file's folder first on PYTHONPATH; Python imports it at start-up.

Environment contract (every variable optional; with none set the shim only chains to the next sitecustomize):
  SYSIGHT_TIMING_FILE   append "step_index wall_ns cpu_ns" per optimizer step, taken when the step returns
                        (wall_ns: monotonic clock; cpu_ns: CPU time of the whole process, all threads; both ns).
                        Only the first optimizer that steps is timed (GANs have two).
  SYSIGHT_TIMING_FUNC   "module:qualname" (e.g. "infer:Runner.predict"): time calls of this function instead of
                        optimizer steps, one line per call (inference workloads). The module must be imported
                        (not the __main__ script).
  SYSIGHT_TIMING_SYNC   "1": torch.cuda.synchronize() before each timestamp (off by default: it adds a sync).
  SYSIGHT_TIMING_TREE   "1": each timing line also gets "tree_cpu_ns idle_ns": CPU time of this process plus its
                        child processes (live DataLoader workers from /proc, waited-for ones from os.times), and
                        the machine's idle time summed over all cores (/proc/stat idle + iowait). The
                        measurement uses them to keep a patch from showing a gain taken from other jobs' share
                        of a busy CPU (more worker processes). Linux only; elsewhere the columns are left out.
  SYSIGHT_LOSS_FILE     append the value of every scalar tensor passed through Tensor.backward(), one per line
                        (repr of the float), for the first SYSIGHT_LOSS_STEPS calls (default 20).
  SYSIGHT_PROFILE_FILE  record a torch.profiler trace (Kineto JSON; .gz compresses) of SYSIGHT_PROFILE_STEPS
                        iterations (default 5) after SYSIGHT_PROFILE_SKIP warm-up iterations (default 1, at least
                        1), each a "ProfilerStep#N" range from one optimizer step's end to the next.
  SYSIGHT_SEED          seed random at start-up, numpy and torch when they are imported.
  SYSIGHT_RSS_FILE      at exit, write "self_kb children_kb": the peak resident set size of this process and of its
                        largest waited-for child (DataLoader workers), from getrusage (the memory guard).
  SYSIGHT_MAX_STEPS     exit cleanly (SystemExit(0)) when step N+1 of the timed optimizer is called, so N whole
                        iterations ran and logged (smoke tests).
In a multi-process launch only rank 0 (RANK / LOCAL_RANK unset or 0) writes files.
Nothing here may break the workload: every failure is reported once on stderr and the workload goes on.
"""
import os
import sys
import threading
import time

_SHIM_DIR = os.path.dirname(os.path.abspath(__file__))
_warned = set()


def _warn(what, err):
    if what not in _warned:
        _warned.add(what)
        try:
            sys.stderr.write(f"sysight shim: {what} failed ({type(err).__name__}: {err}); the workload goes on\n")
        except Exception:
            pass


def _chain_next_sitecustomize():
    """Runs the sitecustomize this file shadows (e.g. Debian's), if any."""
    import importlib.machinery
    import importlib.util
    paths = [p for p in sys.path if os.path.abspath(p or os.curdir) != _SHIM_DIR]
    spec = importlib.machinery.PathFinder.find_spec("sitecustomize", paths)
    if spec is None or spec.loader is None or os.path.abspath(spec.origin or "") == os.path.abspath(__file__):
        return
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)


def _env_int(name, default=None):
    value = os.environ.get(name, "").strip()
    if not value:
        return default
    try:
        return int(value)
    except ValueError:
        _warn(f"reading {name}={value!r} (not an integer)", ValueError(value))
        return default


_RANK0 = all(os.environ.get(k, "0") in ("", "0") for k in ("RANK", "LOCAL_RANK"))
_TIMING_FILE = os.environ.get("SYSIGHT_TIMING_FILE") if _RANK0 else None
_TIMING_FUNC = os.environ.get("SYSIGHT_TIMING_FUNC") if _RANK0 else None
_TIMING_SYNC = os.environ.get("SYSIGHT_TIMING_SYNC") == "1"
_TIMING_TREE = os.environ.get("SYSIGHT_TIMING_TREE") == "1"
_LOSS_FILE = os.environ.get("SYSIGHT_LOSS_FILE") if _RANK0 else None
_LOSS_STEPS = _env_int("SYSIGHT_LOSS_STEPS", 20)
_SEED = _env_int("SYSIGHT_SEED")
_MAX_STEPS = _env_int("SYSIGHT_MAX_STEPS")
_PROFILE_FILE = os.environ.get("SYSIGHT_PROFILE_FILE") if _RANK0 else None
_PROFILE_STEPS = _env_int("SYSIGHT_PROFILE_STEPS", 5)
_PROFILE_SKIP = _env_int("SYSIGHT_PROFILE_SKIP", 1)
_RSS_FILE = os.environ.get("SYSIGHT_RSS_FILE") if _RANK0 else None


class _Recorder:
    """Appends lines to a file, opened on first use and flushed per line (a killed run keeps what it wrote)."""

    def __init__(self, path):
        self.path = path
        self.file = None
        self.lock = threading.Lock()

    def write(self, line):
        with self.lock:
            if self.file is None:
                self.file = open(self.path, "a", buffering=1, encoding="utf-8")
            self.file.write(line + "\n")

    def close(self):
        with self.lock:
            if self.file is not None:
                self.file.close()
                self.file = None


_timings = _Recorder(_TIMING_FILE) if _TIMING_FILE else None
_losses = _Recorder(_LOSS_FILE) if _LOSS_FILE else None
_state = {"steps": 0, "calls": 0, "losses": 0, "optimizer": None}
_local = threading.local()
_profiler = []  # the StepProfiler, made when the first step returns


def _stamp():
    """ "wall_ns cpu_ns" now."""
    if _TIMING_SYNC:
        try:
            import torch
            if torch.cuda.is_available() and torch.cuda.is_initialized():
                torch.cuda.synchronize()
        except Exception as e:
            _warn("torch.cuda.synchronize", e)
    line = f"{time.perf_counter_ns()} {time.process_time_ns()}"
    if _TIMING_TREE:
        try:
            line += f" {_tree_cpu_ns()} {_idle_ns()}"
        except Exception as e:
            _warn("reading the process tree's CPU time", e)
    return line


_TICK_NS = 0


def _tick_ns():
    global _TICK_NS
    if not _TICK_NS:
        _TICK_NS = 1_000_000_000 // os.sysconf("SC_CLK_TCK")
    return _TICK_NS


def _tree_cpu_ns():
    """CPU time (ns) of this process, its live children (from /proc) and its waited-for children (os.times)."""
    t = os.times()
    total = int((t.user + t.system + t.children_user + t.children_system) * 1e9)
    ticks = 0
    for tid in os.listdir("/proc/self/task"):
        try:
            with open(f"/proc/self/task/{tid}/children") as f:
                pids = f.read().split()
        except OSError:
            continue
        for pid in pids:
            try:
                with open(f"/proc/{pid}/stat") as f:
                    fields = f.read().rsplit(")", 1)[1].split()
            except OSError:
                continue  # exited and reaped between the two reads: os.times has it next time
            ticks += int(fields[11]) + int(fields[12])  # utime, stime
    return total + ticks * _tick_ns()


def _idle_ns():
    """Idle + iowait time of all cores together (ns) since boot, from /proc/stat."""
    with open("/proc/stat") as f:
        cpu = f.readline().split()
    return (int(cpu[4]) + int(cpu[5])) * _tick_ns()


def _is_timed(optimizer):
    if _state["optimizer"] is None:
        _state["optimizer"] = id(optimizer)
    return _state["optimizer"] == id(optimizer)


def _before_step(optimizer):
    if _MAX_STEPS is not None and _state["steps"] >= _MAX_STEPS and _is_timed(optimizer):
        for r in (_timings, _losses):
            if r is not None:
                r.close()
        raise SystemExit(0)


def _after_step(optimizer):
    if not _is_timed(optimizer):
        return
    index = _state["steps"]
    _state["steps"] = index + 1
    if _timings is not None and not _TIMING_FUNC:
        _timings.write(f"{index} {_stamp()}")
    if _PROFILE_FILE:
        if not _profiler:
            sys.path.insert(0, _SHIM_DIR)
            try:
                import sysight_trace
            finally:
                sys.path.remove(_SHIM_DIR)
            _profiler.append(sysight_trace.StepProfiler(_PROFILE_FILE, _PROFILE_STEPS, _PROFILE_SKIP, _warn))
        _profiler[0].on_step(index)


def _wrap_step(step):
    import functools

    @functools.wraps(step)
    def sysight_step(self, *args, **kwargs):
        depth = getattr(_local, "depth", 0)
        if depth == 0:
            _before_step(self)
        _local.depth = depth + 1
        try:
            result = step(self, *args, **kwargs)
        finally:
            _local.depth = depth
        if depth == 0:
            try:
                _after_step(self)
            except Exception as e:
                _warn("recording an optimizer step", e)
        return result

    sysight_step._sysight_wrapped = True
    return sysight_step


def _patch_optimizer(torch):
    """Wraps Optimizer.step of every class that is instantiated (subclasses define their own step)."""
    base = torch.optim.Optimizer
    original_init = base.__init__

    def ensure_wrapped(cls):
        for klass in cls.__mro__:
            step = klass.__dict__.get("step")
            if step is not None and callable(step) and not getattr(step, "_sysight_wrapped", False):
                setattr(klass, "step", _wrap_step(step))
            if klass is base:
                break

    def sysight_init(self, *args, **kwargs):
        original_init(self, *args, **kwargs)
        try:
            ensure_wrapped(type(self))
        except Exception as e:
            _warn("wrapping Optimizer.step", e)

    base.__init__ = sysight_init


def _patch_backward(torch):
    original = torch.Tensor.backward

    def sysight_backward(self, *args, **kwargs):
        if _state["losses"] < _LOSS_STEPS:
            try:
                if self.numel() == 1:
                    _state["losses"] += 1
                    _losses.write(repr(float(self.detach())))
            except Exception as e:
                _warn("recording a loss", e)
        return original(self, *args, **kwargs)

    torch.Tensor.backward = sysight_backward


def _patch_function(module, qualname):
    owner, attr = module, qualname
    parts = qualname.split(".")
    for p in parts[:-1]:
        owner = getattr(owner, p)
    attr = parts[-1]
    target = owner.__dict__[attr] if isinstance(owner, type) else getattr(owner, attr)
    fn = target.__func__ if isinstance(target, (staticmethod, classmethod)) else target
    import functools

    @functools.wraps(fn)
    def sysight_timed(*args, **kwargs):
        result = fn(*args, **kwargs)
        try:
            index = _state["calls"]
            _state["calls"] = index + 1
            _timings.write(f"{index} {_stamp()}")
        except Exception as e:
            _warn(f"recording a call of {qualname}", e)
        return result

    wrapped = type(target)(sysight_timed) if isinstance(target, (staticmethod, classmethod)) else sysight_timed
    setattr(owner, attr, wrapped)


def _on_torch(torch):
    if _SEED is not None:
        torch.manual_seed(_SEED)
    if _timings is not None or _MAX_STEPS is not None or _PROFILE_FILE:
        _patch_optimizer(torch)
    if _losses is not None:
        _patch_backward(torch)


def _on_numpy(numpy):
    numpy.random.seed(_SEED % (2 ** 32))


class _PostImportFinder:
    """A meta-path finder that runs a callback after a named module has executed (lazy: no import at start-up)."""

    def __init__(self, hooks):
        self.hooks = hooks
        self.busy = set()

    def find_spec(self, name, path=None, target=None):
        if name not in self.hooks or name in self.busy:
            return None
        self.busy.add(name)
        try:
            spec = None
            for finder in sys.meta_path:
                if finder is self or not hasattr(finder, "find_spec"):
                    continue
                spec = finder.find_spec(name, path, target)
                if spec is not None:
                    break
        finally:
            self.busy.discard(name)
        if spec is None or spec.loader is None or not hasattr(spec.loader, "exec_module"):
            return spec
        loader, callbacks = spec.loader, self.hooks.pop(name)
        original_exec = loader.exec_module

        def exec_module(module):
            original_exec(module)
            for cb in callbacks:
                try:
                    cb(module)
                except Exception as e:
                    _warn(f"the shim's hook on {name}", e)

        loader.exec_module = exec_module
        return spec

    def invalidate_caches(self):
        pass


def _write_peak_rss():
    try:
        import resource
        own = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss
        children = resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss
        with open(_RSS_FILE, "w", encoding="utf-8") as f:
            f.write(f"{own} {children}\n")
    except Exception as e:
        _warn("writing the peak RSS", e)


def _install():
    hooks = {}
    if _RSS_FILE:
        import atexit
        atexit.register(_write_peak_rss)

    def add(name, cb):
        if name in sys.modules:
            try:
                cb(sys.modules[name])
            except Exception as e:
                _warn(f"the shim's hook on {name}", e)
        else:
            hooks.setdefault(name, []).append(cb)

    if _SEED is not None:
        import random
        random.seed(_SEED)
        add("numpy", _on_numpy)
    if _SEED is not None or _timings is not None or _losses is not None or _MAX_STEPS is not None or _PROFILE_FILE:
        add("torch", _on_torch)
    if _TIMING_FUNC and _timings is not None:
        module_name, _, qualname = _TIMING_FUNC.partition(":")
        if not qualname or module_name == "__main__":
            _warn(f"SYSIGHT_TIMING_FUNC={_TIMING_FUNC!r} (want module:qualname of an imported module)", ValueError())
        else:
            add(module_name, lambda m: _patch_function(m, qualname))
    if hooks:
        sys.meta_path.insert(0, _PostImportFinder(hooks))


try:
    _chain_next_sitecustomize()
except Exception as _e:
    _warn("running the next sitecustomize", _e)
try:
    _install()
except Exception as _e:
    _warn("installing the timing shim", _e)
