"""tinhoc.judge: a sandboxed grader for programming problems.

Pure Python plus the OS sandbox: it imports neither Flask nor the database, so it
runs alone on worker machines. A `JudgeJob` goes in, a `JudgeResult` comes out.
"""
from .job import JudgeJob, JudgeResult, Limits, TestResult, SubtaskResult, Verdict

__all__ = ["JudgeJob", "JudgeResult", "Limits", "TestResult", "SubtaskResult", "Verdict"]
