"""The question-type contract and its registry."""
from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from markupsafe import Markup, escape

registry: dict[str, "QuestionType"] = {}


class ParamsInvalid(ValueError):
    """A question's parameters do not fit its type; `str(exc)` says why (for the user)."""


def register(name: str):
    """Class decorator: add a question type under `name`; a duplicate name fails at import."""
    def decorator(cls):
        if name in registry:
            raise RuntimeError(f"question type {name!r} registered twice")
        cls.name = name
        registry[name] = cls()
        return cls
    return decorator


def get_type(name: str) -> "QuestionType":
    try:
        return registry[name]
    except KeyError:
        raise ParamsInvalid(_l("Không có loại câu hỏi “%(t)s”.", t=name)) from None


def clamp(value: float) -> float:
    if value is None or math.isnan(value):
        return 0.0
    return max(0.0, min(1.0, float(value)))


def fraction(value) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParamsInvalid(_l("Trọng số “%(v)s” không phải là số.", v=value)) from None
    if math.isnan(number) or not -1.0 <= number <= 1.0:
        raise ParamsInvalid(_l("Trọng số %(v)s phải nằm trong khoảng -100%% đến 100%%.", v=value))
    return number


class QuestionType:
    """One kind of question. `params` is the stored JSON; the item dict is what importers produce."""

    name = ""
    auto_graded = True     # False: a grader marks it by hand (grade() returns None)
    graded = True          # False: a description, no mark at all

    def validate(self, params: dict) -> dict:
        """The params cleaned, or ParamsInvalid."""
        return {}

    def grade(self, params: dict, response) -> float | None:
        """The response's fraction of the mark, 0..1 (None: graded by hand / not graded)."""
        return None

    def render(self, params: dict, text_html: str, field: str) -> Markup:
        """The question's input for a candidate (text_html is already sanitised on save)."""
        return Markup('<div class="question-text">{}</div>').format(Markup(text_html))

    def from_item(self, item: dict) -> dict:
        """Params from an importer's item."""
        return self.validate({"answers": item.get("answers", [])})

    def to_item(self, params: dict) -> dict:
        """The item keys (answers, …) an exporter writes."""
        return {"answers": params.get("answers", [])}


def radio_list(field: str, options: list[str], kind: str = "radio") -> Markup:
    rows = [Markup('<div class="form-check"><input class="form-check-input" type="{k}" name="{f}" '
                   'id="{f}-{i}" value="{i}"><label class="form-check-label" for="{f}-{i}">{t}</label></div>')
            .format(k=kind, f=field, i=i, t=Markup(option)) for i, option in enumerate(options)]
    return Markup("").join(rows)


__all__ = ["Markup", "escape"]
