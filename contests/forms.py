"""Forms of the contest pages."""
from __future__ import annotations

from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileField
from wtforms import (BooleanField, DateField, DateTimeLocalField, Field, IntegerField, PasswordField, SelectField,
                     SelectMultipleField, StringField, TextAreaField)
from wtforms.validators import DataRequired, InputRequired, Length, NumberRange, Optional
from wtforms.widgets import TextArea

from tinhoc.forms import Form


class SourceField(Field):
    """Program text exactly as typed: no cleaning (spaces and tabs are the program's)."""
    widget = TextArea()

    def _value(self):
        return self.data or ""

    def process_formdata(self, valuelist):
        self.data = valuelist[0] if valuelist else ""


class SubmitForm(Form):
    language = SelectField(_l("Ngôn ngữ"), choices=[])
    source = SourceField(_l("Mã nguồn"))
    file = FileField(_l("Hoặc tải tệp lên"))


class ProblemForm(Form):
    letter = StringField(_l("Ký hiệu"), validators=[DataRequired(), Length(max=4)])
    title = StringField(_l("Tên bài"), validators=[DataRequired(), Length(max=255)])
    statement = SourceField(_l("Đề bài (Markdown)"))
    package = FileField(_l("Gói đề (.zip)"))


class StatementForm(Form):
    title = StringField(_l("Tên bài"), validators=[DataRequired(), Length(max=255)])
    statement = SourceField(_l("Đề bài (Markdown)"))
    pdf = FileField(_l("Đề bài dạng PDF (không bắt buộc, tối đa 10 MiB)"))
    remove_pdf = BooleanField(_l("Bỏ tệp PDF hiện có"))


class QuizSetupForm(Form):
    """A quiz round's quiz: questions drawn per contestant from a bank category."""
    category = SelectField(_l("Danh mục câu hỏi"), coerce=int, choices=[], validate_choice=False)
    count = IntegerField(_l("Số câu"), default=20, validators=[DataRequired(), NumberRange(1, 200)])
    minutes = IntegerField(_l("Thời gian làm bài (phút)"), default=30, validators=[DataRequired(), NumberRange(1, 600)])
    points = IntegerField(_l("Thang điểm"), default=10, validators=[DataRequired(), NumberRange(1, 1000)])


class ActionForm(Form):
    """A POST with only its CSRF token (unfreeze, approve, rejudge apply)."""


class NoteForm(Form):
    text = TextAreaField(_l("Nội dung"), validators=[DataRequired(), Length(max=4000)])


LEVEL_CHOICES = [("primary", _l("Tiểu học")), ("lower", _l("THCS")), ("upper", _l("THPT")),
                 ("upper_specialist", _l("THPT chuyên"))]


class RegisterForm(Form):
    """One entry: a pupil, or a team of up to two (the division says which)."""
    division = SelectField(_l("Bảng thi"), coerce=int, choices=[])
    school = SelectField(_l("Trường"), coerce=int, choices=[])
    team_name = StringField(_l("Tên đội (bảng thi theo đội)"), validators=[Length(max=120)])
    name1 = StringField(_l("Họ và tên thí sinh 1"), validators=[DataRequired(), Length(max=200)])
    grade1 = IntegerField(_l("Lớp"), validators=[DataRequired(), NumberRange(min=1, max=12)])
    level1 = SelectField(_l("Cấp học"), choices=LEVEL_CHOICES)
    name2 = StringField(_l("Họ và tên thí sinh 2 (nếu thi theo đội)"), validators=[Length(max=200)])
    grade2 = IntegerField(_l("Lớp"), validators=[Optional(), NumberRange(min=1, max=12)])
    level2 = SelectField(_l("Cấp học"), choices=LEVEL_CHOICES)


