"""The base of every form: user text through the text rule, WTForms' own messages in Vietnamese.

`Form` (a FlaskForm) is the one place every typed value passes: each text field gets
`text.clean` as a filter (NFC, no control or bidi characters, trimmed, one space between words;
text areas keep their line breaks), so "Đặng" typed in NFD is stored as NFC. WTForms and
Flask-WTF ship no Vietnamese catalogue, so their messages ("This field is required.") are mapped
here to our own strings, which the English catalogue translates back.
"""
from __future__ import annotations

import functools

from flask_babel import lazy_gettext as _l
from flask_wtf import FlaskForm
from wtforms import PasswordField, StringField, TextAreaField

from . import text

WTFORMS_MESSAGES = {
    "This field is required.": _l("Mục này không được để trống."),
    "Invalid input.": _l("Giá trị không hợp lệ."),
    "Invalid email address.": _l("Địa chỉ email không hợp lệ."),
    "Invalid URL.": _l("Địa chỉ web không hợp lệ."),
    "Invalid UUID.": _l("Mã UUID không hợp lệ."),
    "Invalid IP address.": _l("Địa chỉ IP không hợp lệ."),
    "Invalid Mac address.": _l("Địa chỉ MAC không hợp lệ."),
    "Field must be equal to %(other_name)s.": _l("Phải trùng với mục %(other_name)s."),
    "Field must be at least %(min)d character long.": _l("Cần ít nhất %(min)d ký tự."),
    "Field cannot be longer than %(max)d character.": _l("Dài quá: tối đa %(max)d ký tự."),
    "Field must be exactly %(max)d character long.": _l("Phải có đúng %(max)d ký tự."),
    "Field must be between %(min)d and %(max)d characters long.": _l("Phải có từ %(min)d đến %(max)d ký tự."),
    "Number must be at least %(min)s.": _l("Số phải từ %(min)s trở lên."),
    "Number must be at most %(max)s.": _l("Số phải nhỏ hơn hoặc bằng %(max)s."),
    "Number must be between %(min)s and %(max)s.": _l("Số phải nằm trong khoảng %(min)s đến %(max)s."),
    "Date must be at least %(min)s.": _l("Ngày phải từ %(min)s trở về sau."),
    "Date must be at most %(max)s.": _l("Ngày phải trước hoặc bằng %(max)s."),
    "Date must be between %(min)s and %(max)s.": _l("Ngày phải nằm trong khoảng %(min)s đến %(max)s."),
    "Invalid value, must be one of: %(values)s.": _l("Giá trị không hợp lệ; phải là một trong: %(values)s."),
    "Invalid value, can't be any of: %(values)s.": _l("Giá trị không được là: %(values)s."),
    "This field cannot be edited.": _l("Mục này không sửa được."),
    "This field is disabled and cannot have a value.": _l("Mục này đang tắt, không nhận giá trị."),
    "Invalid Choice: could not coerce.": _l("Lựa chọn không hợp lệ."),
    "Choices cannot be None.": _l("Không có lựa chọn nào."),
    "Not a valid choice.": _l("Lựa chọn không hợp lệ."),
    "Invalid choice(s): one or more data inputs could not be coerced.": _l("Có lựa chọn không hợp lệ."),
    "'%(value)s' is not a valid choice for this field.": _l("“%(value)s” không phải là lựa chọn hợp lệ."),
    "Not a valid datetime value.": _l("Ngày giờ không hợp lệ."),
    "Not a valid date value.": _l("Ngày không hợp lệ (hãy chọn hoặc ghi dd/mm/yyyy)."),
    "Not a valid time value.": _l("Giờ không hợp lệ."),
    "Not a valid week value.": _l("Tuần không hợp lệ."),
    "Not a valid integer value.": _l("Hãy nhập một số nguyên."),
    "Not a valid decimal value.": _l("Hãy nhập một số."),
    "Not a valid float value.": _l("Hãy nhập một số."),
    "The CSRF token is missing.": _l("Biểu mẫu thiếu mã bảo vệ; hãy tải lại trang rồi gửi lại."),
    "The CSRF session token is missing.": _l("Phiên làm việc đã hết; hãy tải lại trang rồi gửi lại."),
    "The CSRF token has expired.": _l("Biểu mẫu đã quá hạn; hãy tải lại trang rồi gửi lại."),
    "The CSRF token is invalid.": _l("Biểu mẫu không hợp lệ; hãy tải lại trang rồi gửi lại."),
    "The CSRF tokens do not match.": _l("Biểu mẫu không hợp lệ; hãy tải lại trang rồi gửi lại."),
    "File does not have an approved extension.": _l("Loại tệp này không được nhận."),
}


def translate_wtforms(message: str) -> str:
    """A WTForms/Flask-WTF message in the visitor's language (unknown messages pass unchanged)."""
    ours = WTFORMS_MESSAGES.get(message)
    return str(ours) if ours is not None else message


def error_summary(form) -> str:
    """Every error of a form as one line ("Mã đơn vị: Dài quá: tối đa 32 ký tự."), for pages that
    answer a refused form with a flash message instead of the form itself."""
    return "; ".join(f"{form[name].label.text}: {message}" if name in form._fields and form[name].label.text
                     else str(message)
                     for name, messages in form.errors.items() for message in messages)


class _Translations:
    def gettext(self, string):
        return translate_wtforms(string)

    def ngettext(self, singular, plural, n):
        return translate_wtforms(singular) if singular in WTFORMS_MESSAGES else (singular if n == 1 else plural)


class RichTextField(TextAreaField):
    """HTML from the rich-text editor: only put in NFC here (spaces inside <pre> are content);
    the service sanitises it with bleach (security.sanitize_html) before it is stored."""


def _nfc(value):
    import unicodedata
    return unicodedata.normalize("NFC", value) if isinstance(value, str) else value


class Form(FlaskForm):
    class Meta:
        def get_translations(self, form):
            return _Translations()

        def bind_field(self, form, unbound_field, options):
            field_class = unbound_field.field_class
            if issubclass(field_class, StringField) and not issubclass(field_class, PasswordField):
                rule = (_nfc if issubclass(field_class, RichTextField)
                        else functools.partial(text.clean, multiline=True) if issubclass(field_class, TextAreaField)
                        else text.clean)
                options = dict(options, filters=[*unbound_field.kwargs.get("filters", ()), rule])
            return unbound_field.bind(form=form, **options)
