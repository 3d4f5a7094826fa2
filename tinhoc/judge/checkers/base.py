"""The checkers' shared types and registry (a checker type is a class registered by name).

builtin.py and programs.py import this module to register their classes; the package's
__init__ imports all three, so importing tinhoc.judge.checkers registers every checker.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

from ..job import Verdict


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


def _split_flags(flags) -> list[str]:
    if flags is None:
        return []
    if isinstance(flags, str):
        return flags.split()
    if isinstance(flags, (list, tuple)):
        return [str(f) for f in flags]
    raise CheckerConfigError(f"validator flags must be a string or a list, not {type(flags).__name__}")
