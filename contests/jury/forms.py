"""Forms of the jury pages (numbers are text fields: the services read "7,5" as well as "7.5")."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import DateTimeLocalField, IntegerField, SelectField, SelectMultipleField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, NumberRange, Optional
from wtforms.widgets import CheckboxInput, ListWidget

from tinhoc.forms import Form


class ProductForm(Form):
    file = FileField(_l("Tệp sản phẩm (.zip)"))
    description = TextAreaField(_l("Mô tả sản phẩm"), validators=[Length(max=5000)])
    video_url = StringField(_l("Đường dẫn video giới thiệu (không bắt buộc)"), validators=[Length(max=500)])


class CriterionForm(Form):
    name = StringField(_l("Tiêu chí"), validators=[DataRequired(), Length(max=255)])
    weight = StringField(_l("Trọng số"), default="1", validators=[DataRequired(), Length(max=20)])
    min_score = StringField(_l("Điểm thấp nhất"), default="0", validators=[DataRequired(), Length(max=20)])
    max_score = StringField(_l("Điểm cao nhất"), default="10", validators=[DataRequired(), Length(max=20)])


class SettingsForm(Form):
    margin = StringField(_l("Độ lệch cho phép giữa các giám khảo (điểm)"), validators=[DataRequired(), Length(max=20)])
    chair = SelectField(_l("Trưởng ban giám khảo"), coerce=int, choices=[], validate_choice=False)  # the service checks
    closes_at = DateTimeLocalField(_l("Hạn chấm (giờ Việt Nam; để trống: chưa đóng)"), format="%Y-%m-%dT%H:%M",
                                   validators=[Optional()])


class AutoAssignForm(Form):
    jurors = SelectMultipleField(_l("Giám khảo"), coerce=int, choices=[], option_widget=CheckboxInput(),
                                 widget=ListWidget(prefix_label=False))
    per_entry = IntegerField(_l("Số giám khảo mỗi sản phẩm"), default=2, validators=[Optional(), NumberRange(2, 9)])


class AssignForm(Form):
    code = StringField(_l("Mã sản phẩm"), validators=[DataRequired(), Length(max=16)])
    juror = SelectField(_l("Giám khảo"), coerce=int, choices=[])


class ScoreForm(Form):
    comment = TextAreaField(_l("Nhận xét"), validators=[Length(max=5000)])


class DecisionForm(Form):
    code = StringField(_l("Mã sản phẩm"), validators=[DataRequired(), Length(max=16)])
    score = StringField(_l("Điểm cuối"), validators=[DataRequired(), Length(max=20)])
    reason = TextAreaField(_l("Lý do"), validators=[DataRequired(), Length(max=2000)])
