"""One bubblewrap sandbox per submission, hosting a compiled fork-server that runs each test.

Isolation per sandbox: own PID, mount, network, IPC and UTS namespaces; read-only system paths;
a fresh work dir bound at /box; memory and pids cgroups where writable. Per run (inside the
helper): a fresh PID namespace, an unprivileged uid unique to the sandbox, rlimits, no_new_privs
and a seccomp filter. See helper.c for the run protocol.

Modes (sandbox_mode()): "bwrap+cgroup-v2" / "bwrap+cgroup-v1" when a memory and a pids cgroup can
be created under the judge's own cgroup (memory limit = limit + CGROUP_SLACK_MIB for the sandbox's
own processes; OOM kills counted), else "bwrap+rlimits" (RLIMIT_AS = limit + 32 MiB, RLIMIT_NPROC
per sandbox uid). TINHOC_JUDGE_CGROUPS=0 forces rlimits.

Known limits:
- The CPU watchdog reads the program's own CPU clock (all its threads); CPU time of child
  processes counts only once they are reaped (wall time bounds them anyway).
- One allocation larger than limit + 32 MiB is MLE in every mode (seccomp kills the mmap). In
  rlimits mode an allocation below that which still fails under RLIMIT_AS, with a peak RSS far
  from the limit, ends as RE (bad_alloc -> SIGABRT); so does a static array too large to load
  (cgroup modes: MLE by the OOM killer, or by ENOMEM at exec).
- /box is a tmpfs of WORKDIR_MIB mounted on the host's work dir when the judge may mount (root):
  its files count against the memory cgroup (the output limit is added to it). Without that
  (TINHOC_JUDGE_TMPFS=0, no CAP_SYS_ADMIN) disk use is bounded per file by the output limit and
  in total only by time.
- Every bound path is seen with its host permissions: the contestant's uid needs o+r (o+x) on
  what it reads (executes) itself; stdin is opened with the helper's (root) rights.
"""
from __future__ import annotations

import contextlib
import dataclasses
import errno as _errno
import fcntl
import hashlib
import os
import select
import shutil
import signal
import stat
import struct
import subprocess
import tempfile
import time
from dataclasses import dataclass
from pathlib import Path

from . import cgroups as _cg

BWRAP = os.environ.get("TINHOC_JUDGE_BWRAP") or shutil.which("bwrap") or "/usr/bin/bwrap"
HELPER_SOURCE = Path(__file__).with_name("helper.c")
HELPER_INSIDE = "/.tinhoc-helper"
RUNTIME_INSIDE = "/opt/tinhoc"
UID_BASE = 61000        # sandboxes run as uids UID_BASE .. UID_BASE + UID_SLOTS - 1
UID_SLOTS = 512
CGROUP_SLACK_MIB = 16   # the helper, bubblewrap and page cache share the sandbox's memory cgroup
WORKDIR_MIB = 1024      # size of the work dir's tmpfs (when the host lets us mount one)
DEFAULT_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/box",
               "TMPDIR": "/box"}
# Only what compilers and interpreters read; never shadow, passwd of the host, or anything else.
ETC_FILES = ("/etc/ld.so.cache", "/etc/ld.so.conf", "/etc/ld.so.conf.d", "/etc/alternatives",
             "/etc/fpc.cfg", "/etc/localtime")
SIGNAL_NAMES = {s.value: s.name for s in signal.Signals}


class SandboxError(RuntimeError):
    """The sandbox itself failed (not the contestant's program): report as an internal error."""


@dataclass
class RunLimits:
    cpu_time: float = 1.0            # seconds of CPU
    wall_time: float = 3.0           # seconds of wall clock
    memory_mib: int = 256
    output_mib: int = 64             # largest file the program may write (stdout included)
    processes: int = 1               # processes and threads of the program together
    open_files: int = 64
    stack_mib: int | None = None     # None: same as memory_mib


@dataclass
class RunOutcome:
    status: str                      # "OK", "TLE", "MLE", "RE", "OLE"
    exit_code: int | None
    signal: int | None
    cpu_time: float                  # seconds
    wall_time: float                 # seconds
    memory_kib: int                  # peak resident set size
    message: str = ""


