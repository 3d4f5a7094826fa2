"""Forms of the session pages (ca thi): the session, a room, candidates, proctor actions."""
from __future__ import annotations

from datetime import datetime

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField, FileRequired
from wtforms import BooleanField, DateTimeLocalField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional

from tinhoc.forms import Form
from tinhoc.i18n import LOCAL_TZ


class SessionForm(Form):
    exam_id = SelectField(_l("Kỳ thi"), coerce=int, validators=[InputRequired()])
    organisation_id = SelectField(_l("Đơn vị tổ chức"), coerce=int, validators=[InputRequired()])
    name = StringField(_l("Tên ca thi"), validators=[DataRequired(), Length(max=255)])
    starts_at = DateTimeLocalField(_l("Giờ bắt đầu (dự kiến)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])

    def starts_at_utc(self) -> datetime:
        """The typed local time (Asia/Ho_Chi_Minh) as an aware UTC datetime."""
        from datetime import timezone
        return self.starts_at.data.replace(tzinfo=LOCAL_TZ).astimezone(timezone.utc)


class RoomForm(Form):
    name = StringField(_l("Tên phòng"), validators=[DataRequired(), Length(max=100)])
    capacity = IntegerField(_l("Sức chứa"), validators=[Optional(), NumberRange(min=1, max=1000)])
    proctor = StringField(_l("Giám thị (tên đăng nhập)"), validators=[Optional(), Length(max=64)])


class UnitStaffForm(Form):
    organisation_id = SelectField(_l("Đơn vị"), coerce=int, validators=[InputRequired()])
    subtree = BooleanField(_l("Cả các đơn vị trực thuộc"), default=True)


class CandidateListForm(Form):
    file = FileField(_l("Danh sách thí sinh (.xlsx: cột “Mã cán bộ” hoặc “Tên đăng nhập”)"),
                     validators=[FileRequired()])


class ApplyListForm(Form):
    token = HiddenField(validators=[DataRequired()])


class ActionForm(Form):
    """A bare POST (CSRF only): assign rooms, open, remove."""


class ProctorActionForm(Form):
    minutes = IntegerField(_l("Số phút"), validators=[Optional(), NumberRange(min=1, max=240)])
    reason = StringField(_l("Lý do"), validators=[DataRequired(), Length(max=255)])
