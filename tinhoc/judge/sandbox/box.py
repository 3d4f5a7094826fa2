"""One bubblewrap sandbox per submission, hosting a compiled fork-server that runs each test.

Isolation per sandbox: own PID, mount, network, IPC and UTS namespaces; read-only system paths;
a fresh work dir bound at /box; a clean environment (SANDBOX_ENV) for bubblewrap and the helper;
memory, pids and CPU cgroups where writable. Per run (inside the helper): a fresh PID namespace,
the run's own cgroups, an unprivileged uid unique to the sandbox, rlimits, an empty capability
bounding set, no_new_privs and a seccomp filter. See helper.c for the run protocol, and
boxfiles.py for how the judge reads and clears what a run left in /box (never by path).

Modes (sandbox_mode()): "bwrap+cgroup-v2" / "bwrap+cgroup-v1" when memory and pids cgroups can be
created under the judge's own cgroup: the box's (bubblewrap, the helper) and below it the run's
(the program alone: memory limit + output + RUN_SLACK_MIB, its tmpfs files included; OOM kills
counted; CPU of all its processes polled by the watchdog), else "bwrap+rlimits" (RLIMIT_AS =
limit + 32 MiB, RLIMIT_NPROC per sandbox uid). TINHOC_JUDGE_CGROUPS=0 forces rlimits. The judge
runs as root or as an unprivileged user that is root in its own user namespace (README).

Known limits:
- In rlimits mode the CPU watchdog reads the program's own CPU clock (all its threads); the CPU of
  child processes counts once they end (reaped), and wall time bounds them meanwhile.
- One allocation larger than limit + 32 MiB is MLE in every mode (seccomp kills the mmap). In
  rlimits mode an allocation below that which still fails under RLIMIT_AS, with a peak RSS far
  from the limit, ends as RE (bad_alloc -> SIGABRT); so does a static array too large to load
  (cgroup modes: MLE by the OOM killer, or by ENOMEM at exec).
- /box is a tmpfs mounted on the host's work dir when the judge may mount (root, or root of its
  user namespace), resized before each run to the run's memory + output and capped at
  BOX_INODES files: in cgroup mode its files are the run's memory (filling it is MLE); in rlimits
  mode a full tmpfs is a failed write. Without a tmpfs (TINHOC_JUDGE_TMPFS=0) disk use is bounded
  per file by the output limit and in total only by time; clearing stays iterative either way.
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
import signal
import struct
import subprocess
import tempfile
import time
from pathlib import Path

from . import boxfiles
from . import cgroups as _cg
# cache_dir, file_lock and sandbox_mode are re-exported: imported from here elsewhere.
from .host import (BWRAP, _freeze, _mount_tmpfs, _resize_tmpfs, _sweep_stale, _system_binds,  # noqa: F401
                   _UidSlot, _umount, _wait_uid_gone, bwrap_available, cache_dir, file_lock,
                   helper_binary, runtime_dir, sandbox_mode)
from .limits import RunLimits, RunOutcome, RunProfile, SandboxError, _classify

HELPER_INSIDE = "/.tinhoc-helper"
RUNTIME_INSIDE = "/opt/tinhoc"
RUN_SLACK_MIB = 8       # page cache (the program's binary and libraries) charged to the run
CGROUP_SLACK_MIB = 16   # the helper and bubblewrap, in the box's cgroup above the run's
WORKDIR_MIB = 1024      # size of the work dir's tmpfs (when the host lets us mount one)
DEFAULT_ENV = {"PATH": "/usr/local/bin:/usr/bin:/bin", "LANG": "C.UTF-8", "HOME": "/box",
               "TMPDIR": "/box"}
# bubblewrap and the helper start with this environment only: never the judge's own (database
# URLs, secret keys), which the helper would otherwise hold in its memory.
SANDBOX_ENV = {"PATH": "/usr/bin:/bin", "LANG": "C.UTF-8"}


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
        # Judge-owned files (copies of what the program wrote), outside /box.
        self.private = self._top / "judge"
        self._tmpfs_mib = workdir_mib
        try:
            # Held while the box lives: a folder nobody holds belongs to a dead judge process.
            self._lock_fd = os.open(self._top, os.O_RDONLY | os.O_DIRECTORY | os.O_CLOEXEC)
            fcntl.flock(self._lock_fd, fcntl.LOCK_EX)
            self.workdir.mkdir()
            self.private.mkdir(mode=0o700)
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
        # CAP_SETPCAP: the helper empties the capability bounding set of every program it runs.
        for cap in ("CAP_SETUID", "CAP_SETGID", "CAP_SYS_ADMIN", "CAP_KILL", "CAP_DAC_OVERRIDE",
                    "CAP_SYS_RESOURCE", "CAP_SETPCAP"):
            args += ["--cap-add", cap]
        helper_args, fds = self._run_cgroup_fds()
        try:
            args += [HELPER_INSIDE, str(self.uid), str(self.uid), *helper_args]
            # A tiny shell joins the box's cgroups before becoming bubblewrap, so no process of
            # the sandbox ever runs outside them; each program joins the run's cgroups itself.
            joins = [str(p) for p in self.cgroup.attach_paths()] if self.cgroup else []
            script = ('n=$1; shift; while [ "$n" -gt 0 ]; do echo $$ > "$1" || exit 112; shift; n=$((n-1)); done; '
                      'exec "$@"')
            self._proc = subprocess.Popen(["/bin/sh", "-c", script, "sh", str(len(joins)), *joins, *args],
                                          stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                          stderr=subprocess.PIPE, start_new_session=True, bufsize=0,
                                          env=dict(SANDBOX_ENV), pass_fds=fds)
        finally:
            for f in fds:
                os.close(f)
        self._out = self._proc.stdout.fileno()
        self._buf = b""
        line = self._readline(15.0)
        if line != b"READY":
            err = self._stderr_text()
            raise SandboxError(f"sandbox did not start: {line!r} {err}")

    def _run_cgroup_fds(self) -> tuple[list[str], list[int]]:
        """The helper's cgroup arguments (CPUFD CPUKIND JOINFD..., see helper.c) and the host
        descriptors behind them, opened here so that the program can join its run's cgroups
        from inside the sandbox, where no cgroup file is mounted."""
        if self.cgroup is None:
            return [], []
        fds: list[int] = []
        try:
            usage = self.cgroup.cpu_usage()
            cpu_fd, kind = (-1, 0) if usage is None else (os.open(usage[0], os.O_RDONLY), usage[1])
            if cpu_fd >= 0:
                fds.append(cpu_fd)
            joins = [os.open(path, os.O_WRONLY) for path in self.cgroup.run_join_paths()]
            fds += joins
        except OSError as exc:
            for f in fds:
                os.close(f)
            raise SandboxError(f"cannot open the run's cgroups: {exc}") from exc
        return [str(cpu_fd), str(kind), *(str(f) for f in joins)], fds

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
        # Files the program writes to a tmpfs /box are memory too: they count against the run's
        # cgroup, and the tmpfs holds no more than that cgroup allows.
        extra = limits.output_mib if self.workdir_tmpfs else 0
        run_mib = memory_mib + extra + RUN_SLACK_MIB
        if self.workdir_tmpfs and run_mib != self._tmpfs_mib:
            if not _resize_tmpfs(self.workdir, run_mib):
                raise SandboxError(f"cannot resize the work dir's tmpfs to {run_mib} MiB")
            self._tmpfs_mib = run_mib
        if self.cgroup is not None:
            # The sandbox's own processes (bubblewrap, the helper, the run's init) count as pids.
            base = self.cgroup.pids_current() + 1
            try:
                # + 1 in the run: the next run's process waits there already (see helper.c);
                # the program itself is held to `processes` by RLIMIT_NPROC of its own uid.
                self.cgroup.set_limits(run_mib << 20, processes + 1,
                                       (run_mib + CGROUP_SLACK_MIB) << 20, base + processes + 1)
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
                      8: "execute", 9: "fork", 10: "parse request", 11: "join the run's cgroups",
                      12: "drop capabilities"}
            raise SandboxError(f"cannot {stages.get(stage, stage)} for {argv[0]}: "
                               f"{os.strerror(err) if err else 'failed'}")
        oom = self.cgroup is not None and self.cgroup.oom_kills() > oom_before
        for path in (stdout, stderr):
            self._drop_planted(path)
        return _classify(limits, memory_mib, bool(exited), code, sig, cpu_us / 1e6, wall_us / 1e6,
                         rss, flags, oom, stdout, self.workdir)

    @staticmethod
    def _name(inside: str) -> str:
        """"/box/name" or "name" -> "name"; anything deeper or odd -> "" (never found)."""
        name = inside[len("/box/"):] if inside.startswith("/box/") else inside
        return "" if "/" in name or name in ("", ".", "..") else name

    def take(self, inside: str, dest: Path, limit: int) -> boxfiles.Taken:
        """Copy a file the program wrote ("/box/name") into the judge-owned `dest` (see
        boxfiles.take_file): the only way the judge reads a program's output."""
        return boxfiles.take_file(self.workdir, self._name(inside), dest, limit)

    def read_text(self, inside: str, limit: int = 8192) -> str:
        """The start of a small file the program wrote ("" when it is not a regular file)."""
        return boxfiles.read_text(self.workdir, self._name(inside), limit)

    def put(self, inside: str, data: bytes | None = None, *, source: Path | None = None,
            mode: int = 0o644) -> None:
        """Create a root-owned file in /box (whatever the program left at that name is removed)."""
        boxfiles.put_file(self.workdir, self._name(inside) or "-", data, source=source, mode=mode)

    def _drop_planted(self, inside: str | None) -> None:
        """The program may have replaced its output file by a symlink (to a host file, seen from
        the judge), a FIFO or a folder: remove anything but a regular file."""
        name = self._name(inside) if inside and inside.startswith("/box/") else ""
        if name:
            boxfiles.drop_unless_regular(self.workdir, name)

    def wipe(self, keep=()) -> None:
        """Delete everything in the work dir but `keep`; kept entries become read-only root files."""
        keep = set(keep)
        boxfiles.clear_dir(self.workdir, keep)
        for name in keep:
            if os.path.lexists(self.workdir / name):
                _freeze(str(self.workdir / name))

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
                    boxfiles.remove_tree(self._top)

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
