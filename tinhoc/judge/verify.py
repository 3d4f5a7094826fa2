"""Verify a package as problemtools' verifyproblem does.

Every submissions/<verdict>/ file in a language this judge runs is judged and must get what its
folder says (accepted first: they fix a missing time limit), and every Kattis input validator must
accept every test input.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from . import languages as _langs
from . import sandbox as sb
from .checker_build import CHECKER_LIMITS, build_checker
from .errors import JudgeError
from .runner import judge_package
from .job import JudgeResult, Limits, Verdict
from .packages import Package, PackageError, load_package
from .timelimit import compute_time_limit


@dataclass
class SubmissionCheck:
    folder: str
    file: str
    language: str
    expected: str
    result: JudgeResult | None = None
    ok: bool = False
    reason: str = ""

    def to_dict(self) -> dict:
        return {"folder": self.folder, "file": self.file, "language": self.language, "expected": self.expected,
                "ok": self.ok, "reason": self.reason,
                "result": self.result.to_dict() if self.result else None}


@dataclass
class VerifyReport:
    package: str
    format: str
    time_limit: float
    time_limit_derived: bool
    checks: list[SubmissionCheck] = field(default_factory=list)
    skipped: list[str] = field(default_factory=list)      # files in languages this judge does not run
    error: str = ""                                       # broken package, no accepted submission ...
    warnings: list[str] = field(default_factory=list)
    input_errors: list[str] = field(default_factory=list)  # inputs an input validator rejected
    inputs_validated: int = 0                              # (validator, input) pairs run

    @property
    def ok(self) -> bool:
        return (not self.error and not self.input_errors and all(c.ok for c in self.checks)
                and bool(self.checks))

    def to_dict(self) -> dict:
        return {"package": self.package, "format": self.format, "time_limit": self.time_limit,
                "time_limit_derived": self.time_limit_derived, "ok": self.ok, "error": self.error,
                "skipped": self.skipped, "warnings": self.warnings, "input_errors": self.input_errors,
                "inputs_validated": self.inputs_validated,
                "checks": [c.to_dict() for c in self.checks]}


def problemtools_verdict(res: JudgeResult, pkg: Package, folder: str) -> Verdict:
    """The verdict problemtools' verifyproblem gives where the Kattis folders differ from ours:
    it has no memory verdict (a program past the memory limit is a run-time error), and on a
    scoring problem a partially_accepted/ submission that earns points is accepted, with its
    partial score. `run` keeps our own verdicts (MLE; WA with a score)."""
    v = res.verdict
    if not pkg.format.startswith("kattis"):
        return v
    if v == Verdict.MLE:
        return Verdict.RE
    if folder == "partially_accepted" and pkg.scoring and res.score > 1e-9 and v not in (Verdict.CE, Verdict.IE):
        return Verdict.AC
    return v


def expectation_met(folder: str, res: JudgeResult, pkg: Package) -> tuple[bool, str]:
    """Does a submission in submissions/<folder>/ get what its folder says (as problemtools judges)?"""
    from .packages import SUBMISSION_FOLDERS
    want = SUBMISSION_FOLDERS.get(folder)
    v = problemtools_verdict(res, pkg, folder)
    seen = v.value if v == res.verdict else f"{v.value} ({res.verdict.value} here)"
    full = res.max_score > 0 and abs(res.score - res.max_score) < 1e-6
    if want is None:
        return True, f"folder {folder!r} has no expectation"
    if want == "AC":
        if v != Verdict.AC:
            return False, f"expected AC, got {seen}"
        if pkg.scoring and not full:
            return False, f"expected the full score {res.max_score:g}, got {res.score:g}"
        return True, ""
    if want == "PAC":
        if not (0 < res.score < res.max_score - 1e-9):
            return False, f"expected a partial score, got {res.score:g} of {res.max_score:g}"
        if pkg.format.startswith("kattis") and v != Verdict.AC:
            return False, f"expected AC with a partial score, got {seen}"
        return True, ""
    if want == "REJECTED":
        return (v != Verdict.AC, "" if v != Verdict.AC else "expected a rejection, got AC")
    if want == "BRUTE":
        return (v in (Verdict.TLE, Verdict.RE), "" if v in (Verdict.TLE, Verdict.RE)
                else f"expected TLE or RE, got {seen}")
    return (v.value == want, "" if v.value == want else f"expected {want}, got {seen}")


def verify(package_path, *, progress=None) -> VerifyReport:
    """Judge every submissions/<verdict>/ file (accepted first, they fix a missing time limit)."""
    try:
        pkg = load_package(package_path)
    except PackageError as exc:
        return VerifyReport(str(package_path), "", 0.0, False, error=f"broken package: {exc.reason}")
    langs = _langs
    try:
        report = VerifyReport(str(package_path), pkg.format, pkg.time_limit or 0.0, pkg.time_limit is None,
                              warnings=list(pkg.warnings))
        if not pkg.submissions:
            report.error = "the package has no submissions/ to verify"
            return report
        folders = sorted(pkg.submissions, key=lambda f: (f != "accepted", f))
        runnable: list[tuple[str, Path, str]] = []
        for folder in folders:
            for path in pkg.submissions[folder]:
                if path.is_dir():
                    report.skipped.append(f"{folder}/{path.name}/ (multi-file submissions are not supported)")
                    continue
                lang = langs.language_for_filename(path.name)
                if lang is None or not lang.available():
                    why = "unsupported language" if lang is None else f"{lang.name} unavailable here"
                    report.skipped.append(f"{folder}/{path.name} ({why})")
                    continue
                runnable.append((folder, path, lang.name))
        report.input_errors, report.inputs_validated = validate_inputs(pkg)
        derived_runs: dict[Path, JudgeResult] = {}
        if pkg.time_limit is None:
            runs: list = []
            try:
                report.time_limit = compute_time_limit(pkg, runs=runs)
            except JudgeError as exc:
                report.error = str(exc)
            derived_runs = dict(runs)
        limits = Limits(time=report.time_limit, memory=pkg.memory, output=pkg.output)
        kattis = pkg.format.startswith("kattis")
        for folder, path, lang_name in runnable:
            check = SubmissionCheck(folder, path.name, lang_name, folder)
            if report.error and folder != "accepted":
                check.reason = "not judged: " + report.error
                report.checks.append(check)
                continue
            if folder == "accepted" and path in derived_runs:
                res = derived_runs[path]   # judged with the probe limit, far above the derived one
            else:
                run_limits = limits
                if folder == "time_limit_exceeded" and kattis:
                    # must still be too slow with the safety margin (problemtools does the same)
                    run_limits = Limits(time=limits.time * pkg.time_safety_margin, memory=limits.memory,
                                        output=limits.output)
                res = judge_package(pkg, lang_name, path.read_bytes(), run_limits)
            if folder == "accepted" and path in derived_runs and res.verdict == Verdict.AC:
                slow = max((t.time for t in res.tests), default=0.0)
                if slow > report.time_limit:
                    res.verdict = Verdict.TLE
            check.result = res
            check.ok, check.reason = expectation_met(folder, res, pkg)
            report.checks.append(check)
            if progress:
                progress(check)
        return report
    finally:
        pkg.close()


def validate_inputs(pkg: Package) -> tuple[list[str], int]:
    """Run every Kattis input validator on every test input (`validator [args] < input`, 42 = valid)."""
    errors: list[str] = []
    runs = 0
    if not pkg.input_validators:
        return errors, runs
    tests = pkg.tests()
    for source in pkg.input_validators:
        vname = source.stem if source.is_file() else source.name
        try:
            build = build_checker(source)
        except JudgeError as exc:
            errors.append(f"input validator {source.name}: {exc}")
            continue
        with sb.open_sandbox([(str(build.dir), "/checker")]) as box:
            for t in tests:
                args = pkg.input_validator_args.get(t.name) or []
                if isinstance(args, dict):
                    args = args.get(vname, [])
                box.wipe()
                box.put("/box/input", source=t.input_path)
                out = box.run([*build.argv, *args], stdin="/box/input", stdout="/box/.log", stderr="/box/.log",
                              limits=sb.RunLimits(**CHECKER_LIMITS))
                runs += 1
                if out.status in ("OK", "RE") and out.signal is None and out.exit_code == 42:
                    continue
                why = box.read_text("/box/.log", 300).strip().splitlines()
                detail = f"exit code {out.exit_code}" if out.exit_code is not None else out.message
                errors.append(f"{vname} rejects {t.name}.in ({detail}{': ' + why[-1] if why else ''})")
    return errors, runs


__all__ = ["SubmissionCheck", "VerifyReport", "expectation_met", "problemtools_verdict", "validate_inputs",
           "verify"]
