"""The grader's entry point: one job in, one result out.

`judge(job)` loads the package, settles its limits (a Kattis package without a time limit gets
the one derived from its accepted submissions, see timelimit.py) and grades the submission with
runner.judge_package. The modules depend one way only: errors <- checker_build <- runner <-
timelimit <- grader, verify.
"""
from __future__ import annotations

from .checker_build import CHECKER_LIMITS, build_checker  # noqa: F401 (re-exported)
from .errors import JudgeError, truncate
from .job import JudgeJob, JudgeResult, Verdict
from .packages import PackageError, load_package
from .progress import ProgressCallback
from .runner import judge_package
from .timelimit import package_limits


def judge(job: JudgeJob, progress: ProgressCallback | None = None) -> JudgeResult:
    """Grade one submission. Never raises for the package's or the contestant's faults.
    `progress` hears "compiling" and "test k of n" as they start (progress.py)."""
    try:
        pkg = load_package(job.package_path)
    except PackageError as exc:
        return JudgeResult(Verdict.IE, message=f"broken package: {exc.reason}", submission_id=job.submission_id)
    except OSError as exc:
        return JudgeResult(Verdict.IE, message=f"cannot read the package: {exc}", submission_id=job.submission_id)
    try:
        limits = job.limits
        if limits is None:
            try:
                limits = package_limits(pkg)
            except JudgeError as exc:
                return JudgeResult(Verdict.IE, message=str(exc), submission_id=job.submission_id)
        return judge_package(pkg, job.language, job.source, limits, submission_id=job.submission_id,
                             progress=progress)
    finally:
        pkg.close()


__all__ = ["CHECKER_LIMITS", "JudgeError", "build_checker", "judge", "judge_package", "truncate"]
