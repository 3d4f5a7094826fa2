"""Question types: one small class per type in a registry keyed by its name.

A question version stores `type` and `params` (JSON); its type class validates the params, renders
the question for a candidate, grades a response to a fraction 0..1 and maps the params to and from
the importers' item dict (`{"type", "name", "text", "answers": [...], ...}`). Registering a name
twice, or asking for an unknown one, fails at once (the app does not start with a broken registry).
"""
from __future__ import annotations

from markupsafe import Markup, escape

from .base import ParamsInvalid, QuestionType, registry, register, get_type  # noqa: F401
from . import choice, textual, manual  # noqa: F401,E402  (each module registers its types)

TYPE_NAMES = ("single", "multiple", "truefalse", "shortanswer", "numerical", "matching", "essay", "file",
              "description")


def check_registry() -> None:
    """Start-up check: every type the bank knows is registered, and nothing else."""
    names = set(registry)
    if names != set(TYPE_NAMES):
        raise RuntimeError(f"question type registry mismatch: {sorted(names ^ set(TYPE_NAMES))}")


__all__ = ["Markup", "escape", "TYPE_NAMES", "check_registry"]
