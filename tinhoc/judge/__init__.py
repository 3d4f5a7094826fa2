"""tinhoc.judge: a sandboxed grader for programming problems.

Pure Python plus the OS sandbox: it imports neither Flask nor the database, so it
runs alone on worker machines. A `JudgeJob` goes in, a `JudgeResult` comes out.
"""
from .job import JudgeJob, JudgeResult, Limits, TestResult, SubtaskResult, Verdict

__all__ = ["JudgeJob", "JudgeResult", "Limits", "TestResult", "SubtaskResult", "Verdict"]


def judge(job: JudgeJob, progress=None) -> JudgeResult:
    """Grade one job in this process (see tinhoc.judge.grader; tinhoc.judge.worker queues jobs);
    `progress` hears of each stage (tinhoc.judge.progress)."""
    from .grader import judge as _judge
    return _judge(job, progress)


def load_package(path, format=None):
    """Load a problem package (Kattis, plain zip or Themis); raises packages.PackageError."""
    from .packages import load_package as _load
    return _load(path, format)


__all__ += ["judge", "load_package"]
