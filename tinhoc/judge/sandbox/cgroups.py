"""Memory and pids cgroups for one sandbox, detected at run time (v2, else v1, else none).

Why both: the judge must run on hosts with the unified hierarchy (v2) and on older or
containerised hosts that only mount v1 controllers. When neither is writable the sandbox falls
back to rlimits and the peak RSS from wait4.
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
    def set_limits(self, memory_bytes: int, pids: int) -> None:
        """Memory (bytes) and process limits for the next run."""

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

    def __init__(self, mem: Path, pids: Path):
        self.mem, self.pids = mem, pids
        self._memsw = (mem / "memory.memsw.limit_in_bytes").exists()
        self._cur_mem = -1
        self._cur_pids = -1

    def attach_paths(self):
        return [self.mem / "cgroup.procs", self.pids / "cgroup.procs"]

    def set_limits(self, memory_bytes, pids):
        if memory_bytes != self._cur_mem:
            files = ["memory.limit_in_bytes"]
            if self._memsw:
                files.append("memory.memsw.limit_in_bytes")
            # memsw must stay >= the memory limit: one order works when lowering, the other when
            # raising; trying both also covers the first write (both unlimited).
            try:
                for name in files:
                    _write(self.mem / name, memory_bytes)
            except OSError:
                for name in reversed(files):
                    _write(self.mem / name, memory_bytes)
            self._cur_mem = memory_bytes
        if pids != self._cur_pids:
            _write(self.pids / "pids.max", pids)
            self._cur_pids = pids

    def oom_kills(self):
        try:
            text = (self.mem / "memory.oom_control").read_text()
        except OSError:
            text = ""
        if "oom_kill " in text:
            return _read_key(self.mem / "memory.oom_control", "oom_kill")
        # Kernels before 4.13 have no OOM-kill counter: hitting the limit is the nearest sign.
        return _read_int(self.mem / "memory.failcnt")

    def pids_current(self):
        return _read_int(self.pids / "pids.current")

    def procs(self):
        return _procs_in([self.mem, self.pids])

    def remove(self, timeout=5.0):
        _remove_dirs([self.mem, self.pids], timeout)


class CgroupV2(BoxCgroup):
    version = "cgroup-v2"

    def __init__(self, path: Path):
        self.path = path
        self._cur_mem = -1
        self._cur_pids = -1

    def attach_paths(self):
        return [self.path / "cgroup.procs"]

    def set_limits(self, memory_bytes, pids):
        if memory_bytes != self._cur_mem:
            _write(self.path / "memory.max", memory_bytes)
            if (self.path / "memory.swap.max").exists():
                _write(self.path / "memory.swap.max", 0)
            self._cur_mem = memory_bytes
        if pids != self._cur_pids:
            _write(self.path / "pids.max", pids)
            self._cur_pids = pids

    def oom_kills(self):
        return _read_key(self.path / "memory.events", "oom_kill")

    def pids_current(self):
        return _read_int(self.path / "pids.current")

    def procs(self):
        return _procs_in([self.path])

    def remove(self, timeout=5.0):
        _remove_dirs([self.path], timeout)


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
            if (path / "memory.max").exists() and (path / "pids.max").exists():
                return CgroupV2(path)
            _remove_dirs([path], 1.0)
    own = _own_paths()
    mem_root, pids_root = CGROUP_ROOT / "memory", CGROUP_ROOT / "pids"
    if "memory" in own and "pids" in own and mem_root.is_dir() and pids_root.is_dir():
        mem = mem_root / own["memory"].lstrip("/") / name
        pids = pids_root / own["pids"].lstrip("/") / name
        if _try_mkdir(mem):
            if _try_mkdir(pids):
                if (mem / "memory.limit_in_bytes").exists() and (pids / "pids.max").exists():
                    return CgroupV1(mem, pids)
                _remove_dirs([pids], 1.0)
            _remove_dirs([mem], 1.0)
    return None


def sweep_stale() -> None:
    """Remove empty tinhoc-box-* cgroups (their judge process died without removing them)."""
    own = _own_paths()
    bases = [CGROUP_ROOT / c / own[c].lstrip("/") for c in ("memory", "pids") if c in own]
    v2 = _v2_base()
    if v2 is not None:
        bases.append(v2)
    for base in bases:
        try:
            children = [p for p in base.iterdir() if p.name.startswith("tinhoc-box-") and p.is_dir()]
        except OSError:
            continue
        for child in children:
            if not _procs_in([child]):
                try:
                    child.rmdir()
                except OSError:
                    pass
