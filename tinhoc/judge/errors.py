"""What every part of the grader shares: the judge-side error and how long texts are cut.

A small module of its own so that grading (runner), deriving time limits (timelimit), building
checkers (checker_build) and verifying packages (verify) import it without importing each other.
"""
from __future__ import annotations

COMPILE_OUTPUT_MAX = 4000          # characters of compiler output kept in a CE result


class JudgeError(Exception):
    """Something on the judge's side is wrong (package, checker, sandbox): reported as IE."""


def truncate(text: str, limit: int = COMPILE_OUTPUT_MAX) -> str:
    if len(text) <= limit:
        return text
    head = text[: limit - 200]
    return head + f"\n… ({len(text) - len(head)} more characters cut) …\n" + text[-150:]


def plain(text: str, limit: int = 500) -> str:
    """A message from a program or checker as plain text for people: control characters (other
    than newline and tab) dropped and the length capped. It stays text: the web side escapes it
    (Jinja's autoescape), so HTML in it is shown, never rendered."""
    kept = "".join(ch for ch in text if ch in "\n\t" or (ch >= " " and ch != "\x7f"))
    return kept[:limit]
