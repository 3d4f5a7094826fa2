"""Forms of the question bank pages."""
from flask_babel import lazy_gettext as _l
from flask_wtf.file import FileAllowed, FileField, FileRequired
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length, Optional

from tinhoc.forms import Form

from .importers import FORMATS

FORMAT_LABELS = {"gift": "GIFT (.txt, .gift)", "moodlexml": "Moodle XML (.xml)", "aiken": "Aiken (.txt)",
                 "xlsx": _l("Excel theo mẫu (.xlsx)"), "docx": _l("Word (.docx): Câu 1:, A. … F., Đáp án: …")}
DIFFICULTY_LABELS = {1: _l("Dễ"), 2: _l("Trung bình"), 3: _l("Khó")}


class CategoryForm(Form):
    name = StringField(_l("Tên danh mục"), validators=[DataRequired(), Length(max=200)])
    parent_id = SelectField(_l("Thuộc danh mục"), coerce=int, validators=[Optional()])


class QuestionForm(Form):
    category_id = SelectField(_l("Danh mục"), coerce=int)
    name = StringField(_l("Tên ngắn"), validators=[Length(max=255)])
    body = TextAreaField(_l("Nội dung câu hỏi (HTML được lọc khi lưu)"), validators=[Length(max=100_000)])
    answers = TextAreaField(_l("Đáp án (cú pháp GIFT)"), validators=[Length(max=20_000)],
                            description=_l("Ví dụ: =Đúng ~Sai ~%-50%Sai nặng · T hoặc F · #3.14:0.01 · "
                                           "=Ctrl+C -> Sao chép =Ctrl+V -> Dán · để trống: tự luận."))
    case_sensitive = BooleanField(_l("Trả lời ngắn: phân biệt chữ hoa, chữ thường"))
    accent_insensitive = BooleanField(_l("Trả lời ngắn: chấp nhận câu trả lời không dấu"))
    as_file = BooleanField(_l("Tự luận nộp bằng tệp (phần thực hành)"))
    as_description = BooleanField(_l("Chỉ là đoạn mô tả, không chấm điểm"))
    general_feedback = TextAreaField(_l("Giải thích chung"), validators=[Length(max=20_000)])
    difficulty = SelectField(_l("Độ khó"), coerce=int, choices=list(DIFFICULTY_LABELS.items()), default=2)
    tags = StringField(_l("Thẻ (cách nhau bởi dấu phẩy)"), validators=[Length(max=500)])
    image = FileField(_l("Thêm ảnh (PNG, JPEG, GIF; tối đa 2 MB)"),
                      validators=[Optional(), FileAllowed(["png", "jpg", "jpeg", "gif"], _l("Chỉ nhận ảnh PNG, JPEG, GIF."))])


class ImportForm(Form):
    format = SelectField(_l("Định dạng"), choices=list(FORMAT_LABELS.items()))
    category = StringField(_l("Nhập vào danh mục (ví dụ IU01/Phần cứng; để trống: theo tệp)"),
                           validators=[Length(max=500)])
    file = FileField(_l("Tệp câu hỏi"), validators=[
        FileRequired(_l("Hãy chọn tệp.")),
        FileAllowed(["txt", "gift", "xml", "xlsx", "docx"], _l("Chỉ nhận tệp .txt, .gift, .xml, .xlsx, .docx."))])


class ApplyImportForm(Form):
    token = HiddenField(validators=[DataRequired()])
    format = HiddenField(validators=[DataRequired()])
    category = HiddenField()


class ActionForm(Form):
    pass


class ExportForm(Form):
    pass


__all__ = ["FORMATS"]
