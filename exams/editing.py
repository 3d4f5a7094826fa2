"""The question edit page: answers are typed in GIFT's answer-block syntax (one editor for every
type: `=right ~wrong`, `T`, `#3.14:0.01`, `=a -> b`, empty for an essay), parsed by the GIFT
importer and checked by the question type before `services.save_question`."""
from __future__ import annotations

from flask_babel import gettext as _

from tinhoc import text
from tinhoc.access import Actor

from . import services
from .exporting import answer_block
from .importers.gift import answer_item
from .questions import ParamsInvalid, get_type


def form_values(question) -> dict:
    version = question.current
    item = get_type(version.type).to_item(version.params)
    return {"category_id": question.category_id, "name": version.name, "body": version.text,
            "answers": answer_block(version.type, item), "general_feedback": version.general_feedback,
            "as_file": version.type == "file", "case_sensitive": bool(version.params.get("case_sensitive")),
            "accent_insensitive": version.params.get("accent_sensitive") is False, "as_description": version.type == "description",
            "difficulty": question.difficulty, "tags": ", ".join(t.name for t in question.tags)}


def save_from_form(actor: Actor, question_id: int | None, *, category_id: int, name: str, body: str, answers: str,
                   general_feedback: str, as_file: bool, as_description: bool, difficulty: int, tags: str,
                   case_sensitive: bool = False, accent_insensitive: bool = False,
                   image: bytes | None = None, image_name: str = "") -> "services.Question":
    """Save what the edit page posted; an image, when given, is stored and added below the text."""
    try:
        item = answer_item(answers or "")
    except ValueError as exc:
        raise services.BankError(_("Đáp án: %(e)s", e=str(exc))) from None
    type_ = item.pop("type")
    item.update(case_sensitive=case_sensitive, accent_sensitive=not accent_insensitive)
    if type_ == "essay" and as_description:
        type_ = "description"
    elif type_ == "essay" and as_file:
        type_ = "file"
    try:
        params = get_type(type_).from_item(item)
    except ParamsInvalid as exc:
        raise services.BankError(_("Đáp án: %(e)s", e=str(exc))) from None
    if image:
        stored = services.upload_image(actor, image, image_name)
        body = f'{body}<p><img src="/exams/images/{stored.id}" alt=""></p>'
    return services.save_question(actor, question_id, category_id=category_id, type_=type_, name=name, body=body,
                                  general_feedback=general_feedback, params=params, difficulty=difficulty,
                                  tags=[t for t in text.clean(tags).split(",")])
