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
import os
import select
import shutil
import signal
import stat
import struct
import subprocess
import tempfile
import time
from pathlib import Path

from . import cgroups as _cg
# cache_dir, file_lock and sandbox_mode are re-exported: imported from here elsewhere.
from .host import (BWRAP, _force_remove, _freeze, _mount_tmpfs, _sweep_stale, _system_binds,  # noqa: F401
                   _UidSlot, _umount, _wait_uid_gone, bwrap_available, cache_dir, file_lock,
                   helper_binary, runtime_dir, sandbox_mode)
from .limits import RunLimits, RunOutcome, RunProfile, SandboxError, _classify

HELPER_INSIDE = "/.tinhoc-helper"
RUNTIME_INSIDE = "/opt/tinhoc"
CGROUP_SLACK_MIB = 16   # the helper, bubblewrap and page cache share the sandbox's memory cgroup
WORKDIR_MIB = 1024      # size of the work dir's tmpfs (when the host lets us mount one)
DEFAULT_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/box",
               "TMPDIR": "/box"}


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


@contextlib.contextmanager
def open_sandbox(ro_binds=(), **kwargs):
    """One sandbox per submission: `with open_sandbox([(host, inside), ...]) as box: box.run(...)`."""
    box = Sandbox(ro_binds, **kwargs)
    try:
        yield box
    finally:
        box.close()
