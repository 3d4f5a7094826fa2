"""Forms of the grading and results pages."""
from __future__ import annotations

import math

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import Length
from wtforms.widgets import CheckboxInput, ListWidget

from tinhoc.forms import Form


def number(raw) -> float | None:
    """A number typed the Vietnamese way ("0,75") or not; None when empty, NaN when not a number
    (the service refuses it with the field's message)."""
    raw = (raw or "").strip().replace(",", ".")
    if not raw:
        return None
    try:
        value = float(raw)
    except ValueError:
        return math.nan
    return value


class MarkForm(Form):
    fraction = StringField(_l("Điểm (phần của điểm tối đa, từ 0 đến 1)"), validators=[Length(max=20)])
    comment = TextAreaField(_l("Nhận xét cho thí sinh"), validators=[Length(max=5000)])

    def score_values(self, raw: list[str], count: int) -> list[float] | None:
        """Points per rubric criterion from the inputs named "score" (None without a rubric)."""
        if not count:
            return None
        values = [number(v) for v in raw[:count]]
        return values + [None] * (count - len(values))


class SettingsForm(Form):
    blind = BooleanField(_l("Chấm ẩn danh (người chấm chỉ thấy mã bài)"), default=True)
    second_marker = BooleanField(_l("Chấm hai vòng (người chấm thứ hai độc lập)"))
    margin = StringField(_l("Độ lệch cho phép giữa hai người chấm (0 đến 1)"), default="0.1",
                         validators=[Length(max=20)])
    rubric = TextAreaField(_l("Thang chấm: mỗi dòng “Tên tiêu chí | điểm tối đa” (để trống: cho điểm trực tiếp)"),
                           validators=[Length(max=10_000)])


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class AssignForm(Form):
    graders = MultiCheckboxField(_l("Người chấm"), coerce=int, validate_choice=False)


class ReconcileForm(Form):
    fraction = StringField(_l("Điểm quyết định (phần của điểm tối đa, từ 0 đến 1)"), validators=[Length(max=20)])
    reason = TextAreaField(_l("Lý do"), validators=[Length(max=5000)])


class ActionForm(Form):
    """A button that posts (CSRF token only)."""
