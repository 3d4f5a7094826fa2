"""Account forms (Flask-WTF: every form carries a CSRF token)."""
from flask_babel import lazy_gettext as _l
from wtforms import BooleanField, EmailField, PasswordField, SelectField, SelectMultipleField, StringField
from wtforms.validators import DataRequired, EqualTo, Length, Optional, Regexp
from wtforms.widgets import CheckboxInput, ListWidget

from ..forms import Form
from .models import ROLES

ROLE_LABELS = {
    "admin": _l("Quản trị"), "organiser": _l("Ban tổ chức"), "instructor": _l("Giảng viên"),
    "grader": _l("Giám khảo"), "learner": _l("Học viên"), "student": _l("Thí sinh học sinh"),
    "teacher": _l("Giáo viên phụ trách"),
}


class MultiCheckboxField(SelectMultipleField):
    widget = ListWidget(prefix_label=False)
    option_widget = CheckboxInput()


class LoginForm(Form):
    username = StringField(_l("Tên đăng nhập"), validators=[DataRequired(), Length(max=64)])
    password = PasswordField(_l("Mật khẩu"), validators=[DataRequired()])


class ChangePasswordForm(Form):
    current = PasswordField(_l("Mật khẩu hiện tại"), validators=[DataRequired()])
    new = PasswordField(_l("Mật khẩu mới"), validators=[DataRequired(), Length(min=8, max=128)])
    confirm = PasswordField(_l("Nhập lại mật khẩu mới"),
                            validators=[DataRequired(), EqualTo("new", message=_l("Hai mật khẩu không khớp."))])


class UserForm(Form):
    username = StringField(_l("Tên đăng nhập"), validators=[
        DataRequired(), Length(max=64),
        Regexp(r"^[A-Za-z0-9._-]+$", message=_l("Chỉ dùng chữ không dấu, số, dấu chấm, gạch ngang, gạch dưới."))])
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=200)])
    email = EmailField(_l("Email"), validators=[Optional(), Length(max=255)])
    roles = MultiCheckboxField(_l("Vai trò"), choices=[(r, ROLE_LABELS[r]) for r in ROLES])
    employee_code = StringField(_l("Mã cán bộ"), validators=[Optional(), Length(max=32)],
                                description=_l("Gắn tài khoản với hồ sơ cán bộ (đơn vị, vị trí việc làm); để trống nếu không có."))
    password = PasswordField(_l("Mật khẩu tạm thời"), validators=[Optional(), Length(min=8, max=128)])
    active = BooleanField(_l("Đang hoạt động"), default=True)


class TemporaryPasswordForm(Form):
    password = PasswordField(_l("Mật khẩu tạm thời"), validators=[DataRequired(), Length(min=8, max=128)])


class GrantForm(Form):
    """A role over one unit's subtree (the unit by its code)."""
    role = SelectField(_l("Vai trò"), choices=[(r, ROLE_LABELS[r]) for r in ROLES if r != "admin"])
    org_code = StringField(_l("Mã đơn vị"), validators=[DataRequired(), Length(max=32)],
                           description=_l("Vai trò có hiệu lực trên đơn vị này và các đơn vị trực thuộc."))


class ActionForm(Form):
    """A button that changes something: only the CSRF token."""
