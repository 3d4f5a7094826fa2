"""The built-in checkers: token, case-insensitive, float, line and the Kattis default validator.

They compare files on the host and stream them in fixed-size chunks (an output is already capped
by the output limit, but the work stays linear and the memory small).
"""
from __future__ import annotations

import math
import re
from pathlib import Path

from ..job import Verdict
from .base import Checker, CheckerConfigError, CheckResult, _split_flags, register

CHUNK = 1 << 16
WHITESPACE = b" \t\n\r\x0b\x0c"
_FLOAT_RE = re.compile(rb"^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$")


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

