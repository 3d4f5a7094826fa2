"""Forms of the plan pages (Flask-WTF: every form carries a CSRF token)."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import DecimalField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Length, NumberRange, Optional

from ...forms import Form
from . import metrics


class PeriodForm(Form):
    name = StringField(_l("Tên kỳ kế hoạch"), validators=[DataRequired(), Length(max=200)],
                       description=_l("Ví dụ: Kế hoạch ứng dụng CNTT giai đoạn 2021–2025"))
    start_year = IntegerField(_l("Năm bắt đầu"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    end_year = IntegerField(_l("Năm kết thúc"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])


class TargetForm(Form):
    metric = SelectField(_l("Chỉ tiêu"))
    org = SelectField(_l("Đơn vị"), coerce=int, description=_l("Để trống: toàn tỉnh (áp dụng cho mọi đơn vị "
                                                               "chưa có chỉ tiêu riêng)."))
    year = SelectField(_l("Năm"), coerce=int, description=_l("Để trống: cả kỳ."))
    value = DecimalField(_l("Giá trị"), validators=[DataRequired(message=_l("Hãy nhập giá trị chỉ tiêu.")),
                                                    NumberRange(min=0)],
                         description=_l("Tỷ lệ tính bằng %; số người được đào tạo tính theo năm."))

    def __init__(self, period, org_choices, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.metric.choices = [(m.name, str(m.label)) for m in metrics.all_metrics()]
        self.org.choices = [(0, str(_l("Toàn tỉnh")))] + list(org_choices)
        self.year.choices = [(0, str(_l("Cả kỳ")))] + [(y, str(y)) for y in period.years]
