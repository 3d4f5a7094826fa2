"""The Language base class and the compile step shared by every language."""
from __future__ import annotations

from abc import ABC, abstractmethod

import os


from dataclasses import dataclass, field

from ..sandbox import RunLimits, RunProfile, boxfiles

# Generous for a compiler, small enough that a compile bomb ends quickly.
COMPILE_LIMITS = RunLimits(cpu_time=15.0, wall_time=30.0, memory_mib=1024, output_mib=128,
                           processes=32, open_files=256, stack_mib=64)
COMPILE_OUTPUT_CHARS = 4000
COMPILE_LOG = "compile.log"


class LanguageUnavailable(LookupError):
    """The language's compiler or runtime is not installed on this judge machine."""


@dataclass
class CompileOutcome:
    ok: bool
    output: str = ""                       # compiler messages, truncated, readable
    run_argv: list[str] = field(default_factory=list)   # what to run for each test
    keep: tuple[str, ...] = ()             # what box.wipe() must keep between tests


def truncate(text: str, limit: int = COMPILE_OUTPUT_CHARS) -> str:
    if len(text) <= limit:
        return text
    half = limit // 2
    return text[:half] + f"\n... ({len(text) - limit} characters cut) ...\n" + text[-half:]


class Language(ABC):
    name = ""                   # registry key, e.g. "cpp17"
    label = ""                  # shown to contestants
    extensions: tuple[str, ...] = ()
    source_name = ""            # file name of the source inside /box
    binary = ""                 # the compiler or interpreter that must exist (host path = box path)
    memory_overhead_mib = 0     # runtime baseline added to the memory limit (see RunProfile)
    extra_processes = 0         # runtime threads added to the process limit
    address_space = True        # False: RLIMIT_AS would break the runtime (rlimits mode only)
    time_overhead = 0.0         # seconds added to CPU and wall limits by the sandbox (VM start-up)
    time_factor = 1.0           # for the grader: multiply the problem's time limit (1.0 everywhere;
                                # Scratch's load time is covered by time_overhead instead)

    def available(self) -> bool:
        """Whether the compiler/interpreter is installed (no network, no side effect)."""
        return bool(self.binary) and os.path.isfile(self.binary) and os.access(self.binary, os.X_OK)

    def compile_argv(self) -> list[str] | None:
        """The compiler's argv inside /box, or None when there is nothing to compile."""
        return None

    @abstractmethod
    def run_argv(self) -> list[str]:
        """The program's argv inside /box for each test."""

    def keep(self) -> tuple[str, ...]:
        return (self.source_name,)

    def prepare(self) -> None:
        """Install what the runtime needs before the first compile (e.g. vendored modules)."""

    def compile(self, box, source: bytes, limits: RunLimits | None = None) -> CompileOutcome:
        """Write the source into the box and compile it there; CE on any failure of the compiler."""
        if not self.available():
            raise LanguageUnavailable(f"{self.label}: {self.binary} is not installed")
        self.prepare()
        if isinstance(source, str):
            source = source.encode()
        # A binary kept (and frozen root-owned) by an earlier compile would block the compiler.
        boxfiles.clear_dir(box.workdir, keep=set(os.listdir(box.workdir)) - set(self.keep()))
        box.put("/box/" + self.source_name, source)
        run_argv = self.run_argv()
        profile = RunProfile(processes=self.extra_processes,
                             memory_overhead_mib=self.memory_overhead_mib,
                             address_space=self.address_space,
                             time_overhead=self.time_overhead)
        box.set_run_profile(run_argv[0], profile)
        argv = self.compile_argv()
        if argv is None:
            return CompileOutcome(True, "", run_argv, self.keep())
        limits = limits or COMPILE_LIMITS
        out = box.run(argv, stdout="/box/" + COMPILE_LOG, stderr="/box/" + COMPILE_LOG, limits=limits)
        text = box.read_text("/box/" + COMPILE_LOG, COMPILE_OUTPUT_CHARS * 4)
        boxfiles.clear_dir(box.workdir, keep=set(os.listdir(box.workdir)) - {COMPILE_LOG})
        text = truncate(text.replace("/box/", ""))
        if out.status != "OK":
            reasons = {"TLE": "compilation time limit exceeded",
                       "MLE": "compilation memory limit exceeded",
                       "OLE": "compiler output too large"}
            reason = reasons.get(out.status) or (
                f"compiler failed ({out.message})" if out.signal else "")
            if reason:
                text = (text + "\n" if text else "") + reason
            return CompileOutcome(False, text.strip() or "compilation failed", [], ())
        missing = [k for k in self.keep() if not os.path.lexists(box.workdir / k)]
        if missing:
            return CompileOutcome(False, (text + "\nno program was produced").strip(), [], ())
        return CompileOutcome(True, text, run_argv, self.keep())
