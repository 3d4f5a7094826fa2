"""Typed answers: short answer, numerical, matching."""
from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from tinhoc import text

from ..html import sanitize_question_html
from .base import ParamsInvalid, QuestionType, clamp, fraction, register


@register("shortanswer")
class ShortAnswer(QuestionType):
    """Accepted answers with fractions; `*` is a wildcard as in Moodle. Case and Vietnamese
    diacritics count only when the question says so (`case_sensitive`, `accent_sensitive`)."""

    def validate(self, params):
        answers = params.get("answers") or []
        if not answers:
            raise ParamsInvalid(_l("Câu trả lời ngắn cần ít nhất một đáp án được chấp nhận."))
        clean = []
        for a in answers:
            value = text.clean(a.get("text", ""))
            if not value:
                raise ParamsInvalid(_l("Có đáp án để trống."))
            clean.append({"text": value, "fraction": fraction(a.get("fraction", 1)),
                          "feedback": sanitize_question_html(a.get("feedback", ""))})
        if not any(a["fraction"] >= 1 for a in clean):
            raise ParamsInvalid(_l("Cần một đáp án đúng 100%."))
        return {"answers": clean, "case_sensitive": bool(params.get("case_sensitive", False)),
                "accent_sensitive": bool(params.get("accent_sensitive", True))}

    @staticmethod
    def _key(value: str, params: dict) -> str:
        value = text.clean(value)
        if not params.get("accent_sensitive", True):
            folded = text.fold(value)  # fold also lowers the case
            return folded if not params.get("case_sensitive") else _strip_marks_keep_case(value)
        return value if params.get("case_sensitive") else value.casefold()

    def grade(self, params, response):
        given = self._key(str(response or ""), params)
        if not given:
            return 0.0
        best = 0.0
        for a in params["answers"]:
            if _wildcard_match(self._key(a["text"], params), given):
                best = max(best, a["fraction"])
        return clamp(best)

    def render(self, params, text_html, field):
        return super().render(params, text_html, field) + Markup(
            '<input class="form-control" type="text" name="{f}" autocomplete="off">').format(f=field)

    def from_item(self, item):
        return self.validate({"answers": item.get("answers", []),
                              "case_sensitive": item.get("case_sensitive", False),
                              "accent_sensitive": item.get("accent_sensitive", True)})

    def to_item(self, params):
        return {"answers": params["answers"], "case_sensitive": params["case_sensitive"],
                "accent_sensitive": params["accent_sensitive"]}


def _strip_marks_keep_case(value: str) -> str:
    import unicodedata
    value = value.replace("đ", "d").replace("Đ", "D")
    return "".join(c for c in unicodedata.normalize("NFD", value) if unicodedata.category(c) != "Mn")


def _wildcard_match(pattern: str, value: str) -> bool:
    if "*" not in pattern:
        return pattern == value
    import re
    return re.fullmatch(".*".join(re.escape(part) for part in pattern.split("*")), value, re.S) is not None


def _number(value, what: str) -> float:
    try:
        number = float(value)
    except (TypeError, ValueError):
        raise ParamsInvalid(_l("“%(v)s” không phải là số.", v=value)) from None
    if not math.isfinite(number):
        raise ParamsInvalid(_l("“%(v)s” không phải là một số hữu hạn.", v=value))
    return number


def parse_number(raw) -> float | None:
    """A candidate's number: a comma as the decimal mark is accepted (3,14)."""
    raw = str(raw or "").strip().replace(" ", "")
    if raw.count(",") == 1 and "." not in raw:
        raw = raw.replace(",", ".")
    try:
        number = float(raw)
    except ValueError:
        return None
    return number if math.isfinite(number) else None


@register("numerical")
class Numerical(QuestionType):
    """Several answers, each a value ± tolerance (a range min..max is stored as its middle ± half)."""

    def validate(self, params):
        answers = params.get("answers") or []
        if not answers:
            raise ParamsInvalid(_l("Câu trả lời bằng số cần ít nhất một đáp án."))
        clean = []
        for a in answers:
            tolerance = abs(_number(a.get("tolerance", 0) or 0, "tolerance"))
            clean.append({"value": _number(a.get("value"), "answer"), "tolerance": tolerance,
                          "fraction": fraction(a.get("fraction", 1)),
                          "feedback": sanitize_question_html(a.get("feedback", ""))})
        if not any(a["fraction"] >= 1 for a in clean):
            raise ParamsInvalid(_l("Cần một đáp án đúng 100%."))
        return {"answers": clean, "unit": text.clean(params.get("unit", ""))}

    def grade(self, params, response):
        number = parse_number(response)
        if number is None:
            return 0.0
        best = 0.0
        for a in params["answers"]:
            if abs(number - a["value"]) <= a["tolerance"] * (1 + 1e-12) + 1e-12:
                best = max(best, a["fraction"])
        return clamp(best)

    def render(self, params, text_html, field):
        return super().render(params, text_html, field) + Markup(
            '<input class="form-control" type="text" inputmode="decimal" name="{f}" autocomplete="off"> {u}'
        ).format(f=field, u=params.get("unit", ""))

    def from_item(self, item):
        return self.validate({"answers": item.get("answers", []), "unit": item.get("unit", "")})

    def to_item(self, params):
        return {"answers": params["answers"], "unit": params.get("unit", "")}


@register("matching")
class Matching(QuestionType):
    """Pairs question -> answer; the candidate picks an answer for each question. Pairs with an
    empty question are distractors. Each right pair scores an equal share."""

    def validate(self, params):
        pairs = params.get("pairs") or []
        clean = [{"question": sanitize_question_html(p.get("question", "")), "answer": text.clean(p.get("answer", ""))}
                 for p in pairs]
        real = [p for p in clean if p["question"]]
        if len(real) < 2:
            raise ParamsInvalid(_l("Câu ghép đôi cần ít nhất hai cặp."))
        if any(not p["answer"] for p in clean):
            raise ParamsInvalid(_l("Có cặp ghép đôi thiếu câu trả lời."))
        return {"pairs": clean}

    def grade(self, params, response):
        real = [p for p in params["pairs"] if p["question"]]
        response = response if isinstance(response, dict) else {}
        right = sum(1 for i, p in enumerate(real) if text.clean(response.get(str(i), "")) == p["answer"])
        return clamp(right / len(real))

    def render(self, params, text_html, field):
        choices = sorted({p["answer"] for p in params["pairs"]})
        options = Markup("").join(Markup('<option value="{v}">{v}</option>').format(v=c) for c in choices)
        rows = [Markup('<tr><td>{q}</td><td><select class="form-select" name="{f}-{i}"><option value=""></option>'
                       '{o}</select></td></tr>').format(q=Markup(p["question"]), f=field, i=i, o=options)
                for i, p in enumerate(x for x in params["pairs"] if x["question"])]
        return super().render(params, text_html, field) + Markup('<table class="table">{}</table>').format(
            Markup("").join(rows))

    def from_item(self, item):
        return self.validate({"pairs": item.get("pairs", [])})

    def to_item(self, params):
        return {"pairs": params["pairs"]}