class ContestForm(Form):
    year = IntegerField(_l("Năm"), validators=[DataRequired(), NumberRange(min=2000, max=2100)])
    level = SelectField(_l("Cấp"), choices=[("province", _l("Tỉnh")), ("district", _l("Huyện")),
                                            ("school", _l("Trường"))])
    title = StringField(_l("Tên hội thi"), validators=[DataRequired(), Length(max=255)])
    organisation = SelectField(_l("Đơn vị tổ chức"), coerce=int, choices=[])
    national = BooleanField(_l("Tạo các bảng theo cơ cấu toàn quốc (A, B, C1, C2, D1, D2, D3)"), default=True)


class RoundEditForm(Form):
    """A round's settings that may change after it was created (contests/rounds.py says when)."""
    title = StringField(_l("Tên vòng thi"), validators=[DataRequired(), Length(max=255)])
    starts_at = DateTimeLocalField(_l("Bắt đầu (giờ Việt Nam)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    ends_at = DateTimeLocalField(_l("Kết thúc (giờ Việt Nam)"), format="%Y-%m-%dT%H:%M", validators=[DataRequired()])
    scoring = SelectField(_l("Cách tính điểm"), choices=[("ioi", _l("IOI: điểm từng test")),
                                                         ("icpc", _l("ICPC: số bài đúng và thời gian phạt"))])
    languages = SelectMultipleField(_l("Ngôn ngữ"), choices=[("cpp17", "C++17"), ("c", "C"), ("pascal", "Free Pascal"),
                                                             ("python3", "Python 3"), ("scratch3", "Scratch 3")])
    show_hidden_tests = BooleanField(_l("Cho thí sinh xem kết quả từng test ẩn"))
    subtask_max = BooleanField(_l("IOI: lấy điểm cao nhất của từng nhóm test qua các lần nộp"))
    freeze_minutes = IntegerField(_l("Đóng băng bảng điểm trước khi kết thúc (phút)"), default=0,
                                  validators=[Optional(), NumberRange(min=0, max=600)])


class RoundForm(RoundEditForm):
    division = SelectField(_l("Bảng thi"), coerce=int, choices=[])
    kind = SelectField(_l("Loại vòng"), choices=[("programming", _l("Lập trình")), ("creative", _l("Sản phẩm sáng tạo"))])


class ExtensionForm(Form):
    """Extra time for one entry or a school's entries at the end of a programming round."""
    target = SelectField(_l("Gia hạn cho"), choices=[])
    minutes = IntegerField(_l("Số phút"), validators=[InputRequired(), NumberRange(min=1, max=600)])
    reason = StringField(_l("Lý do"), validators=[DataRequired(), Length(max=500)])


class ImportForm(Form):
    file = FileField(_l("Tệp Excel (.xlsx)"))


class WindowForm(Form):
    opens_at = DateTimeLocalField(_l("Mở đăng ký (giờ Việt Nam)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])
    closes_at = DateTimeLocalField(_l("Đóng đăng ký (giờ Việt Nam)"), format="%Y-%m-%dT%H:%M", validators=[Optional()])


class FreeRegisterForm(Form):
    """A free candidate registers themselves (password fields only when not logged in)."""
    full_name = StringField(_l("Họ và tên"), validators=[DataRequired(), Length(max=200)])
    # no DataRequired: it would replace "not a valid date" with "required"; the service asks for it
    date_of_birth = DateField(_l("Ngày sinh"), format=["%Y-%m-%d", "%d/%m/%Y"])
    grade = IntegerField(_l("Lớp"), validators=[DataRequired(), NumberRange(min=1, max=12)])
    level = SelectField(_l("Cấp học"), choices=LEVEL_CHOICES)
    school = SelectField(_l("Trường (chọn trong danh sách)"), coerce=int, choices=[], validate_choice=False)
    school_name = StringField(_l("Hoặc nhập tên trường"), validators=[Length(max=255)])
    contact = StringField(_l("Thư điện tử hoặc số điện thoại"), validators=[Length(max=255)])
    password = PasswordField(_l("Mật khẩu (ít nhất 8 ký tự)"), validators=[Length(max=128)])
    confirm = PasswordField(_l("Nhập lại mật khẩu"), validators=[Length(max=128)])


class FreeOpenForm(Form):
    open = BooleanField(_l("Mở cho thí sinh tự do đăng ký"))
