"""The grader: one job in, one result out.

`judge(job)` loads the package, compiles the submission in a sandbox, runs every test in that one
sandbox (the work directory wiped between tests), checks each output, and scores the tree. A broken
package, a checker that does not compile or misbehaves, or a sandbox failure is IE with the reason
in `message`; never the contestant's fault.

Files: the contestant never sees the package. Each test's input is copied into the box (root-owned,
read-only to the program) and given on stdin (and, for Themis packages, as NAME.INP in the working
directory). Program checkers run in a second sandbox that sees the package read-only at /problem,
the compiled checker at /checker, and the contestant's output moved into its work directory.

Next to it: timelimit.py derives a Kattis package's missing time limit (and caches it), verify.py
judges a package's submissions/<verdict>/ folders and runs its input validators. Both build on this
module, so judge() imports timelimit lazily.
"""
from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import threading
from dataclasses import dataclass, field
from pathlib import Path

from .checkers import CheckContext, CheckResult, ProgramChecker
from .job import JudgeJob, JudgeResult, Limits, Verdict
from .packages import Package, PackageError, load_package
from .scoring import TestCase, TestOutcome, evaluate

log = logging.getLogger(__name__)

COMPILE_OUTPUT_MAX = 4000          # characters of compiler output kept in a CE result
CHECKER_LIMITS = dict(cpu_time=10.0, wall_time=30.0, memory_mib=1024, output_mib=16, processes=1,
                      open_files=64)
BUILD_LIMITS = dict(cpu_time=60.0, wall_time=120.0, memory_mib=2048, output_mib=256, processes=64,
                    open_files=256)
CPP_SUFFIXES = {".cpp", ".cc", ".cxx", ".c++"}


class JudgeError(Exception):
    """Something on the judge's side is wrong (package, checker, sandbox): reported as IE."""


def truncate(text: str, limit: int = COMPILE_OUTPUT_MAX) -> str:
    if len(text) <= limit:
        return text
    head = text[: limit - 200]
    return head + f"\n… ({len(text) - len(head)} more characters cut) …\n" + text[-150:]


def _sandbox():
    from . import sandbox
    return sandbox


def _languages():
    from . import languages
    return languages


# ---------------------------------------------------------------- entry points

def judge(job: JudgeJob) -> JudgeResult:
    """Grade one submission. Never raises for the package's or the contestant's faults."""
    try:
        pkg = load_package(job.package_path)
    except PackageError as exc:
        return JudgeResult(Verdict.IE, message=f"broken package: {exc.reason}", submission_id=job.submission_id)
    except OSError as exc:
        return JudgeResult(Verdict.IE, message=f"cannot read the package: {exc}", submission_id=job.submission_id)
    try:
        limits = job.limits
        if limits is None:
            from .timelimit import package_limits
            try:
                limits = package_limits(pkg)
            except JudgeError as exc:
                return JudgeResult(Verdict.IE, message=str(exc), submission_id=job.submission_id)
        return judge_package(pkg, job.language, job.source, limits, submission_id=job.submission_id)
    finally:
        pkg.close()


def judge_package(pkg: Package, language: str, source: str | bytes, limits: Limits, *,
                  submission_id: str | None = None) -> JudgeResult:
    """Grade source against an already loaded package with the given limits."""
    result = JudgeResult(Verdict.IE, submission_id=submission_id, max_score=round(pkg.tree.max_score(), 6))
    result.time_limit = limits.time
    result.memory_limit = limits.memory
    langs = _languages()
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
    sb = _sandbox()
    result.sandbox_mode = sb.sandbox_mode()
    try:
        checker_run = _prepare_checker(pkg)
        with sb.open_sandbox() as box:
            result.sandbox_mode = getattr(box, "mode", result.sandbox_mode)
            compiled = lang.compile(box, source)
            if not compiled.ok:
                result.verdict = Verdict.CE
                result.compile_output = truncate(compiled.output or "")
                return result
            result.compile_output = truncate(compiled.output or "")
            runner = _TestRunner(pkg, box, compiled, limits, checker_run)
            try:
                ev = evaluate(pkg.tree, runner.run)
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



# ---------------------------------------------------------------- running the tests

