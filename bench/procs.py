"""Peak memory and CPU time of processes, from /proc (Linux), with no extra dependency.

A process tree's CPU time is the sum, over its live processes, of their own and their reaped
children's user+system time: a flow-run subprocess that exited and was waited for is counted
in its parent's cutime/cstime, once. Peak memory is VmHWM (the resident high-water mark),
read until the process exits; a `Sampler` thread watches short-lived descendants (flow-run
subprocesses) every `interval` seconds (half a second: about 1% of a core, counted in the
client's CPU), so a peak reached in a process's last half second may be missed.
"""

import os
import resource
import threading
from dataclasses import dataclass, field

TICK = os.sysconf("SC_CLK_TCK")


def _stat(pid: int) -> list[str] | None:
    try:
        with open(f"/proc/{pid}/stat") as f:
            raw = f.read()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces.
    return raw[raw.rindex(")") + 2 :].split()


def cpu_seconds(pid: int, *, children: bool = True) -> float:
    """User+system seconds of `pid`, plus those of its reaped children."""
    f = _stat(pid)
    if f is None:
        return 0.0
    # After the name: state(0) ppid(1) ... utime(11) stime(12) cutime(13) cstime(14)
    ticks = int(f[11]) + int(f[12]) + ((int(f[13]) + int(f[14])) if children else 0)
    return ticks / TICK


def vm_hwm_mb(pid: int) -> float | None:
    try:
        with open(f"/proc/{pid}/status") as f:
            for line in f:
                if line.startswith("VmHWM:"):
                    return int(line.split()[1]) / 1024
    except OSError:
        return None
    return None


def cmdline(pid: int) -> str:
    try:
        with open(f"/proc/{pid}/cmdline", "rb") as f:
            return f.read().replace(b"\0", b" ").decode(errors="replace").strip()
    except OSError:
        return ""


def _children_map() -> dict[int, list[int]]:
    parents: dict[int, list[int]] = {}
    for name in os.listdir("/proc"):
        if not name.isdigit():
            continue
        f = _stat(int(name))
        if f is not None:
            parents.setdefault(int(f[1]), []).append(int(name))
    return parents


def descendants(root: int, parents: dict[int, list[int]] | None = None) -> list[int]:
    """Every live process below `root` (not `root` itself)."""
    parents = _children_map() if parents is None else parents
    out: list[int] = []
    todo = [root]
    while todo:
        for child in parents.get(todo.pop(), []):
            out.append(child)
            todo.append(child)
    return out


def tree_cpu(root: int) -> float:
    return sum(cpu_seconds(p) for p in [root, *descendants(root)])


def self_cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


def self_hwm_mb() -> float:
    return vm_hwm_mb(os.getpid()) or 0.0


@dataclass
class Seen:
    """What the sampler saw of one process."""

    pid: int
    root: str  # the name of the tree it belongs to ("server", "worker")
    cmd: str
    hwm_mb: float = 0.0


@dataclass
class Sampler:
    """Watches process trees (name -> root pid) from a thread until stopped."""

    roots: dict[str, int]
    interval: float = 0.5
    seen: dict[int, Seen] = field(default_factory=dict)
    _stop: threading.Event = field(default_factory=threading.Event)
    _thread: threading.Thread | None = None

    def sample(self) -> None:
        parents = _children_map()  # one walk of /proc for every tree (about 5 ms)
        for name, root in self.roots.items():
            for pid in [root, *descendants(root, parents)]:
                hwm = vm_hwm_mb(pid)
                if hwm is None:
                    continue
                s = self.seen.get(pid)
                if s is None:
                    s = self.seen[pid] = Seen(pid, name, cmdline(pid))
                s.hwm_mb = max(s.hwm_mb, hwm)

    def _run(self) -> None:
        while not self._stop.wait(self.interval):
            self.sample()

    def __enter__(self) -> "Sampler":
        self.sample()
        self._thread = threading.Thread(target=self._run, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._stop.set()
        if self._thread is not None:
            self._thread.join()
        self.sample()

    def peaks(self) -> dict[str, object]:
        """The root processes' peaks, and those of their descendants (flow-run subprocesses)."""
        out: dict[str, object] = {}
        for name, root in self.roots.items():
            mine = [s for s in self.seen.values() if s.root == name]
            top = next((s.hwm_mb for s in mine if s.pid == root), 0.0)
            kids = [s for s in mine if s.pid != root]
            out[f"{name}_mb"] = round(top, 1)
            out[f"{name}_children"] = len(kids)
            out[f"{name}_children_max_mb"] = round(max((s.hwm_mb for s in kids), default=0.0), 1)
        return out
