"""Checkers: decide whether a contestant's output is right, in a registry keyed by type name.

Built-in checkers compare files on the host and stream them in fixed-size chunks (an output is
already capped by the output limit, but the work stays linear and the memory small). Program
checkers (testlib convention, Kattis output validators) are compiled from the package and run in
a sandbox by the grader; this module only interprets what they report.
"""
from __future__ import annotations

import math
import re
from dataclasses import dataclass, field
from pathlib import Path

from ..job import Verdict

CHUNK = 1 << 16
WHITESPACE = b" \t\n\r\x0b\x0c"
_FLOAT_RE = re.compile(rb"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


class CheckerConfigError(ValueError):
    """The package names an unknown checker or gives it bad parameters."""


@dataclass
class CheckResult:
    """What a checker says about one output.

    `fraction` (0..1) scales the test's points; `score` is an absolute score (Kattis score.txt).
    At most one of them is set, and only for AC.
    """
    verdict: Verdict
    message: str = ""
    fraction: float | None = None
    score: float | None = None


@dataclass
class CheckContext:
    """Host paths of the three files a checker looks at, plus per-test validator arguments."""
    input_path: Path
    output_path: Path
    answer_path: Path
    args: list[str] = field(default_factory=list)


class Checker:
    """Base class. `program` is True for checkers the grader must compile and run in a sandbox."""
    type_name = ""
    program = False

    def __init__(self, **params):
        if params:
            raise CheckerConfigError(f"checker {self.type_name!r} takes no parameters: {sorted(params)}")

    def check(self, ctx: CheckContext) -> CheckResult:  # pragma: no cover - abstract
        raise NotImplementedError

    def describe(self) -> str:
        return self.type_name


CHECKERS: dict[str, type[Checker]] = {}
ALIASES: dict[str, str] = {}


def register(name: str, *aliases: str):
    """Class decorator adding a checker to the registry; a duplicate name fails at import."""
    def deco(cls):
        for key in (name, *aliases):
            if key in CHECKERS or key in ALIASES:
                raise RuntimeError(f"duplicate checker type {key!r}")
        cls.type_name = name
        CHECKERS[name] = cls
        for a in aliases:
            ALIASES[a] = name
        return cls
    return deco


def make_checker(type_name: str, params: dict | None = None) -> Checker:
    """Build a checker from its type name and parameters; raises CheckerConfigError."""
    key = ALIASES.get(type_name, type_name)
    cls = CHECKERS.get(key)
    if cls is None:
        raise CheckerConfigError(
            f"unknown checker {type_name!r} (known: {', '.join(sorted([*CHECKERS, *ALIASES]))})")
    try:
        return cls(**(params or {}))
    except TypeError as exc:
        raise CheckerConfigError(f"bad parameters for checker {type_name!r}: {exc}") from None


# ---------------------------------------------------------------- streaming helpers

def _chunks(path: Path):
    with open(path, "rb") as fh:
        while True:
            block = fh.read(CHUNK)
            if not block:
                return
            yield block


_PIECE_RE = re.compile(rb"[ \t\n\r\x0b\x0c]+|[^ \t\n\r\x0b\x0c]+")


def iter_pieces(path: Path):
    """Yield (is_space, bytes) runs of a file, alternating whitespace and tokens, streamed.

    A run that crosses a chunk boundary is joined (from a list, so a huge run stays linear).
    """
    carry: list[bytes] = []
    carry_space = None
    for block in _chunks(path):
        pieces = [m.group() for m in _PIECE_RE.finditer(block)]
        first_space = block[0] in WHITESPACE
        i = 0
        if carry:
            if first_space == carry_space:
                carry.append(pieces[0])
                i = 1
                if len(pieces) == 1:
                    continue                      # the same run goes on into the next block
            yield carry_space, b"".join(carry)
            carry = []
        for j in range(i, len(pieces) - 1):
            sp = pieces[j][0] in WHITESPACE
            yield sp, pieces[j]
        if i < len(pieces):
            carry = [pieces[-1]]
            carry_space = pieces[-1][0] in WHITESPACE
    if carry:
        yield carry_space, b"".join(carry)


def iter_tokens(path: Path):
    """Yield the whitespace-separated tokens of a file, streamed; splitting runs at C speed."""
    carry: list[bytes] = []
    for block in _chunks(path):
        parts = block.split()
        if not parts:
            if carry:
                yield b"".join(carry)
                carry = []
            continue
        last_open = block[-1] not in WHITESPACE      # the last token may go on in the next block
        n, i = len(parts), 0
        if carry:
            if block[0] in WHITESPACE:
                yield b"".join(carry)
                carry = []
            else:
                carry.append(parts[0])
                i = 1
                if n == 1 and last_open:
                    continue
                yield b"".join(carry)
                carry = []
        end = n - 1 if last_open else n
        yield from parts[i:end]
        if last_open and end >= i:
            carry = [parts[-1]]
    if carry:
        yield b"".join(carry)


def _short(b: bytes, n: int = 40) -> str:
    s = b[:n].decode("utf-8", "replace")
    return s + ("…" if len(b) > n else "")


def _parse_float(tok: bytes) -> float | None:
    if len(tok) > 400 or not _FLOAT_RE.match(tok):
        return None
    try:
        return float(tok)
    except ValueError:
        return None


def _compare_tokens(out_path, ans_path, *, case_sensitive=True, space_sensitive=False,
                    abs_tol=None, rel_tol=None) -> CheckResult:
    """Token comparison shared by the token, case-insensitive, float and Kattis default checkers."""
    out_it = iter_pieces(out_path) if space_sensitive else ((False, t) for t in iter_tokens(out_path))
    ans_it = iter_pieces(ans_path) if space_sensitive else ((False, t) for t in iter_tokens(ans_path))
    use_float = abs_tol is not None or rel_tol is not None
    index = 0
    while True:
        o = next(out_it, None)
        a = next(ans_it, None)
        if o is None and a is None:
            return CheckResult(Verdict.AC)
        if a is None:
            return CheckResult(Verdict.WA, f"output is longer than the answer: extra {_short(o[1])!r}")
        if o is None:
            return CheckResult(Verdict.WA, f"output ended early: expected {_short(a[1])!r}")
        o_space, o_tok = o
        a_space, a_tok = a
        if o_space != a_space:
            return CheckResult(Verdict.WA, "whitespace differs from the answer")
        if o_space:
            if o_tok != a_tok:
                return CheckResult(Verdict.WA, "whitespace differs from the answer")
            continue
        index += 1
        if use_float:
            av = _parse_float(a_tok)
            if av is not None:
                ov = _parse_float(o_tok)
                if ov is None:
                    return CheckResult(Verdict.WA, f"token {index}: expected a number near {_short(a_tok)!r}, "
                                                   f"got {_short(o_tok)!r}")
                diff = abs(ov - av)
                ok = (abs_tol is not None and diff <= abs_tol) or \
                     (rel_tol is not None and diff <= rel_tol * abs(av))
                if not ok or math.isnan(diff):
                    return CheckResult(Verdict.WA, f"token {index}: {_short(o_tok)!r} is too far from "
                                                   f"{_short(a_tok)!r}")
                continue
        if o_tok == a_tok or (not case_sensitive and o_tok.lower() == a_tok.lower()):
            continue
        return CheckResult(Verdict.WA, f"token {index}: expected {_short(a_tok)!r}, got {_short(o_tok)!r}")


# ---------------------------------------------------------------- built-in checkers

@register("token", "token-exact", "default", "wcmp")
class TokenChecker(Checker):
    """Token by token, case-sensitive; any amount of whitespace between tokens is the same."""

    def check(self, ctx):
        return _compare_tokens(ctx.output_path, ctx.answer_path)


@register("case-insensitive", "nocase", "icase")
class CaseInsensitiveChecker(Checker):
    """Tokens compared without regard to ASCII case; whitespace-insensitive."""

    def check(self, ctx):
        return _compare_tokens(ctx.output_path, ctx.answer_path, case_sensitive=False)


@register("float", "real", "double")
class FloatChecker(Checker):
    """Number tokens within an absolute OR relative tolerance; other tokens exactly."""

    def __init__(self, abs: float | None = 1e-6, rel: float | None = 1e-6, **params):
        super().__init__(**params)
        for name, v in (("abs", abs), ("rel", rel)):
            if v is not None and (not isinstance(v, (int, float)) or v < 0):
                raise CheckerConfigError(f"float checker: {name} must be a non-negative number")
        if abs is None and rel is None:
            raise CheckerConfigError("float checker needs abs or rel")
        self.abs, self.rel = abs, rel

    def check(self, ctx):
        return _compare_tokens(ctx.output_path, ctx.answer_path, abs_tol=self.abs, rel_tol=self.rel)

    def describe(self):
        return f"float(abs={self.abs}, rel={self.rel})"


def _normalised_lines(path: Path):
    """Stream a file as bytes with trailing spaces/tabs/CR removed from every line and trailing
    empty lines dropped; yields chunks (not aligned to lines)."""
    held_ws = []      # whitespace seen since the last content byte, on the current line
    held_nl = 0       # newlines seen since the last content byte
    out = bytearray()
    for block in _chunks(path):
        for line_part in re.split(rb"(\n)", block):
            if not line_part:
                continue
            if line_part == b"\n":
                held_ws.clear()
                held_nl += 1
                continue
            stripped = line_part.rstrip(b" \t\r")
            if stripped:
                if held_nl:
                    out += b"\n" * held_nl
                    held_nl = 0
                if held_ws:
                    out += b"".join(held_ws)
                    held_ws.clear()
                out += stripped
            if len(stripped) != len(line_part):
                held_ws.append(line_part[len(stripped):])
        if len(out) >= CHUNK:
            yield bytes(out)
            out.clear()
    if out:
        yield bytes(out)


def _stream_equal(a_iter, b_iter) -> tuple[bool, int]:
    """Compare two chunk streams; returns (equal, byte offset of the first difference)."""
    a_buf = b_buf = b""
    pos = 0
    a_done = b_done = False
    while True:
        while len(a_buf) < CHUNK and not a_done:
            nxt = next(a_iter, None)
            if nxt is None:
                a_done = True
            else:
                a_buf += nxt
        while len(b_buf) < CHUNK and not b_done:
            nxt = next(b_iter, None)
            if nxt is None:
                b_done = True
            else:
                b_buf += nxt
        n = min(len(a_buf), len(b_buf))
        if a_buf[:n] != b_buf[:n]:
            k = next(i for i in range(n) if a_buf[i] != b_buf[i])
            return False, pos + k
        a_buf, b_buf, pos = a_buf[n:], b_buf[n:], pos + n
        if (not a_buf and a_done) or (not b_buf and b_done):
            return (not a_buf and not b_buf and a_done and b_done), pos


@register("line", "line-exact", "lines")
class LineChecker(Checker):
    """Line by line, exactly, except trailing whitespace on a line and trailing empty lines."""

    def check(self, ctx):
        equal, offset = _stream_equal(_normalised_lines(ctx.output_path), _normalised_lines(ctx.answer_path))
        if equal:
            return CheckResult(Verdict.AC)
        return CheckResult(Verdict.WA, f"output differs from the answer near byte {offset}")


@register("kattis-default", "kattis")
class KattisDefaultChecker(Checker):
    """The Kattis default output validator with its flags (case_sensitive, space_change_sensitive,
    float_tolerance ε, float_absolute_tolerance ε, float_relative_tolerance ε).

    Without flags it ignores case and the amount of whitespace. Flags come from problem.yaml
    `validator_flags` and from the test group's `output_validator_flags`/`_args`, per test.
    """

    def __init__(self, flags: list[str] | str | None = None, **params):
        super().__init__(**params)
        self.flags = _split_flags(flags)
        self._parse(self.flags)  # refuse bad flags when the package loads

    @staticmethod
    def _parse(flags: list[str]) -> dict:
        opts = {"case_sensitive": False, "space_sensitive": False, "abs_tol": None, "rel_tol": None}
        seen = set()
        i = 0
        while i < len(flags):
            f = flags[i]
            if f == "case_sensitive":
                opts["case_sensitive"] = True
            elif f == "space_change_sensitive":
                opts["space_sensitive"] = True
            elif f in ("float_tolerance", "float_absolute_tolerance", "float_relative_tolerance"):
                if i + 1 >= len(flags):
                    raise CheckerConfigError(f"default validator: {f} needs a value")
                try:
                    eps = float(flags[i + 1])
                except ValueError:
                    raise CheckerConfigError(f"default validator: bad value for {f}: {flags[i + 1]!r}") from None
                if f in seen or (f == "float_tolerance" and seen & {"float_absolute_tolerance",
                                                                    "float_relative_tolerance"}) \
                        or (f != "float_tolerance" and "float_tolerance" in seen):
                    raise CheckerConfigError(f"default validator: tolerance given twice ({f})")
                seen.add(f)
                if f in ("float_tolerance", "float_absolute_tolerance"):
                    opts["abs_tol"] = eps
                if f in ("float_tolerance", "float_relative_tolerance"):
                    opts["rel_tol"] = eps
                i += 1
            else:
                raise CheckerConfigError(f"default validator: unknown flag {f!r}")
            i += 1
        return opts

    def check(self, ctx):
        try:
            opts = self._parse(self.flags + list(ctx.args))
        except CheckerConfigError as exc:
            return CheckResult(Verdict.IE, str(exc))
        return _compare_tokens(ctx.output_path, ctx.answer_path, **opts)

    def describe(self):
        return "kattis-default" + (f"({' '.join(self.flags)})" if self.flags else "")


def _split_flags(flags) -> list[str]:
    if flags is None:
        return []
    if isinstance(flags, str):
        return flags.split()
    if isinstance(flags, (list, tuple)):
        return [str(f) for f in flags]
    raise CheckerConfigError(f"validator flags must be a string or a list, not {type(flags).__name__}")


# ---------------------------------------------------------------- program checkers

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

    def interpret(self, exit_code: int, stdout: str, stderr: str, feedback_dir: Path | None) -> CheckResult:
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

    def interpret(self, exit_code, stdout, stderr, feedback_dir):
        judge_msg = ""
        if feedback_dir is not None:
            for name in ("judgemessage.txt", "teammessage.txt"):
                p = feedback_dir / name
                if p.is_file():
                    judge_msg = _read_small(p)
                    break
        msg = (judge_msg or stderr or stdout).strip()[:500]
        if exit_code == 43:
            return CheckResult(Verdict.WA, msg)
        if exit_code != 42:
            return CheckResult(Verdict.IE, f"output validator exited with code {exit_code}: {msg}".strip())
        score = fraction = None
        if feedback_dir is not None:
            s, m = feedback_dir / "score.txt", feedback_dir / "score_multiplier.txt"
            if s.is_file() and m.is_file():
                return CheckResult(Verdict.IE, "output validator wrote both score.txt and score_multiplier.txt")
            for p, kind in ((s, "score"), (m, "multiplier")):
                if p.is_file():
                    raw = _read_small(p).strip()
                    try:
                        val = float(raw)
                    except ValueError:
                        return CheckResult(Verdict.IE, f"output validator wrote a bad {p.name}: {raw[:40]!r}")
                    if math.isnan(val) or val < 0 or (kind == "multiplier" and val > 1):
                        return CheckResult(Verdict.IE, f"output validator wrote an out-of-range {p.name}: {raw}")
                    if kind == "score":
                        score = val
                    else:
                        fraction = val
        return CheckResult(Verdict.AC, msg, fraction=fraction, score=score)


def _read_small(p: Path, limit: int = 4096) -> str:
    with open(p, "rb") as fh:
        return fh.read(limit).decode("utf-8", "replace")


__all__ = ["CHECKERS", "CheckContext", "CheckResult", "Checker", "CheckerConfigError",
           "KattisDefaultChecker", "KattisValidatorChecker", "ProgramChecker", "TestlibChecker",
           "iter_tokens", "make_checker", "register"]
