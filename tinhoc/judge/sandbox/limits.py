"""What a sandbox run is given and how it ended: limits, runtime profile, outcome and its verdict.

The verdict rules live in `_classify` (see its docstring); `Sandbox.run` in box.py feeds it the
helper's report.
"""
from __future__ import annotations

import os
import signal
from dataclasses import dataclass
from pathlib import Path

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
