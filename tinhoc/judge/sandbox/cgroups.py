"""Memory and pids cgroups for one sandbox, detected at run time (v2, else v1, else none).

Why both: the judge must run on hosts with the unified hierarchy (v2) and on older or
containerised hosts that only mount v1 controllers. When neither is writable the sandbox falls
back to rlimits and the peak RSS from wait4.

Two levels per sandbox: the box cgroup holds bubblewrap and the helper (in v2 through its leaf
`sys`, since a v2 cgroup with controllers for its children may hold no process itself), and its
child `run` holds only the program of the current run, which joins it itself (see helper.c). The
program's memory (its files on the /box tmpfs included), processes and CPU are limited and
counted in `run`; the box's limits are a little larger, so whatever the program does, the OOM
killer only ever picks the program, never bubblewrap or the helper.
"""
from __future__ import annotations

from abc import ABC, abstractmethod

import os
import time
import uuid
from pathlib import Path

CGROUP_ROOT = Path(os.environ.get("TINHOC_JUDGE_CGROUP_ROOT", "/sys/fs/cgroup"))


def _own_paths() -> dict[str, str]:
    """Controller name ("memory", "pids", or "" for v2) -> our cgroup path in that hierarchy."""
    out: dict[str, str] = {}
    try:
        text = Path("/proc/self/cgroup").read_text()
    except OSError:
        return out
    for line in text.splitlines():
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        _, ctrls, path = parts
        for c in ctrls.split(",") if ctrls else [""]:
            out[c] = path
    return out


def _try_mkdir(path: Path) -> bool:
    try:
        path.mkdir()
        return True
    except OSError:
        return False


class BoxCgroup(ABC):
    """One cgroup (per controller) holding one sandbox; limits are rewritten before each run."""

    version = ""

    @abstractmethod
    def attach_paths(self) -> list[Path]:
        """Files to which the sandbox's first process writes its pid to join."""

    @abstractmethod
    def run_join_paths(self) -> list[Path]:
        """The run cgroup's cgroup.procs files, which the program writes "0" into to join."""

    def cpu_usage(self) -> tuple[Path, int] | None:
        """(file, kind) from which the run's CPU usage is read: kind 1 = cgroup v1 cpuacct.usage
        (ns), 2 = v2 cpu.stat (usage_usec); None when it cannot be read."""
        return None

    @abstractmethod
    def set_limits(self, memory_bytes: int, pids: int, box_memory_bytes: int, box_pids: int) -> None:
        """Memory (bytes) and process limits for the next run, for the run and for the box."""

    @abstractmethod
    def oom_kills(self) -> int:
        """How many times the OOM killer struck in this cgroup."""

    @abstractmethod
    def pids_current(self) -> int:
        """Processes now in the cgroup."""

    @abstractmethod
    def procs(self) -> list[int]:
        """Their pids."""

    @abstractmethod
    def remove(self, timeout: float = 5.0) -> None:
        """Kill what is left and remove the cgroup."""


def _write(path: Path, value) -> None:
    with open(path, "w") as f:
        f.write(str(value))


def _read_int(path: Path) -> int:
    try:
        text = path.read_text().strip()
    except OSError:
        return 0
    return int(text) if text.isdigit() else 0