class _TestRunner:
    def __init__(self, pkg: Package, box, compiled, limits: Limits, checker_run: "_CheckerBuild | None"):
        self.pkg, self.box, self.compiled, self.limits = pkg, box, compiled, limits
        self.keep = tuple(compiled.keep or ())
        self.checker = pkg.checker
        self.checker_run = checker_run
        self.failed = False
        self.cbox = None
        sb = _sandbox()
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
        wd = Path(box.workdir)
        shutil.copyfile(test.input_path, wd / "input.txt")
        os.chmod(wd / "input.txt", 0o644)
        io = self.pkg.io_filename
        if io:
            for name in {io + ".INP", io.lower() + ".inp"}:
                shutil.copyfile(wd / "input.txt", wd / name)
                os.chmod(wd / name, 0o644)
        out = box.run(self.compiled.run_argv, stdin="/box/input.txt", stdout="/box/output.txt",
                      limits=self.run_limits)
        base = dict(time=out.cpu_time, wall=out.wall_time, memory=out.memory_kib)
        if out.status == "RE" and _size(wd / "output.txt") >= self.limits.output << 20:
            # the program saw a failed write at the output limit (Python ignores SIGXFSZ) and died
            return TestOutcome(Verdict.OLE, message=f"output limit {self.limits.output} MiB exceeded", **base)
        if out.status != "OK":
            # TLE before RE, RE before the checker: the sandbox's status already follows that order
            return TestOutcome(Verdict(out.status), message=out.message, **base)
        output = wd / "output.txt"
        if io:
            wanted = io.lower() + ".out"
            for p in wd.iterdir():
                if p.name.lower() == wanted and p.is_file() and not p.is_symlink():
                    output = p
                    if p.stat().st_size > self.limits.output << 20:
                        return TestOutcome(Verdict.OLE, message="output file past the output limit", **base)
                    break
        if output.is_symlink() or not output.is_file():
            # never follow what the program left behind (a symlink to a host file, a FIFO ...)
            output = wd / ".empty-output"
            output.write_bytes(b"")
        try:
            res = self._check(test, output)
        except JudgeError as exc:
            res = CheckResult(Verdict.IE, str(exc))
        except Exception as exc:  # a built-in checker failing is the judge's fault
            log.exception("checker crashed")
            res = CheckResult(Verdict.IE, f"checker crashed: {exc!r}")
        if not self.pkg.validator_scores:
            res.score = res.fraction = None
        return TestOutcome(res.verdict, message=res.message, fraction=res.fraction, score=res.score, **base)

    def _check(self, test: TestCase, output: Path) -> CheckResult:
        if not isinstance(self.checker, ProgramChecker):
            return self.checker.check(CheckContext(test.input_path, output, test.answer_path, list(test.args)))
        cbox = self.cbox
        cbox.wipe()
        cwd = Path(cbox.workdir)
        shutil.move(str(output), cwd / "output")
        os.chmod(cwd / "output", 0o644)
        fb = cwd / "feedback"
        fb.mkdir()
        os.chmod(fb, 0o777)
        checker = self.checker
        argv = checker.argv(self.checker_run.argv, self._inside(test.input_path), "/box/output",
                            self._inside(test.answer_path), "/box/feedback/", list(test.args))
        sb = _sandbox()
        out = cbox.run(argv, stdin="/box/output" if checker.stdin_is_output else None,
                       stdout="/box/checker.out", stderr="/box/checker.err",
                       limits=sb.RunLimits(**CHECKER_LIMITS))
        if out.status in ("TLE", "MLE", "OLE") or out.signal:
            return CheckResult(Verdict.IE, f"checker failed: {out.status} {out.message}".strip())
        stdout = _read_text(cwd / "checker.out")
        stderr = _read_text(cwd / "checker.err")
        return checker.interpret(out.exit_code if out.exit_code is not None else -1, stdout, stderr, fb)


def _size(p: Path) -> int:
    try:
        return p.stat().st_size
    except OSError:
        return 0


def _read_text(p: Path, limit: int = 8192) -> str:
    try:
        with open(p, "rb") as fh:
            return fh.read(limit).decode("utf-8", "replace")
    except OSError:
        return ""


# ---------------------------------------------------------------- building program checkers

@dataclass
class _CheckerBuild:
    dir: Path                  # host folder bound at /checker
    argv: list[str] = field(default_factory=list)


_build_lock = threading.Lock()


