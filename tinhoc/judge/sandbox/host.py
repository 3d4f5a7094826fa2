"""Host-side helpers of the sandbox: cache folders, the compiled fork-server helper, sandbox uids,
bubblewrap's system binds, mounts, and clean-up of what dead judge processes left behind.
"""
from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import shutil
import signal
import subprocess
import time
from pathlib import Path

from . import boxfiles
from . import cgroups as _cg
from .limits import SandboxError

BWRAP = os.environ.get("TINHOC_JUDGE_BWRAP") or shutil.which("bwrap") or "/usr/bin/bwrap"
HELPER_SOURCE = Path(__file__).with_name("helper.c")
UID_BASE = 61000        # sandboxes run as uids UID_BASE .. UID_BASE + UID_SLOTS - 1
UID_SLOTS = 512
# Only what compilers and interpreters read; never shadow, passwd of the host, or anything else.
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
             "/etc/fpc.cfg", "/etc/localtime")


def cache_dir() -> Path:
    d = os.environ.get("TINHOC_JUDGE_CACHE")
    path = Path(d) if d else Path.home() / ".cache" / "tinhoc-judge"
    path.mkdir(parents=True, exist_ok=True)
    return path


def runtime_dir() -> Path:
    """Host folder bound read-only at /opt/tinhoc in every sandbox (vendored language runtimes)."""
    path = cache_dir() / "runtime"
    path.mkdir(parents=True, exist_ok=True)
    return path


