"""Forms for the organisation pages (Flask-WTF: every form carries a CSRF token)."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import DateField, EmailField, HiddenField, IntegerField, SelectField, StringField
from wtforms.validators import DataRequired, Email, Length, NumberRange, Optional, ValidationError

from ..forms import Form
from .models import ORG_KINDS
from .rules import birth_date_problem
from .services import KIND_LABELS


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class OrganisationForm(Form):
    kind = SelectField(_l("Loại đơn vị"), choices=[(k, KIND_LABELS[k]) for k in ORG_KINDS])
    code = StringField(_l("Mã đơn vị"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Tên đơn vị"), validators=[DataRequired(), Length(max=255)])
    parent_id = SelectField(_l("Đơn vị cấp trên"), coerce=_optional_int, validate_choice=False)


class RenameForm(Form):
    kind = SelectField(_l("Loại đơn vị"), choices=[(k, KIND_LABELS[k]) for k in ORG_KINDS])
    code = StringField(_l("Mã đơn vị"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Tên đơn vị"), validators=[DataRequired(), Length(max=255)])


class MoveForm(Form):
    parent_id = SelectField(_l("Chuyển về đơn vị cấp trên"), coerce=_optional_int, validate_choice=False)


class ActionForm(Form):
    """A button-only form (archive, unarchive): just the CSRF token."""


class PositionForm(Form):
    code = StringField(_l("Mã"), validators=[DataRequired(), Length(max=32)])
    name = StringField(_l("Tên vị trí việc làm"), validators=[DataRequired(), Length(max=120)])
    sort_order = IntegerField(_l("Thứ tự"), default=0, validators=[Optional(), NumberRange(min=0, max=100000)])


class PositionEditForm(Form):
    name = StringField(_l("Tên vị trí việc làm"), validators=[DataRequired(), Length(max=120)])
    sort_order = IntegerField(_l("Thứ tự"), default=0, validators=[Optional(), NumberRange(min=0, max=100000)])


class ImportForm(Form):
    file = FileField(_l("Tệp Excel (.xlsx)"), validators=[
        FileRequired(_l("Hãy chọn tệp Excel.")),
        FileAllowed(["xlsx"], _l("Chỉ nhận tệp .xlsx (Excel 2007 trở lên)."))])


class ApplyImportForm(Form):
    token = HiddenField(validators=[DataRequired()])


def _plausible_birth_date(form, field):
    if problem := birth_date_problem(field.data):
        raise ValidationError(problem)


class PersonForm(Form):
    version = HiddenField()  # the version the editor started from (concurrent edits are refused)
    employee_code = StringField(_l("Mã cán bộ"), validators=[DataRequired(), Length(max=32)])
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=200)])
    date_of_birth = DateField(_l("Ngày sinh"), validators=[Optional(), _plausible_birth_date])
    email = EmailField(_l("Email"), validators=[Optional(), Email(), Length(max=255)])
    organisation_id = SelectField(_l("Đơn vị"), coerce=int, validate_choice=False)
    position_id = SelectField(_l("Vị trí việc làm"), coerce=int, validate_choice=False)
    title = StringField(_l("Chức danh"), validators=[Optional(), Length(max=120)])