def _read_key(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            k, _, v = line.partition(" ")
            if k == key:
                return int(v)
    except (OSError, ValueError):
        pass
    return 0


def _procs_in(dirs: list[Path]) -> list[int]:
    pids: set[int] = set()
    for d in dirs:
        try:
            pids.update(int(x) for x in (d / "cgroup.procs").read_text().split())
        except (OSError, ValueError):
            pass
    return sorted(pids)


def _remove_dirs(dirs: list[Path], timeout: float) -> None:
    deadline = time.monotonic() + timeout
    for d in dirs:
        while True:
            try:
                d.rmdir()
                break
            except FileNotFoundError:
                break
            except OSError:
                if time.monotonic() > deadline:
                    break
                for pid in _procs_in([d]):
                    try:
                        os.kill(pid, 9)
                    except OSError:
                        pass
                time.sleep(0.01)


class CgroupV1(BoxCgroup):
    version = "cgroup-v1"

    def __init__(self, mem: Path, pids: Path, cpuacct: Path | None = None):
        self.mem, self.pids, self.cpuacct = mem, pids, cpuacct
        self.run_mem, self.run_pids = mem / "run", pids / "run"
        self._memsw = (mem / "memory.memsw.limit_in_bytes").exists()
        self._cur_mem = -1
        self._cur_pids = -1

    def attach_paths(self):
        return [self.mem / "cgroup.procs", self.pids / "cgroup.procs"]

    def run_join_paths(self):
        paths = [self.run_mem / "cgroup.procs", self.run_pids / "cgroup.procs"]
        if self.cpuacct is not None:
            paths.append(self.cpuacct / "cgroup.procs")
        return paths

    def cpu_usage(self):
        return (self.cpuacct / "cpuacct.usage", 1) if self.cpuacct is not None else None

    def _set_memory(self, d: Path, memory_bytes: int) -> None:
        files = ["memory.limit_in_bytes"]
        if self._memsw:
            files.append("memory.memsw.limit_in_bytes")
        # memsw must stay >= the memory limit: one order works when lowering, the other when
        # raising; trying both also covers the first write (both unlimited).
        try:
            for name in files:
                _write(d / name, memory_bytes)
        except OSError:
            for name in reversed(files):
                _write(d / name, memory_bytes)

    def set_limits(self, memory_bytes, pids, box_memory_bytes, box_pids):
        if (memory_bytes, box_memory_bytes) != self._cur_mem:
            if self._cur_mem == -1 or box_memory_bytes >= self._cur_mem[1]:
                self._set_memory(self.mem, box_memory_bytes)
                self._set_memory(self.run_mem, memory_bytes)
            else:
                self._set_memory(self.run_mem, memory_bytes)
                self._set_memory(self.mem, box_memory_bytes)
            self._cur_mem = (memory_bytes, box_memory_bytes)
        if (pids, box_pids) != self._cur_pids:
            _write(self.pids / "pids.max", box_pids)
            _write(self.run_pids / "pids.max", pids)
            self._cur_pids = (pids, box_pids)

    def oom_kills(self):
        total = 0
        for d in (self.mem, self.run_mem):
            try:
                text = (d / "memory.oom_control").read_text()
            except OSError:
                text = ""
            if "oom_kill " in text:
                total += _read_key(d / "memory.oom_control", "oom_kill")
            else:
                # Kernels before 4.13 have no OOM-kill counter: hitting the limit is the nearest sign.
                total += _read_int(d / "memory.failcnt")
        return total

    def pids_current(self):
        return _read_int(self.pids / "pids.current")

    def procs(self):
        return _procs_in([d for d in (self.run_mem, self.run_pids, self.mem, self.pids, self.cpuacct) if d])

    def remove(self, timeout=5.0):
        _remove_dirs([d for d in (self.run_mem, self.mem, self.run_pids, self.pids, self.cpuacct) if d],
                     timeout)


class CgroupV2(BoxCgroup):
    """box (memory and pids for its children) -> sys (bubblewrap, helper) and run (the program)."""
    version = "cgroup-v2"

    def __init__(self, path: Path):
        self.path = path
        self.sys, self.run = path / "sys", path / "run"
        self._cur_mem = -1
        self._cur_pids = -1

    def attach_paths(self):
        return [self.sys / "cgroup.procs"]

    def run_join_paths(self):
        return [self.run / "cgroup.procs"]

    def cpu_usage(self):
        return self.run / "cpu.stat", 2

    def set_limits(self, memory_bytes, pids, box_memory_bytes, box_pids):
        if (memory_bytes, box_memory_bytes) != self._cur_mem:
            # memory.max of a child may exceed its parent's (the lower one rules): any order works
            _write(self.path / "memory.max", box_memory_bytes)
            _write(self.run / "memory.max", memory_bytes)
            for d in (self.path, self.run):
                if (d / "memory.swap.max").exists():
                    _write(d / "memory.swap.max", 0)
            self._cur_mem = (memory_bytes, box_memory_bytes)
        if (pids, box_pids) != self._cur_pids:
            _write(self.path / "pids.max", box_pids)
            _write(self.run / "pids.max", pids)
            self._cur_pids = (pids, box_pids)

    def oom_kills(self):
        return _read_key(self.path / "memory.events", "oom_kill")   # hierarchical: run included

    def pids_current(self):
        return _read_int(self.path / "pids.current")

    def procs(self):
        return _procs_in([self.run, self.sys, self.path])

    def remove(self, timeout=5.0):
        _remove_dirs([self.run, self.sys, self.path], timeout)


def _enable_controllers(base: Path, missing: list[str]) -> None:
    """Enable controllers for children of `base`. cgroup v2 forbids that while `base` itself holds
    processes, so first move this process into a leaf child (as with systemd's Delegate=yes)."""
    line = " ".join("+" + c for c in missing)
    try:
        _write(base / "cgroup.subtree_control", line)
        return
    except OSError:
        pass
    leaf = base / "tinhoc-judge"
    leaf.mkdir(exist_ok=True)
    _write(leaf / "cgroup.procs", os.getpid())
    _write(base / "cgroup.subtree_control", line)


_V2_BASE: list = []   # computed once per process: enabling controllers may move this process


def _v2_base() -> Path | None:
    """Our cgroup in a unified hierarchy whose children can have memory and pids controllers."""
    if not _V2_BASE:
        _V2_BASE.append(_find_v2_base())
    return _V2_BASE[0]


def _find_v2_base() -> Path | None:
    own = _own_paths().get("")
    if own is None:
        return None
    for mount in (CGROUP_ROOT, CGROUP_ROOT / "unified"):
        if not (mount / "cgroup.controllers").exists():
            continue
        base = mount / own.lstrip("/")
        try:
            ctrls = (base / "cgroup.controllers").read_text().split()
        except OSError:
            continue
        if "memory" in ctrls and "pids" in ctrls:
            try:
                enabled = (base / "cgroup.subtree_control").read_text().split()
                missing = [c for c in ("memory", "pids") if c not in enabled]
                if missing:
                    _enable_controllers(base, missing)
                return base
            except OSError:
                continue
    return None


def create_box_cgroup() -> BoxCgroup | None:
    """A fresh cgroup for one sandbox, or None when no usable, writable hierarchy exists."""
    if os.environ.get("TINHOC_JUDGE_CGROUPS", "1").lower() in ("0", "no", "off", "false"):
        return None
    name = "tinhoc-box-" + uuid.uuid4().hex[:12]
    base = _v2_base()
    if base is not None:
        path = base / name
        if _try_mkdir(path):
            try:
                _write(path / "cgroup.subtree_control", "+memory +pids")
                if _try_mkdir(path / "sys") and _try_mkdir(path / "run") and \
                        (path / "run" / "memory.max").exists() and (path / "run" / "pids.max").exists():
                    return CgroupV2(path)
            except OSError:
                pass
            _remove_dirs([path / "run", path / "sys", path], 1.0)
    own = _own_paths()
    mem_root, pids_root = CGROUP_ROOT / "memory", CGROUP_ROOT / "pids"
    if "memory" in own and "pids" in own and mem_root.is_dir() and pids_root.is_dir():
        mem = mem_root / own["memory"].lstrip("/") / name
        pids = pids_root / own["pids"].lstrip("/") / name
        made = [d for d in (mem, mem / "run", pids, pids / "run") if _try_mkdir(d)]
        if len(made) == 4 and (mem / "run" / "memory.limit_in_bytes").exists() and \
                (pids / "run" / "pids.max").exists():
            return CgroupV1(mem, pids, _cpuacct_dir(own, name))
        _remove_dirs(list(reversed(made)), 1.0)
    return None


def _cpuacct_dir(own: dict[str, str], name: str) -> Path | None:
    """A cpuacct cgroup for the run (v1), so the watchdog counts the CPU of all its processes."""
    root = CGROUP_ROOT / "cpuacct"
    if "cpuacct" not in own or not root.is_dir():
        return None
    d = root / own["cpuacct"].lstrip("/") / name
    if _try_mkdir(d):
        if (d / "cpuacct.usage").exists():
            return d
        _remove_dirs([d], 1.0)
    return None


def sweep_stale(min_age: float = 600.0) -> None:
    """Remove empty tinhoc-box-* cgroups (their judge process died without removing them) older
    than `min_age` seconds: another judge process's box is empty too for the moment between
    creating its cgroup and joining it, and sweeping it then failed that box (IE, "sandbox did not
    start: … cgroup.procs: Directory nonexistent")."""
    own = _own_paths()
    bases = [CGROUP_ROOT / c / own[c].lstrip("/") for c in ("memory", "pids", "cpuacct") if c in own]
    v2 = _v2_base()
    if v2 is not None:
        bases.append(v2)
    for base in bases:
        try:
            children = [p for p in base.iterdir() if p.name.startswith("tinhoc-box-") and p.is_dir()]
        except OSError:
            continue
        for child in children:
            try:
                if time.time() - child.stat().st_mtime < min_age:
                    continue
            except OSError:
                continue
            inner = [child / "run", child / "sys"]
            if not _procs_in([*inner, child]):
                for d in (*inner, child):
                    try:
                        d.rmdir()
                    except OSError:
                        pass