def _prepare_checker(pkg: Package) -> _CheckerBuild | None:
    if not isinstance(pkg.checker, ProgramChecker):
        return None
    cached = getattr(pkg, "_checker_build", None)
    if cached is not None:
        return cached
    with _build_lock:
        build = build_checker(pkg.checker.source)
    pkg._checker_build = build
    return build


def build_checker(source: Path) -> _CheckerBuild:
    """Compile a checker (a file, or a folder compiled as a whole) once per content, cached on disk."""
    sb = _sandbox()
    files = sorted(p for p in source.rglob("*") if p.is_file()) if source.is_dir() else [source]
    base = source if source.is_dir() else source.parent
    h = hashlib.sha256(b"checker-v1")
    for f in files:
        h.update(str(f.relative_to(base)).encode() + b"\0" + f.read_bytes() + b"\0")
    out_dir = sb.cache_dir() / "checkers" / h.hexdigest()[:24]
    names = {str(f.relative_to(base)) for f in files}
    recipe = _recipe(files, base)
    if recipe is None:
        raise JudgeError("checker: no build/run script, C, C++ or Python source found in "
                         f"{source.name}")
    kind, build_argv, run_argv = recipe
    if (out_dir / ".ok").exists():
        return _CheckerBuild(out_dir, run_argv)
    tmp = Path(tempfile.mkdtemp(prefix="build-", dir=out_dir.parent if out_dir.parent.exists()
                                else _mkdir(out_dir.parent)))
    try:
        if build_argv is None:
            for f in files:
                dst = tmp / f.relative_to(base)
                dst.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(f, dst)
        else:
            with sb.open_sandbox() as box:
                wd = Path(box.workdir)
                for f in files:
                    dst = wd / f.relative_to(base)
                    dst.parent.mkdir(parents=True, exist_ok=True)
                    shutil.copyfile(f, dst)
                    os.chmod(dst, 0o755 if f.name in ("build", "run") else 0o644)
                res = box.run(build_argv, stdout="/box/.build.txt", stderr="/box/.build.txt",
                              limits=sb.RunLimits(**BUILD_LIMITS))
                if res.status != "OK":
                    msg = _read_text(wd / ".build.txt", 3000)
                    raise JudgeError(f"checker does not compile ({res.status} {res.message}): {msg}".strip())
                for p in wd.iterdir():
                    if p.name.startswith(".") or (p.is_file() and str(p.name) in names and kind != "script"):
                        continue
                    dst = tmp / p.name
                    if p.is_dir():
                        shutil.copytree(p, dst, symlinks=False)
                    else:
                        shutil.copyfile(p, dst)
        for p in [tmp, *tmp.rglob("*")]:
            os.chmod(p, 0o755)
        (tmp / ".ok").write_text(kind)
        try:
            os.rename(tmp, out_dir)
        except OSError:            # built meanwhile by another worker
            shutil.rmtree(tmp, ignore_errors=True)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return _CheckerBuild(out_dir, run_argv)


def _mkdir(p: Path) -> Path:
    p.mkdir(parents=True, exist_ok=True)
    return p


def _recipe(files: list[Path], base: Path):
    rel = {str(f.relative_to(base)): f for f in files}
    if "build" in rel or "run" in rel:
        if "run" not in rel:
            raise JudgeError("checker has a build script but no run script")
        return "script", (["/bin/sh", "build"] if "build" in rel else None), ["/bin/sh", "/checker/run"]
    cpp = [n for n in rel if Path(n).suffix.lower() in CPP_SUFFIXES]
    c = [n for n in rel if Path(n).suffix == ".c"]
    py = [n for n in rel if Path(n).suffix == ".py"]
    if cpp:
        return "c++", ["/usr/bin/g++", "-O2", "-std=gnu++17", "-o", "checker", *(cpp + c)], ["/checker/checker"]
    if c:
        return "c", ["/usr/bin/gcc", "-O2", "-std=gnu11", "-o", "checker", *c, "-lm"], ["/checker/checker"]
    if "__main__.py" in rel:
        return "python", None, ["/usr/bin/python3", "/checker"]
    if len(py) == 1:
        return "python", None, ["/usr/bin/python3", f"/checker/{py[0]}"]
    return None


# ---------------------------------------------------------------- names that moved next door

# Imported on first use: timelimit and verify import this module, so it cannot import them first.
__all__ = ["JudgeError", "build_checker", "judge", "judge_package", "truncate"]