@contextlib.contextmanager
def file_lock(path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    with open(path, "a") as f:
        fcntl.flock(f, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(f, fcntl.LOCK_UN)


def helper_binary() -> Path:
    """The compiled helper, built once per source version into the cache dir."""
    src = HELPER_SOURCE.read_bytes()
    digest = hashlib.sha256(src).hexdigest()[:16]
    out = cache_dir() / "bin" / f"helper-{digest}"
    if out.exists():
        return out
    out.parent.mkdir(parents=True, exist_ok=True)
    with file_lock(out.parent / ".build.lock"):
        if out.exists():
            return out
        tmp = out.with_suffix(".tmp")
        base = ["gcc", "-O2", "-Wall", "-o", str(tmp), str(HELPER_SOURCE)]
        errors = ""
        for extra in (["-static", "-lseccomp", "-lm"], ["-lseccomp", "-lm"]):
            r = subprocess.run(base + extra, capture_output=True, text=True)
            if r.returncode == 0:
                os.chmod(tmp, 0o755)
                os.replace(tmp, out)
                return out
            errors = r.stderr
        raise SandboxError(f"cannot build the sandbox helper (gcc, libseccomp-dev?): {errors[-2000:]}")


class _UidSlot:
    """An unprivileged uid held by one sandbox only, so RLIMIT_NPROC and signals stay per box."""

    def __init__(self):
        d = cache_dir() / "uids"
        d.mkdir(parents=True, exist_ok=True)
        start = os.getpid() % UID_SLOTS
        for i in range(UID_SLOTS):
            slot = (start + i) % UID_SLOTS
            f = open(d / f"{slot}.lock", "a")
            try:
                fcntl.flock(f, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                f.close()
                continue
            self._file, self.uid = f, UID_BASE + slot
            return
        raise SandboxError("no free sandbox uid")

    def release(self):
        self._file.close()


_MODE: str | None = None


def bwrap_available() -> bool:
    return os.path.exists(BWRAP) and os.access(BWRAP, os.X_OK)


def sandbox_mode() -> str:
    """Which isolation is in force: "bwrap+cgroup-v2", "bwrap+cgroup-v1", "bwrap+rlimits" or
    "unavailable" (no bubblewrap)."""
    global _MODE
    if not bwrap_available():
        return "unavailable"
    if _MODE is None:
        cg = _cg.create_box_cgroup()
        _MODE = "bwrap+" + (cg.version if cg else "rlimits")
        if cg:
            cg.remove()
    if os.environ.get("TINHOC_JUDGE_CGROUPS", "1").lower() in ("0", "no", "off", "false"):
        return "bwrap+rlimits"
    return _MODE


def _system_binds() -> list[str]:
    args = ["--ro-bind", "/usr", "/usr"]
    for top in ("/bin", "/sbin", "/lib", "/lib64", "/lib32", "/libx32"):
        if os.path.islink(top):
            args += ["--symlink", os.readlink(top), top]
        elif os.path.isdir(top):
            args += ["--ro-bind", top, top]
    args += ["--dir", "/etc"]
    for path in ETC_FILES:
        if os.path.exists(path):
            args += ["--ro-bind", path, path]
    for path in sorted(Path("/etc").glob("fpc-*.cfg")):
        args += ["--ro-bind", str(path), str(path)]
    return args

_libc = None


def _libc_call(name, *args) -> int:
    global _libc
    if _libc is None:
        import ctypes
        _libc = ctypes.CDLL(None, use_errno=True)
    return getattr(_libc, name)(*args)


MS_NOSUID, MS_NODEV, MS_REMOUNT = 2, 4, 32
BOX_INODES = 4096       # files and folders a box's tmpfs may hold: clearing it stays cheap


def _mount_tmpfs(path: Path, size_mib: int) -> bool:
    if os.environ.get("TINHOC_JUDGE_TMPFS", "1").lower() in ("0", "no", "off", "false"):
        return False
    opts = f"size={int(size_mib)}m,nr_inodes={BOX_INODES},mode=1777".encode()
    return _libc_call("mount", b"tmpfs", str(path).encode(), b"tmpfs", MS_NOSUID | MS_NODEV, opts) == 0


def _resize_tmpfs(path: Path, size_mib: int) -> bool:
    """Give the box's tmpfs a new size (it must hold what is already in it)."""
    opts = f"size={int(size_mib)}m,nr_inodes={BOX_INODES}".encode()
    return _libc_call("mount", b"tmpfs", str(path).encode(), b"tmpfs",
                      MS_REMOUNT | MS_NOSUID | MS_NODEV, opts) == 0


def _umount(path: Path) -> None:
    mnt_detach = 2
    _libc_call("umount2", str(path).encode(), mnt_detach)


STALE_AGE = 30.0       # seconds: a fresh box is locked within milliseconds of its creation
SWEEP_EVERY = 600.0
_last_sweep: dict[str, float] = {}


def _sweep_stale(parent: str) -> None:
    """Remove work dirs and cgroups left by judge processes that died without closing their box
    (killed by a time-out, OOM, a machine restart). Runs at most every SWEEP_EVERY seconds."""
    now = time.monotonic()
    if now - _last_sweep.get(parent, -SWEEP_EVERY) < SWEEP_EVERY:
        return
    _last_sweep[parent] = now
    try:
        names = [n for n in os.listdir(parent) if n.startswith("tinhoc-box-")]
    except OSError:
        return
    for name in names:
        path = os.path.join(parent, name)
        try:
            if time.time() - os.lstat(path).st_ctime < STALE_AGE:
                continue
            fd = os.open(path, os.O_RDONLY | os.O_DIRECTORY | os.O_NOFOLLOW | os.O_CLOEXEC)
        except OSError:
            continue
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(fd)
            continue  # a live box
        try:
            if os.path.ismount(os.path.join(path, "box")):
                _umount(Path(path) / "box")
            boxfiles.remove_tree(path)   # logs what it cannot remove and goes on
        finally:
            os.close(fd)
    _cg.sweep_stale(STALE_AGE)


def _freeze(path: str) -> None:
    paths = [path]
    if os.path.isdir(path) and not os.path.islink(path):
        for root, dirs, files in os.walk(path):
            paths += [os.path.join(root, n) for n in dirs + files]
    for p in paths:
        try:
            os.lchown(p, 0, 0)
            st = os.lstat(p)
            if not os.path.islink(p):
                executable = os.path.isdir(p) or st.st_mode & 0o111
                os.chmod(p, 0o755 if executable else 0o644)
        except OSError:
            pass


def _wait_uid_gone(uid: int, timeout: float = 5.0) -> None:
    """Wait until no process of this sandbox's uid is left (the PID namespace is being torn down)."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        alive = []
        for d in os.listdir("/proc"):
            if d.isdigit():
                try:
                    if os.stat(f"/proc/{d}").st_uid == uid:
                        alive.append(int(d))
                except OSError:
                    pass
        if not alive:
            return
        for pid in alive:
            try:
                os.kill(pid, signal.SIGKILL)
            except OSError:
                pass
        time.sleep(0.01)
