"""Grading one submission against a loaded package: compile, run every test, check, score.

One sandbox per submission runs every test (its work dir wiped between tests). A broken package,
a checker that does not compile or misbehaves, or a sandbox failure is IE with the reason in
`message`; never the contestant's fault.

Files: the contestant never sees the package. Each test's input is copied into the box (root-owned,
read-only to the program) and given on stdin (and, for Themis packages, as NAME.INP in the working
directory). What the program wrote is taken out of the box once, through a file descriptor that
follows no link, into a judge-owned copy (sandbox/boxfiles.py); checkers only ever read that copy.
Program checkers run in a second sandbox that sees the package read-only at /problem, the
compiled checker at /checker, and that copy of the output in its own work dir.

Messages: every test result carries the jury's `message` (a checker may quote the expected answer)
and the contestant's `feedback` (see job.TestResult): on hidden tests a checker's words never
reach the contestant, only the verdict, time and memory.
"""
from __future__ import annotations

import logging
import os
from pathlib import Path

from . import languages as langs
from . import sandbox as sb
from .checker_build import CHECKER_LIMITS, CheckerBuild, prepare_checker
from .checkers import CheckContext, CheckResult, ProgramChecker
from .errors import JudgeError, plain, truncate
from .job import JudgeResult, Limits, Verdict
from .packages import Package
from .progress import COMPILING, TESTING, JudgeProgress, ProgressCallback, report
from .sandbox import boxfiles
from .scoring import TestCase, TestOutcome, evaluate

log = logging.getLogger(__name__)

PROGRAM_VERDICTS = (Verdict.TLE, Verdict.MLE, Verdict.RE, Verdict.OLE)


def judge_package(pkg: Package, language: str, source: str | bytes, limits: Limits, *,
                  submission_id: str | None = None, progress: ProgressCallback | None = None) -> JudgeResult:
    """Grade source against an already loaded package with the given limits; `progress` hears of
    the compilation and of each test before it runs (see progress.py)."""
    result = JudgeResult(Verdict.IE, submission_id=submission_id, max_score=round(pkg.tree.max_score(), 6))
    result.time_limit = limits.time
    result.memory_limit = limits.memory
    try:
        lang = langs.get_language(language)
    except KeyError:
        result.message = f"unknown language {language!r}"
        return result
    if not lang.available():
        result.message = f"language {language} is not available on this judge"
        return result
    if isinstance(source, str):
        source = source.encode("utf-8")
    factor = float(getattr(lang, "time_factor", 1.0) or 1.0)
    if factor != 1.0:
        limits = Limits(time=round(limits.time * factor, 3), memory=limits.memory, output=limits.output,
                        wall_factor=limits.wall_factor)
        result.time_limit = limits.time
    result.sandbox_mode = sb.sandbox_mode()
    try:
        checker_run = prepare_checker(pkg)
        with sb.open_sandbox() as box:
            result.sandbox_mode = getattr(box, "mode", result.sandbox_mode)
            report(progress, JudgeProgress(COMPILING, tests=len(pkg.tree.tests())))
            compiled = lang.compile(box, source)
            if not compiled.ok:
                result.verdict = Verdict.CE
                result.compile_output = truncate(compiled.output or "")
                return result
            result.compile_output = truncate(compiled.output or "")
            runner = _TestRunner(pkg, box, compiled, limits, checker_run)
            try:
                ev = evaluate(pkg.tree, _announcing(runner.run, progress, len(pkg.tree.tests())))
            finally:
                runner.close()
    except JudgeError as exc:
        result.verdict, result.message = Verdict.IE, str(exc)
        return result
    except sb.SandboxError as exc:
        log.exception("sandbox failure")
        result.verdict, result.message = Verdict.IE, f"sandbox failure: {exc}"
        return result
    except Exception as exc:  # noqa: BLE001 - whatever broke on our side, the job ends as IE
        log.exception("judge failure")
        result.verdict, result.message = Verdict.IE, f"internal error: {exc!r}"
        return result
    result.verdict = ev.verdict
    result.score, result.max_score = ev.score, ev.max_score
    result.tests, result.subtasks = ev.tests, ev.subtasks
    ie = next((t for t in ev.tests if t.verdict == Verdict.IE), None)
    if ie is not None:
        result.verdict = Verdict.IE
        result.message = f"internal error on test {ie.name}: {ie.message}"
    return result


def _announcing(run, progress: ProgressCallback | None, total: int):
    """`run` that first tells `progress` which test (1-based, in the order run, and its name) is starting,
    with the verdict, time and memory of those finished before it."""
    if progress is None:
        return run
    finished: list[dict] = []

    def run_announced(test: TestCase) -> TestOutcome:
        report(progress, JudgeProgress(TESTING, test=len(finished) + 1, tests=total, name=test.name,
                                       finished=tuple(finished)))
        out = run(test)
        finished.append({"name": test.name, "verdict": out.verdict.value, "time": out.time, "memory": out.memory})
        return out
    return run_announced


