"""Choice types: single choice, multiple choice (partial credit), true/false."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from markupsafe import Markup

from .base import ParamsInvalid, QuestionType, clamp, fraction, radio_list, register
from ..html import sanitize_question_html


def _answers(params: dict, *, minimum: int = 2) -> list[dict]:
    answers = params.get("answers") or []
    if not isinstance(answers, list) or len(answers) < minimum:
        raise ParamsInvalid(_l("Cần ít nhất %(n)d phương án.", n=minimum))
    out = []
    for answer in answers:
        if not isinstance(answer, dict):
            raise ParamsInvalid(_l("Phương án không hợp lệ."))
        out.append({"text": sanitize_question_html(answer.get("text", "")), "fraction": fraction(answer.get("fraction", 0)),
                    "feedback": sanitize_question_html(answer.get("feedback", ""))})
    return out


def _index(response, count: int) -> int | None:
    try:
        index = int(response)
    except (TypeError, ValueError):
        return None
    return index if 0 <= index < count else None


@register("single")
class SingleChoice(QuestionType):
    def validate(self, params):
        answers = _answers(params)
        if not any(a["fraction"] >= 1.0 for a in answers):
            raise ParamsInvalid(_l("Câu một đáp án cần một phương án đúng 100%."))
        return {"answers": answers, "shuffle": bool(params.get("shuffle", True))}

    def grade(self, params, response):
        index = _index(response, len(params["answers"]))
        return 0.0 if index is None else clamp(params["answers"][index]["fraction"])

    def render(self, params, text_html, field):
        return super().render(params, text_html, field) + radio_list(field, [a["text"] for a in params["answers"]])

    def from_item(self, item):
        return self.validate({"answers": item.get("answers", []), "shuffle": item.get("shuffle", True)})


@register("multiple")
class MultipleChoice(QuestionType):
    """Each ticked option adds its weight (negative weights allowed); the total never goes below 0."""

    def validate(self, params):
        answers = _answers(params)
        if sum(a["fraction"] for a in answers if a["fraction"] > 0) < 0.99:
            raise ParamsInvalid(_l("Câu nhiều đáp án: tổng trọng số dương của các phương án phải là 100%."))
        return {"answers": answers, "shuffle": bool(params.get("shuffle", True))}

    def grade(self, params, response):
        chosen = set()
        for value in response or ():
            index = _index(value, len(params["answers"]))
            if index is not None:
                chosen.add(index)
        return clamp(sum(params["answers"][i]["fraction"] for i in chosen))

    def render(self, params, text_html, field):
        return (super().render(params, text_html, field)
                + radio_list(field, [a["text"] for a in params["answers"]], "checkbox"))

    def from_item(self, item):
        return self.validate({"answers": item.get("answers", []), "shuffle": item.get("shuffle", True)})


@register("truefalse")
class TrueFalse(QuestionType):
    def validate(self, params):
        if not isinstance(params.get("correct"), bool):
            raise ParamsInvalid(_l("Câu đúng/sai cần cho biết đáp án đúng."))
        return {"correct": params["correct"],
                "feedback_true": sanitize_question_html(params.get("feedback_true", "")),
                "feedback_false": sanitize_question_html(params.get("feedback_false", ""))}

    def grade(self, params, response):
        value = {"true": True, "1": True, "false": False, "0": False}.get(str(response).lower())
        return 1.0 if value is not None and value == params["correct"] else 0.0

    def render(self, params, text_html, field):
        return super().render(params, text_html, field) + Markup(
            '<div class="form-check"><input class="form-check-input" type="radio" name="{f}" value="true" id="{f}-t">'
            '<label class="form-check-label" for="{f}-t">{t}</label></div>'
            '<div class="form-check"><input class="form-check-input" type="radio" name="{f}" value="false" id="{f}-f">'
            '<label class="form-check-label" for="{f}-f">{s}</label></div>').format(f=field, t=_l("Đúng"), s=_l("Sai"))

    def from_item(self, item):
        answers = item.get("answers") or []
        correct = next((a for a in answers if a.get("fraction", 0) >= 1), None)
        wrong = next((a for a in answers if a.get("fraction", 0) < 1), None)
        value = item.get("correct")
        if value is None and correct is not None:
            value = correct.get("value")
        fb = {True: "", False: ""}
        for a in answers:
            if "value" in a:
                fb[a["value"]] = a.get("feedback", "")
        return self.validate({"correct": value, "feedback_true": fb[True], "feedback_false": fb[False]}) \
            if correct is not None or wrong is not None or value is not None else self.validate({})

    def to_item(self, params):
        return {"answers": [
            {"text": "true", "value": True, "fraction": 1.0 if params["correct"] else 0.0,
             "feedback": params.get("feedback_true", "")},
            {"text": "false", "value": False, "fraction": 0.0 if params["correct"] else 1.0,
             "feedback": params.get("feedback_false", "")}]}
