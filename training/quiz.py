"""Quiz lessons: start the lesson's quiz (made on the first start through `exams.services`) and read
whether it was passed. Training never touches the exam models: four public functions only."""
from __future__ import annotations

from flask_babel import gettext as _

from tinhoc.access import SYSTEM, Actor
from tinhoc.extensions import db

from . import lessons
from .services import TrainingError, lesson_for


def _exam_id(lesson) -> int:
    """The lesson's quiz, made now if it has none yet (as the system: the editor chose the category)."""
    from exams import services as exams
    params = dict(lesson.params or {})
    if params.get("exam_id"):
        return params["exam_id"]
    try:
        exam = exams.create_quiz(SYSTEM, title=lesson.title, owner_ref=f"training.lesson:{lesson.id}",
                                 category_id=params["category_id"], count=params["count"],
                                 duration_minutes=params["duration_minutes"], pass_fraction=params["pass_fraction"])
    except exams.BankError as exc:
        raise TrainingError(str(exc)) from None
    params["exam_id"] = exam.id
    lesson.params = params
    db.session.commit()
    return exam.id


def start(actor: Actor, lesson_id: int) -> int:
    """Start or resume the learner's attempt at a quiz lesson; returns the attempt id."""
    from exams import services as exams
    lesson = lesson_for(actor, lesson_id)
    if lessons.get(lesson.type).completes_on != "quiz":
        raise TrainingError(_("Bài học này không phải bài kiểm tra."))
    try:
        return exams.start_quiz(actor.user_id, _exam_id(lesson)).id
    except exams.BankError as exc:
        raise TrainingError(str(exc)) from None


def result(user_id: int | None, lesson):
    """The learner's best result at the lesson's quiz (exams.services.QuizResult), or None."""
    from exams import services as exams
    exam_id = (lesson.params or {}).get("exam_id")
    if not user_id or not exam_id:
        return None
    try:
        return exams.quiz_result(user_id, exam_id)
    except exams.NotFound:
        return None