class _TestRunner:
    def __init__(self, pkg: Package, box, compiled, limits: Limits, checker_run: CheckerBuild | None):
        self.pkg, self.box, self.compiled, self.limits = pkg, box, compiled, limits
        self.keep = tuple(compiled.keep or ())
        self.checker = pkg.checker
        self.checker_run = checker_run
        self.failed = False
        self.cbox = None
        self.output_copy = Path(box.private) / "output"
        self.run_limits = sb.RunLimits(cpu_time=limits.time, wall_time=limits.wall,
                                       memory_mib=int(limits.memory), output_mib=int(limits.output))
        if checker_run is not None:
            binds = [(str(checker_run.dir), "/checker"), (str(pkg.root.resolve()), "/problem")]
            self.ext = {}
            for i, d in enumerate(pkg.data_dirs()):
                self.ext[d] = f"/data{i}"
                binds.append((str(d), f"/data{i}"))
            self.cbox = sb.Sandbox(binds)

    def close(self):
        if self.cbox is not None:
            self.cbox.close()
            self.cbox = None

    def _inside(self, host: Path) -> str:
        root = self.pkg.root.resolve()
        if root in host.parents:
            return "/problem/" + str(host.relative_to(root))
        return f"{self.ext[host.parent]}/{host.name}"

    def run(self, test: TestCase) -> TestOutcome:
        if self.failed:
            return TestOutcome(Verdict.SKIPPED, message="not run: internal error on an earlier test")
        out = self._run(test)
        if out.verdict == Verdict.IE:
            self.failed = True
        return out

    def _run(self, test: TestCase) -> TestOutcome:
        box = self.box
        box.wipe(keep=self.keep)
        box.put("/box/input.txt", source=test.input_path)
        io = self.pkg.io_filename
        if io:
            for name in {io + ".INP", io.lower() + ".inp"}:
                box.put("/box/" + name, source=test.input_path)
        out = box.run(self.compiled.run_argv, stdin="/box/input.txt", stdout="/box/output.txt",
                      limits=self.run_limits)
        base = dict(time=out.cpu_time, wall=out.wall_time, memory=out.memory_kib)
        limit = self.limits.output << 20
        taken = box.take("/box/output.txt", self.output_copy, limit)
        if out.status == "RE" and taken.size >= limit:
            # the program saw a failed write at the output limit (Python ignores SIGXFSZ) and died
            msg = f"output limit {self.limits.output} MiB exceeded"
            return TestOutcome(Verdict.OLE, message=msg, feedback=msg, **base)
        if out.status != "OK":
            # TLE before RE, RE before the checker: the sandbox's status already follows that order
            return TestOutcome(Verdict(out.status), message=out.message, feedback=out.message, **base)
        if io:
            wanted = io.lower() + ".out"
            name = next((n for n in os.listdir(box.workdir) if n.lower() == wanted), None)
            if name is not None:
                named = box.take("/box/" + name, self.output_copy, limit)
                if named.status == "too-large":
                    msg = "output file past the output limit"
                    return TestOutcome(Verdict.OLE, message=msg, feedback=msg, **base)
                if not named.ok:   # a link or a FIFO under that name: the program's stdout counts
                    taken = box.take("/box/output.txt", self.output_copy, limit)
        # Anything but a regular file (a planted symlink, a FIFO, a folder) left an empty copy:
        # the checker sees no output at all.
        try:
            res = self._check(test, self.output_copy)
        except JudgeError as exc:
            res = CheckResult(Verdict.IE, str(exc))
        except Exception as exc:  # a built-in checker failing is the judge's fault
            log.exception("checker crashed")
            res = CheckResult(Verdict.IE, f"checker crashed: {exc!r}")
        if not self.pkg.validator_scores:
            res.score = res.fraction = None
        message = plain(res.message)
        feedback = message if test.sample and res.verdict != Verdict.IE else ""
        return TestOutcome(res.verdict, message=message, feedback=feedback, fraction=res.fraction,
                           score=res.score, **base)

    def _check(self, test: TestCase, output: Path) -> CheckResult:
        if not isinstance(self.checker, ProgramChecker):
            return self.checker.check(CheckContext(test.input_path, output, test.answer_path, list(test.args)))
        cbox = self.cbox
        cbox.wipe()
        cbox.put("/box/output", source=output)
        boxfiles.make_dir(cbox.workdir, "feedback", 0o777)
        checker = self.checker
        argv = checker.argv(self.checker_run.argv, self._inside(test.input_path), "/box/output",
                            self._inside(test.answer_path), "/box/feedback/", list(test.args))
        out = cbox.run(argv, stdin="/box/output" if checker.stdin_is_output else None,
                       stdout="/box/checker.out", stderr="/box/checker.err",
                       limits=sb.RunLimits(**CHECKER_LIMITS))
        if out.status in ("TLE", "MLE", "OLE") or out.signal:
            return CheckResult(Verdict.IE, f"checker failed: {out.status} {out.message}".strip())
        stdout = cbox.read_text("/box/checker.out")
        stderr = cbox.read_text("/box/checker.err")
        feedback = boxfiles.read_texts(cbox.workdir, "feedback", checker.FEEDBACK_FILES)
        return checker.interpret(out.exit_code if out.exit_code is not None else -1, stdout, stderr, feedback)


__all__ = ["judge_package"]
