"""The quiz lesson: N questions drawn from a question-bank category, completed when the quiz is passed.

The exam behind it is made through the exams package's public functions only (`exams.services.
create_quiz`, `start_quiz`, `quiz_result`), on the learner's first start (see `training.quiz`); the
params keep its id. Changing the settings drops that id, so the next start makes a new quiz.
"""
from __future__ import annotations

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tinhoc.security import sanitize_html

from . import LessonError, LessonType, register

SETTINGS = ("category_id", "count", "duration_minutes", "pass_fraction")


def _int(value, low: int, high: int, message: str) -> int:
    try:
        number = int(value)
    except (TypeError, ValueError):
        raise LessonError(message) from None
    if not low <= number <= high:
        raise LessonError(message)
    return number


@register
class QuizLesson(LessonType):
    name = "quiz"
    label = _l("Bài kiểm tra trắc nghiệm")
    completes_on = "quiz"

    def clean(self, data, upload, old, store):
        params = {
            "category_id": _int(data.get("quiz_category"), 1, 2**31 - 1, _("Hãy chọn danh mục câu hỏi.")),
            "count": _int(data.get("quiz_count"), 1, 100, _("Số câu hỏi phải từ 1 đến 100.")),
            "duration_minutes": _int(data.get("quiz_minutes"), 1, 300, _("Thời gian làm bài phải từ 1 đến 300 phút.")),
            "pass_fraction": _int(data.get("quiz_pass"), 0, 100, _("Ngưỡng đạt phải từ 0 đến 100%.")) / 100,
        }
        from exams.services import BankError, category_for
        from tinhoc.access import SYSTEM
        try:
            category_for(SYSTEM, params["category_id"])
        except BankError:
            raise LessonError(_("Hãy chọn danh mục câu hỏi.")) from None
        params["html"] = sanitize_html(data.get("body"))
        if old.get("exam_id") and all(old.get(k) == params[k] for k in SETTINGS):
            params["exam_id"] = old["exam_id"]
        return params
