"""Checkers: decide whether a contestant's output is right, in a registry keyed by type name.

Built-in checkers (builtin.py) compare files on the host and stream them in fixed-size chunks (an
output is already capped by the output limit, but the work stays linear and the memory small).
Program checkers (programs.py: testlib convention, Kattis output validators) are compiled from the
package and run in a sandbox by the grader; their classes only interpret what the run reports.

The shared types and the registry live in base.py; importing this package registers every checker.
"""
from .base import (ALIASES, CHECKERS, CheckContext, Checker, CheckerConfigError, CheckResult,  # noqa: F401
                   _split_flags, make_checker, register)
from .builtin import (CaseInsensitiveChecker, FloatChecker, KattisDefaultChecker,  # noqa: F401
                      LineChecker, TokenChecker, iter_pieces, iter_tokens)
from .programs import KattisValidatorChecker, ProgramChecker, TestlibChecker  # noqa: F401

__all__ = ["CHECKERS", "CheckContext", "CheckResult", "Checker", "CheckerConfigError",
           "KattisDefaultChecker", "KattisValidatorChecker", "ProgramChecker", "TestlibChecker",
           "iter_tokens", "make_checker", "register"]
