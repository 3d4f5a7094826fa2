"""Forms of the training pages (Flask-WTF: every form carries a CSRF token)."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import BooleanField, DateField, HiddenField, IntegerField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional, URL

from tinhoc.forms import Form, RichTextField


def _optional_int(value):
    return int(value) if value not in (None, "", "None") else None


class ActionForm(Form):
    """A button-only form (enrol, delete, move): just the CSRF token."""


class VideoProgressForm(Form):
    percent = IntegerField(validators=[InputRequired(), NumberRange(min=0, max=100)])


class RuleForm(Form):
    track_id = SelectField(_l("Lộ trình"), coerce=int, validate_choice=False)
    position_id = SelectField(_l("Vị trí việc làm"), coerce=int, validate_choice=False)
    organisation_id = SelectField(_l("Đơn vị (cả đơn vị trực thuộc)"), coerce=_optional_int, validate_choice=False)
    due_date = DateField(_l("Hạn hoàn thành"), validators=[Optional()])


class RuleDueForm(Form):
    due_date = DateField(_l("Hạn hoàn thành"), validators=[Optional()])


class AssignForm(Form):
    employee_code = StringField(_l("Mã cán bộ"), validators=[DataRequired(), Length(max=32)])
    track_id = SelectField(_l("Lộ trình"), coerce=int, validate_choice=False)
    due_date = DateField(_l("Hạn hoàn thành"), validators=[Optional()])


class CourseForm(Form):
    code = StringField(_l("Mã khóa học"), validators=[DataRequired(), Length(max=32)])
    title = StringField(_l("Tên khóa học"), validators=[DataRequired(), Length(max=255)])
    hours = IntegerField(_l("Số giờ"), default=0, validators=[Optional(), NumberRange(min=0, max=1000)])
    description = TextAreaField(_l("Giới thiệu"), validators=[Optional(), Length(max=5000)])
    open_enrolment = BooleanField(_l("Cho phép tự đăng ký"))


class SectionForm(Form):
    code = StringField(_l("Mã mục"), validators=[Optional(), Length(max=32)])
    title = StringField(_l("Tên mục"), validators=[DataRequired(), Length(max=255)])


class LessonForm(Form):
    type = SelectField(_l("Loại bài học"), validate_choice=False)
    title = StringField(_l("Tên bài học"), validators=[DataRequired(), Length(max=255)])
    section_id = SelectField(_l("Thuộc mục"), coerce=_optional_int, validate_choice=False)
    body = RichTextField(_l("Nội dung"), validators=[Optional(), Length(max=200_000)])
    url = StringField(_l("Đường dẫn"), validators=[Optional(), URL(), Length(max=1000)])
    file = FileField(_l("Tệp"))
    # quiz lessons: questions drawn from the bank (exams.services.create_quiz)
    quiz_category = SelectField(_l("Bài kiểm tra: danh mục câu hỏi"), coerce=_optional_int, validate_choice=False)
    quiz_count = IntegerField(_l("Bài kiểm tra: số câu"), default=10, validators=[Optional(), NumberRange(1, 100)])
    quiz_minutes = IntegerField(_l("Bài kiểm tra: thời gian (phút)"), default=15,
                                validators=[Optional(), NumberRange(1, 300)])
    quiz_pass = IntegerField(_l("Bài kiểm tra: ngưỡng đạt (%)"), default=50, validators=[Optional(), NumberRange(0, 100)])


class MoveForm(Form):
    direction = HiddenField(validators=[DataRequired()])
