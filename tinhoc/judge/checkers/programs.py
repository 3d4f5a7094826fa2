"""Program checkers: compiled from the package and run in a sandbox by the grader.

Two conventions: testlib checkers (`checker input output answer`, exit codes 0/1/2/3/7) and Kattis
output validators (`validator input answer feedback_dir [flags] < output`, exit 42/43). The classes
here build the command line and interpret what the run reports; grader.py builds and runs them.
"""
from __future__ import annotations

import math
import re
from pathlib import Path

from ..job import Verdict
from .base import Checker, CheckerConfigError, CheckResult, _split_flags, register


class ProgramChecker(Checker):
    """A checker compiled from the package and run in a sandbox by the grader.

    `source` is the host path of a file or folder; `interpret()` turns the run's exit code and
    what it wrote into a CheckResult.
    """
    program = True

    def __init__(self, source: str | Path | None = None, flags=None, **params):
        super().__init__(**params)
        if source is None:
            raise CheckerConfigError(f"checker {self.type_name!r} needs a source file or folder")
        self.source = Path(source)
        self.flags = _split_flags(flags)

    def describe(self):
        return f"{self.type_name}({self.source.name})"


_POINTS_RE = re.compile(r"^\s*points\s+([-+0-9.eE]+)", re.I | re.M)


@register("testlib", "custom")
class TestlibChecker(ProgramChecker):
    """`checker input output answer`; exit 0 OK, 1 WA, 2 PE, 3 fail (IE), 7 points.

    A score is read from a line `points X` on stdout or stderr, X a fraction in [0, 1] of the
    test's points (testlib's quitp and the Themis/CMS habit); with exit 0 and no points line the
    test earns all its points.
    """

    def argv(self, exe: list[str], inp: str, out: str, ans: str, feedback: str, args: list[str]) -> list[str]:
        return [*exe, inp, out, ans]

    stdin_is_output = False

    FEEDBACK_FILES = ()

    def interpret(self, exit_code: int, stdout: str, stderr: str, feedback: dict | None) -> CheckResult:
        text = (stdout + "\n" + stderr).strip()
        msg = text[:500]
        m = _POINTS_RE.search(stdout) or _POINTS_RE.search(stderr)
        fraction = None
        if m:
            try:
                fraction = float(m.group(1))
            except ValueError:
                return CheckResult(Verdict.IE, f"checker printed a bad score: {m.group(0).strip()!r}")
            if not 0.0 <= fraction <= 1.0 or math.isnan(fraction):
                return CheckResult(Verdict.IE, f"checker score {fraction} is outside [0, 1]")
        if exit_code == 0:
            return CheckResult(Verdict.AC, msg, fraction=fraction)
        if exit_code == 7:
            if fraction is None:
                return CheckResult(Verdict.IE, "checker exited 7 (points) without a `points X` line")
            return CheckResult(Verdict.AC if fraction > 0 else Verdict.WA, msg, fraction=fraction)
        if exit_code == 1:
            return CheckResult(Verdict.WA, msg)
        if exit_code == 2:
            return CheckResult(Verdict.WA, ("presentation error: " + msg).strip())
        if exit_code == 3:
            return CheckResult(Verdict.IE, ("checker failed: " + msg).strip())
        return CheckResult(Verdict.IE, f"checker exited with unexpected code {exit_code}: {msg}".strip())


@register("kattis-custom", "output-validator")
class KattisValidatorChecker(ProgramChecker):
    """A Kattis output validator: `validator input answer feedback_dir [flags] < output`.

    Exit 42 accepted, 43 wrong answer, anything else IE. For scoring problems the score comes
    from feedback_dir/score.txt (absolute) or score_multiplier.txt (fraction).
    """
    stdin_is_output = True

    def argv(self, exe, inp, out, ans, feedback, args):
        return [*exe, inp, ans, feedback, *self.flags, *args]

    FEEDBACK_FILES = ("judgemessage.txt", "teammessage.txt", "score.txt", "score_multiplier.txt")

    def interpret(self, exit_code, stdout, stderr, feedback: dict[str, str] | None):
        """`feedback`: the validator's feedback files that are regular files, name -> text (the
        grader reads them without following links; see sandbox/boxfiles.py)."""
        feedback = feedback or {}
        judge_msg = feedback.get("judgemessage.txt") or feedback.get("teammessage.txt") or ""
        msg = (judge_msg or stderr or stdout).strip()[:500]
        if exit_code == 43:
            return CheckResult(Verdict.WA, msg)
        if exit_code != 42:
            return CheckResult(Verdict.IE, f"output validator exited with code {exit_code}: {msg}".strip())
        score = fraction = None
        if "score.txt" in feedback and "score_multiplier.txt" in feedback:
            return CheckResult(Verdict.IE, "output validator wrote both score.txt and score_multiplier.txt")
        for name, kind in (("score.txt", "score"), ("score_multiplier.txt", "multiplier")):
            if name in feedback:
                raw = feedback[name].strip()
                try:
                    val = float(raw)
                except ValueError:
                    return CheckResult(Verdict.IE, f"output validator wrote a bad {name}: {raw[:40]!r}")
                if math.isnan(val) or val < 0 or (kind == "multiplier" and val > 1):
                    return CheckResult(Verdict.IE, f"output validator wrote an out-of-range {name}: {raw}")
                if kind == "score":
                    score = val
                else:
                    fraction = val
        return CheckResult(Verdict.AC, msg, fraction=fraction, score=score)