@dataclass
class RunProfile:
    """What a language runtime needs beyond the contestant's limits (set by languages.compile).

    processes: added to RunLimits.processes (e.g. node's own threads);
    memory_overhead_mib: added to the memory limit (the interpreter's baseline);
    address_space: False when RLIMIT_AS must not be used (runtimes reserving huge virtual ranges);
    time_overhead: added to the CPU and wall limits (a VM that takes long to load).
    """
    processes: int = 0
    memory_overhead_mib: int = 0
    address_space: bool = True
    time_overhead: float = 0.0       # seconds added to CPU and wall limits (runtime start-up)


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


class Sandbox:
    """A running sandbox: `run` one program at a time, `wipe` the work dir between tests."""

    def __init__(self, ro_binds=(), *, hidden_binds=(), workdir_parent: str | None = None,
                 workdir_mib: int = WORKDIR_MIB):
        """ro_binds: [(host, inside)] read-only and readable by the program (host permissions).
        hidden_binds: [(host, inside)] read-only, usable as `stdin` of a run (opened by the
        helper) but unreadable by the program itself: bind test data with answers this way."""
        if not bwrap_available():
            raise SandboxError(f"bubblewrap not found at {BWRAP}")
        self._proc: subprocess.Popen | None = None
        self._uid: _UidSlot | None = None
        self.cgroup: _cg.BoxCgroup | None = None
        self.profiles: dict[str, RunProfile] = {}
        self._lock_fd: int | None = None
        self.workdir_tmpfs = False
        parent = workdir_parent or os.environ.get("TINHOC_JUDGE_BOXES") or tempfile.gettempdir()
        _sweep_stale(parent)
        # A private (0700) folder holds the work dir, so no other user of the host can reach it.
        self._top = Path(tempfile.mkdtemp(prefix="tinhoc-box-", dir=parent))
        self.workdir = self._top / "box"
        try:
            # Held while the box lives: a folder nobody holds belongs to a dead judge process.
            self._lock_fd = os.open(self._top, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            self.workdir.mkdir()
            # A size-capped tmpfs where the host allows it: the program cannot fill the host's
            # disk, and its files count against its memory cgroup.
            self.workdir_tmpfs = _mount_tmpfs(self.workdir, workdir_mib)
            self._start(list(ro_binds), list(hidden_binds))
        except BaseException:
            self.close()
            raise

    @property
    def mode(self) -> str:
        return "bwrap+" + (self.cgroup.version if self.cgroup else "rlimits")

    @property
    def uid(self) -> int:
        return self._uid.uid

    def _start(self, ro_binds, hidden_binds):
        helper = helper_binary()
        self._uid = _UidSlot()
        # Root-owned and sticky: the program may create files in /box but can neither replace
        # the kept ones (its binary) nor touch what the judge put there.
        os.chmod(self.workdir, 0o1777)
        self.cgroup = _cg.create_box_cgroup()
        args = [BWRAP, "--unshare-pid", "--unshare-net", "--unshare-ipc", "--unshare-uts",
                "--unshare-cgroup-try", "--die-with-parent", "--new-session", "--hostname", "box"]
        args += _system_binds()
        args += ["--proc", "/proc", "--dev", "/dev", "--bind", str(self.workdir), "/box",
                 "--ro-bind", str(helper), HELPER_INSIDE,
                 "--perms", "0755", "--dir", "/opt", "--ro-bind", str(runtime_dir()), RUNTIME_INSIDE]
        for host, inside in ro_binds:
            if not os.path.exists(host):
                raise SandboxError(f"cannot bind {host}: not found")
            args += ["--ro-bind", str(host), str(inside)]
        if hidden_binds:
            # Under a root-only folder; the inside path is a symlink into it. The helper (root)
            # follows it to open stdin, the program's uid cannot traverse the folder.
            args += ["--perms", "0700", "--dir", "/.hidden"]
            for i, (host, inside) in enumerate(hidden_binds):
                if not os.path.exists(host):
                    raise SandboxError(f"cannot bind {host}: not found")
                args += ["--ro-bind", str(host), f"/.hidden/{i}", "--symlink", f"/.hidden/{i}", str(inside)]
        args += ["--chdir", "/box", "--cap-drop", "ALL"]
        for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_SYS_ADMIN", "CAP_KILL", "CAP_DAC_OVERRIDE",
                    "CAP_SYS_RESOURCE"):
            args += ["--cap-add", cap]
        args += [HELPER_INSIDE, str(self.uid), str(self.uid)]
        # A tiny shell joins the cgroups and protects itself from the OOM killer before becoming
        # bubblewrap, so no process of the sandbox ever runs outside its cgroup.
        joins = [str(p) for p in self.cgroup.attach_paths()] if self.cgroup else []
        script = ('echo -1000 > /proc/self/oom_score_adj 2>/dev/null; '
                  'n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 112; shift; n=$((n-1)); done; '
                  'exec "$@"')
        self._proc = subprocess.Popen(["/bin/sh", "-c", script, "sh", str(len(joins)), *joins, *args],
                                      stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                      stderr=subprocess.PIPE, start_new_session=True, bufsize=0)
        self._out = self._proc.stdout.fileno()
        self._buf = b""
        line = self._readline(15.0)
        if line != b"READY":
            err = self._stderr_text()
            raise SandboxError(f"sandbox did not start: {line!r} {err}")

    def _stderr_text(self) -> str:
        if self._proc and self._proc.poll() is None:
            self._proc.kill()
        try:
            return self._proc.stderr.read().decode(errors="replace")[-2000:]
        except Exception:
            return ""

    def _readline(self, timeout: float) -> bytes | None:
        deadline = time.monotonic() + timeout
        while b"\n" not in self._buf:
            left = deadline - time.monotonic()
            if left <= 0:
                return None
            r, _, _ = select.select([self._out], [], [], left)
            if not r:
                return None
            chunk = os.read(self._out, 4096)
            if not chunk:
                return None
            self._buf += chunk
        line, _, self._buf = self._buf.partition(b"\n")
        return line

    def set_run_profile(self, program: str, profile: RunProfile) -> None:
        """Runs whose argv[0] is `program` get the runtime's extra processes/memory (see RunProfile)."""
        self.profiles[program] = profile

    def run(self, argv, *, stdin=None, stdout=None, stderr=None, limits: RunLimits | None = None,
            env: dict | None = None) -> RunOutcome:
        """Run argv inside the sandbox (cwd /box) and classify how it ended."""
        if self._proc is None or self._proc.poll() is not None:
            raise SandboxError("sandbox is not running")
        limits = limits or RunLimits()
        argv = [str(a) for a in argv]
        if not argv:
            raise SandboxError("nothing to run: empty argv")
        prof = self.profiles.get(argv[0], RunProfile())
        if prof.time_overhead:
            limits = dataclasses.replace(limits, cpu_time=limits.cpu_time + prof.time_overhead,
                                         wall_time=limits.wall_time + prof.time_overhead)
        memory_mib = limits.memory_mib + prof.memory_overhead_mib
        processes = max(1, limits.processes) + prof.processes
        stack_mib = limits.stack_mib if limits.stack_mib is not None else memory_mib
        env = dict(DEFAULT_ENV if env is None else env)
        as_kib = mmap_max = 0
        if prof.address_space:
            # One mapping past limit + 32 MiB is a memory bomb (SIGSYS from seccomp -> MLE); the
            # 32 MiB leave room for a thread stack as large as the stack limit plus its guard.
            mmap_max = (memory_mib + 32) << 20
            if self.cgroup is None:
                as_kib = (memory_mib + 32) * 1024
        oom_before = 0
        if self.cgroup is not None:
            # The sandbox's own processes (bubblewrap, the helper, the run's init) count as pids.
            base = self.cgroup.pids_current() + 1
            try:
                # Files written to a tmpfs /box are charged to the cgroup too: allow the output.
                extra = limits.output_mib if self.workdir_tmpfs else 0
                self.cgroup.set_limits((memory_mib + extra + CGROUP_SLACK_MIB) << 20,
                                       base + processes)
            except OSError as exc:
                raise SandboxError(f"cannot set the cgroup limits: {exc}") from exc
            oom_before = self.cgroup.oom_kills()
        fields = [int(limits.cpu_time * 1000), int(limits.wall_time * 1000), as_kib,
                  int(limits.output_mib) << 20, processes, limits.open_files, stack_mib * 1024,
                  mmap_max, stdin or "", stdout or "", stderr or "", "/box", len(argv), *argv,
                  len(env), *(f"{k}={v}" for k, v in env.items())]
        payload = b"".join(str(f).encode() + b"\0" for f in fields)
        try:
            os.write(self._proc.stdin.fileno(), struct.pack("=I", len(payload)) + payload)
        except OSError as exc:
            raise SandboxError(f"sandbox helper is gone: {exc}") from exc
        line = self._readline(limits.wall_time + 30.0)
        if line is None:
            err = self._stderr_text()
            raise SandboxError(f"sandbox helper did not answer: {err}")
        exited, code, sig, cpu_us, wall_us, rss, flags, stage, err = (int(x) for x in line.split())
        if stage == 8 and err in (_errno.ENOMEM, _errno.E2BIG):
            # The kernel could not even load the program (e.g. a static array of many GiB).
            return RunOutcome("MLE", None, None, 0.0, wall_us / 1e6, 0,
                              f"memory limit {limits.memory_mib} MiB exceeded: the program "
                              f"cannot be loaded ({os.strerror(err)})")
        if stage:
            stages = {1: "open stdin", 2: "set limits", 3: "drop privileges", 4: "enter /box",
                      5: "open stdout", 6: "open stderr", 7: "load seccomp filter",
                      8: "execute", 9: "fork", 10: "parse request"}
            raise SandboxError(f"cannot {stages.get(stage, stage)} for {argv[0]}: "
                               f"{os.strerror(err) if err else 'failed'}")
        oom = self.cgroup is not None and self.cgroup.oom_kills() > oom_before
        for path in (stdout, stderr):
            self._drop_planted(path)
        return _classify(limits, memory_mib, bool(exited), code, sig, cpu_us / 1e6, wall_us / 1e6,
                         rss, flags, oom, stdout, self.workdir)

    def host_file(self, inside: str) -> Path | None:
        """The host path of a file the program wrote ("/box/name" or "name"), or None when it is
        missing or anything but a regular file reached without symlinks. Read program-written
        files through this (or with O_NOFOLLOW): a symlink planted in /box points, seen from the
        judge, into the host."""
        rel = inside[len("/box/"):] if inside.startswith("/box/") else inside
        if not Path(rel).parts or Path(rel).is_absolute():
            return None
        path = self.workdir
        for part in Path(rel).parts:
            if part in ("..", "/", "."):
                return None
            path = path / part
            try:
                st = os.lstat(path)
            except OSError:
                return None
            if stat.S_ISLNK(st.st_mode):
                return None
        return path if stat.S_ISREG(st.st_mode) else None

    def _drop_planted(self, inside: str | None) -> None:
        """The program may have replaced its output file by a symlink (to a host file, seen from
        the judge) or a FIFO: remove anything but a regular file so the judge never follows it."""
        if not inside or not inside.startswith("/box/"):
            return
        host = self.workdir / inside[len("/box/"):]
        try:
            st = os.lstat(host)
        except OSError:
            return
        if stat.S_ISDIR(st.st_mode):
            shutil.rmtree(host, onerror=_force_remove)
        elif not stat.S_ISREG(st.st_mode):
            os.unlink(host)

    def wipe(self, keep=()) -> None:
        """Delete everything in the work dir but `keep`; kept entries become read-only root files."""
        keep = set(keep)
        with os.scandir(self.workdir) as it:
            for entry in it:
                path = entry.path
                if entry.name in keep:
                    _freeze(path)
                    continue
                if entry.is_dir(follow_symlinks=False):
                    shutil.rmtree(path, onerror=_force_remove)
                else:
                    try:
                        os.unlink(path)
                    except FileNotFoundError:
                        pass

    def close(self) -> None:
        """Kill everything, remove the cgroups and the work dir (each step even if one fails)."""
        proc, self._proc = self._proc, None
        try:
            if proc is not None:
                for step in (proc.stdin.close, lambda: os.killpg(proc.pid, signal.SIGKILL), proc.wait,
                             proc.stdout.close, proc.stderr.close):
                    try:
                        step()
                    except OSError:
                        pass
        finally:
            try:
                if self.cgroup is not None:
                    cg, self.cgroup = self.cgroup, None
                    cg.remove()
            finally:
                try:
                    if self._uid is not None:
                        slot, self._uid = self._uid, None
                        _wait_uid_gone(slot.uid)
                        slot.release()
                finally:
                    if self._lock_fd is not None:
                        os.close(self._lock_fd)
                        self._lock_fd = None
                    if self.workdir_tmpfs:
                        _umount(self.workdir)
                        self.workdir_tmpfs = False
                    if self._top.exists():
                        shutil.rmtree(self._top, onerror=_force_remove)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


