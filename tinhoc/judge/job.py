"""The judge's contract with the rest of the world: a job in, a result out.

Plain dataclasses, serialisable to JSON (`to_dict` / `from_dict`) so that a job can
travel through Celery or an in-process pool and come back as the same result.
"""
from __future__ import annotations

import enum
from dataclasses import asdict, dataclass, field


class Verdict(str, enum.Enum):
    AC = "AC"   # accepted
    WA = "WA"   # wrong answer (also presentation error: the contestant's output is wrong)
    TLE = "TLE"  # CPU time or wall time past the limit
    MLE = "MLE"  # memory past the limit
    RE = "RE"   # non-zero exit or killed by a signal
    OLE = "OLE"  # output past the output limit
    CE = "CE"   # compilation error
    IE = "IE"   # internal error: broken checker or package, never the contestant's fault
    SKIPPED = "SKIPPED"  # not run because its group already failed


@dataclass
class Limits:
    """Limits for running one test. Time in seconds, memory and output in MiB."""
    time: float = 1.0
    memory: int = 256
    output: int = 64
    wall_factor: float = 3.0  # wall limit = time * wall_factor + 0.5 (for sleeps and I/O waits)

    @property
    def wall(self) -> float:
        return self.time * self.wall_factor + 0.5


@dataclass
class JudgeJob:
    """One submission to grade against one problem package."""
    language: str            # key in tinhoc.judge.languages registry: "cpp17", "c", "python3", "pascal", "scratch3"
    source: str | bytes      # program text (bytes for binary sources such as .sb3)
    package_path: str        # path to the problem package (folder or .zip)
    limits: Limits | None = None  # overrides the package's limits when given
    submission_id: str | None = None  # opaque id from the web side, echoed back

    def to_dict(self) -> dict:
        d = asdict(self)
        if isinstance(self.source, bytes):
            import base64
            d["source"] = {"b64": base64.b64encode(self.source).decode()}
        return d

    @classmethod
    def from_dict(cls, d: dict) -> "JudgeJob":
        d = dict(d)
        if isinstance(d.get("source"), dict):
            import base64
            d["source"] = base64.b64decode(d["source"]["b64"])
        if d.get("limits") is not None:
            d["limits"] = Limits(**d["limits"])
        return cls(**d)


@dataclass
class TestResult:
    name: str
    verdict: Verdict
    time: float = 0.0        # CPU seconds
    wall: float = 0.0        # wall seconds
    memory: int = 0          # peak KiB
    points: float = 0.0      # points earned on this test
    max_points: float = 0.0
    message: str = ""        # for the jury: checker feedback (may quote the expected answer), signal ...
    group: str = ""          # subtask / test group name
    feedback: str = ""       # for the contestant: the limit or signal on TLE/MLE/RE/OLE, the checker's
                             # words on sample tests only; never a token of a hidden answer


@dataclass
class SubtaskResult:
    name: str
    score: float
    max_score: float
    verdict: Verdict


@dataclass
class JudgeResult:
    """The outcome of one job.

    Who sees what (the web side must keep to it): the contestant sees the verdict, score, time and
    memory, `compile_output` (their own compiler's words) and each test's `feedback`; the jury also
    sees each test's `message` and the result's `message`. Both are plain text: escape them when
    rendering (Jinja does), never mark them safe.
    """
    verdict: Verdict                      # overall verdict: first non-AC test verdict, or AC
    score: float = 0.0                    # total points
    max_score: float = 0.0
    compile_output: str = ""             # truncated, readable
    tests: list[TestResult] = field(default_factory=list)
    subtasks: list[SubtaskResult] = field(default_factory=list)
    sandbox_mode: str = ""               # e.g. "bwrap+cgroup2", "bwrap+rlimit": what was in force
    message: str = ""                    # for the jury: IE reason, unavailable language, ...
    submission_id: str | None = None
    time_limit: float = 0.0              # seconds per test actually applied (package's or derived)
    memory_limit: int = 0                # MiB per test actually applied

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, d: dict) -> "JudgeResult":
        d = dict(d)
        d["verdict"] = Verdict(d["verdict"])
        d["tests"] = [TestResult(**{**t, "verdict": Verdict(t["verdict"])}) for t in d.get("tests", [])]
        d["subtasks"] = [SubtaskResult(**{**s, "verdict": Verdict(s["verdict"])}) for s in d.get("subtasks", [])]
        return cls(**d)
