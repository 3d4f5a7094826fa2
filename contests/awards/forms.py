"""Forms of the award pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from wtforms import SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from tinhoc.forms import Form

from .rules import METHOD_LABELS, PRIZE_LABELS


class RuleForm(Form):
    method = SelectField(_l("Cách xét giải"), choices=list(METHOD_LABELS.items()))
    first = StringField(PRIZE_LABELS["first"], validators=[Length(max=20)])
    second = StringField(PRIZE_LABELS["second"], validators=[Length(max=20)])
    third = StringField(PRIZE_LABELS["third"], validators=[Length(max=20)])
    encouragement = StringField(PRIZE_LABELS["encouragement"], validators=[Length(max=20)])


class AdjustForm(Form):
    prize = SelectField(_l("Giải"), choices=[("", _l("Không có giải")), *PRIZE_LABELS.items()])
    reason = StringField(_l("Lý do"), validators=[DataRequired(), Length(max=1000)])


class ReasonForm(Form):
    reason = TextAreaField(_l("Lý do"), validators=[DataRequired(), Length(max=1000)])
