"""Certificate forms (Flask-WTF: every form carries a CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ..forms import Form
from . import services


class IssueForm(Form):
    """Manual issue: a person of the organiser's scope (by employee code), the kind, why, and what it certifies."""

    kind = SelectField(_l("Loại chứng chỉ"))
    employee_code = StringField(_l("Mã cán bộ"), validators=[DataRequired(), Length(max=32)],
                                description=_l("Người được cấp, thuộc đơn vị trong phạm vi của bạn."))
    reason = TextAreaField(_l("Lý do cấp thủ công"), validators=[DataRequired(), Length(max=1000)],
                           description=_l("Ví dụ: cấp lại theo kết quả học trước khi có hệ thống."))
    title = StringField(_l("Khóa học, kỳ thi hoặc hội thi"), validators=[Optional(), Length(max=200)])
    award = StringField(_l("Giải"), validators=[Optional(), Length(max=200)])
    division = StringField(_l("Bảng"), validators=[Optional(), Length(max=200)])
    score = DecimalField(_l("Điểm"), validators=[Optional(), NumberRange(min=0, max=100)])
    hours = IntegerField(_l("Số giờ học"), validators=[Optional(), NumberRange(min=1, max=10000)])
    modules = TextAreaField(_l("Học phần"), validators=[Optional(), Length(max=4000)],
                            description=_l("Mỗi dòng một học phần: mã; ngày hoàn thành (yyyy-mm-dd); điểm. "
                                           "Ví dụ: IU01; 2026-02-15; 8.5"))

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.kind.choices = services.kind_choices()

    def details(self) -> dict:
        """The details as the kind's `clean` takes them (it checks codes, dates and scores)."""
        modules = []
        for line in (self.modules.data or "").splitlines():
            parts = [p.strip() for p in line.replace(",", ";").split(";")]
            if parts and parts[0]:
                modules.append({"code": parts[0], "completed_on": parts[1] if len(parts) > 1 else None,
                                "score": parts[2] if len(parts) > 2 else None})
        return {"title": self.title.data, "award": self.award.data, "division": self.division.data,
                "score": None if self.score.data is None else float(self.score.data),
                "hours": self.hours.data, "modules": modules}


class RevokeForm(Form):
    reason = TextAreaField(_l("Lý do thu hồi"), validators=[DataRequired(), Length(max=1000)])