_libc = None


def _libc_call(name, *args) -> int:
    global _libc
    if _libc is None:
        import ctypes
        _libc = ctypes.CDLL(None, use_errno=True)
    return getattr(_libc, name)(*args)


def _mount_tmpfs(path: Path, size_mib: int) -> bool:
    if os.environ.get("TINHOC_JUDGE_TMPFS", "1").lower() in ("0", "no", "off", "false"):
        return False
    ms_nosuid, ms_nodev = 2, 4
    opts = f"size={int(size_mib)}m,mode=1777".encode()
    return _libc_call("mount", b"tmpfs", str(path).encode(), b"tmpfs", ms_nosuid | ms_nodev, opts) == 0


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
            shutil.rmtree(path, onerror=_force_remove)
        finally:
            os.close(fd)
    _cg.sweep_stale()


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


def _force_remove(func, path, exc_info):
    try:
        os.chmod(os.path.dirname(path), 0o700)
        func(path)
    except FileNotFoundError:
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


def _classify(limits: RunLimits, memory_mib: int, exited: bool, code: int, sig: int, cpu: float,
              wall: float, rss_kib: int, flags: int, oom: bool,
              stdout: str | None, workdir: Path) -> RunOutcome:
    """Rules, first match wins:
    OLE  killed by SIGXFSZ (RLIMIT_FSIZE) or the stdout file reached the output limit (a child
         process was stopped by RLIMIT_FSIZE);
    TLE  killed by the CPU or wall watchdog, SIGXCPU, or CPU/wall past the limit at exit;
    MLE  the cgroup OOM killer fired during the run, or SIGSYS (the seccomp filter kills a single
         mmap/mremap larger than the limit + 32 MiB), or peak RSS past the limit, or the program
         ended abnormally (signal or non-zero exit) with its peak RSS within 5% of the limit
         (a failed allocation under RLIMIT_AS/RLIMIT_STACK kills the program near the limit);
    RE   any other signal or non-zero exit code;
    OK   otherwise.
    """
    limit_kib = memory_mib * 1024
    abnormal = bool(sig) or (exited and code != 0)
    exit_code = code if exited else None
    signal_ = sig or None
    out_size = 0
    if stdout and stdout.startswith("/box/"):
        try:
            out_size = os.lstat(workdir / stdout[len("/box/"):]).st_size
        except OSError:
            pass

    def outcome(status, message):
        return RunOutcome(status, exit_code, signal_, round(cpu, 4), round(wall, 4), rss_kib, message)

    if sig == signal.SIGXFSZ or out_size >= limits.output_mib << 20:
        return outcome("OLE", f"output limit {limits.output_mib} MiB exceeded")
    if flags & 1 or sig == signal.SIGXCPU or cpu > limits.cpu_time:
        return outcome("TLE", f"CPU time limit {limits.cpu_time:g} s exceeded")
    if flags & 2 or wall > limits.wall_time:
        return outcome("TLE", f"wall time limit {limits.wall_time:g} s exceeded")
    if oom:
        return outcome("MLE", f"memory limit {limits.memory_mib} MiB exceeded (killed by the OOM killer)")
    if sig == signal.SIGSYS:
        # The peak RSS is small (the mapping was refused); report the lower bound of the refused
        # request instead, which is what the contestant needs to see.
        rss_kib = max(rss_kib, (memory_mib + 32) * 1024)
        return outcome("MLE", f"memory limit {limits.memory_mib} MiB exceeded (one allocation "
                              f"larger than the limit)")
    if rss_kib > limit_kib or (abnormal and rss_kib >= limit_kib * 0.95):
        return outcome("MLE", f"memory limit {limits.memory_mib} MiB exceeded")
    if sig:
        name = SIGNAL_NAMES.get(sig, str(sig))
        return outcome("RE", f"killed by signal {sig} ({name})")
    if code != 0:
        return outcome("RE", f"exit code {code}")
    return outcome("OK", "")


@contextlib.contextmanager
def open_sandbox(ro_binds=(), **kwargs):
    """One sandbox per submission: `with open_sandbox([(host, inside), ...]) as box: box.run(...)`."""
    box = Sandbox(ro_binds, **kwargs)
    try:
        yield box
    finally:
        box.close()
