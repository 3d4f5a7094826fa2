"""Forms of exam set-up. Times are typed in Vietnam time and stored in UTC."""
from __future__ import annotations

from datetime import datetime, timezone

from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, DateTimeLocalField, DecimalField, IntegerField, SelectField, StringField, \
    TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange

from tinhoc.forms import Form
from tinhoc.i18n import LOCAL_TZ

RULE_ROWS = 6   # blank rule rows offered on the part page


def to_utc(value: datetime | None) -> datetime | None:
    return None if value is None else value.replace(tzinfo=LOCAL_TZ).astimezone(timezone.utc)


def to_local(value: datetime | None) -> datetime | None:
    return None if value is None else value.astimezone(LOCAL_TZ).replace(tzinfo=None)


class ExamForm(Form):
    title = StringField(_l("Tên kỳ thi"), validators=[DataRequired(), Length(max=255)])
    description = TextAreaField(_l("Mô tả (HTML được lọc khi lưu)"), validators=[Length(max=20_000)])
    organisation_id = SelectField(_l("Đơn vị tổ chức"), coerce=int)
    opens_at = DateTimeLocalField(_l("Mở lúc (giờ Việt Nam)"), format="%Y-%m-%dT%H:%M", validators=[InputRequired()])
    closes_at = DateTimeLocalField(_l("Đóng lúc (giờ Việt Nam)"), format="%Y-%m-%dT%H:%M",
                                   validators=[InputRequired()])
    attempts_allowed = IntegerField(_l("Số lần được làm bài"), default=1, validators=[NumberRange(1, 20)])
    shuffle_questions = BooleanField(_l("Đảo thứ tự câu hỏi"), default=True)
    shuffle_options = BooleanField(_l("Đảo thứ tự phương án"), default=True)
    open_to_subtree = BooleanField(_l("Mọi cán bộ của đơn vị (và đơn vị cấp dưới) có tài khoản được làm bài "
                                      "trong thời gian mở, không cần ca thi"))


class PartForm(Form):
    title = StringField(_l("Tên phần thi"), validators=[DataRequired(), Length(max=255)])
    duration_minutes = IntegerField(_l("Thời gian làm bài (phút)"), default=30, validators=[NumberRange(1, 600)])
    max_points = DecimalField(_l("Thang điểm"), default=10, places=2, validators=[NumberRange(0.1, 1000)])
    pass_percent = IntegerField(_l("Ngưỡng đạt (% thang điểm)"), default=50, validators=[NumberRange(0, 100)])


def rule_rows(form_data) -> list[tuple]:
    """The (category, difficulty, count, points, auto_only) rows typed on the part page."""
    columns = [form_data.getlist(name) for name in ("rule_category", "rule_difficulty", "rule_count", "rule_points",
                                                   "rule_auto")]
    return [tuple(col[i] if i < len(col) else "" for col in columns) for i in range(max(map(len, columns), default=0))]
