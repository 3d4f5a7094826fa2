"""The lesson types of the first release: rich text, external link, file (PDF, office) and video."""
from __future__ import annotations

from urllib.parse import urlsplit

import bleach

from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l

from tinhoc.security import sanitize_html

from . import LessonError, LessonType, register

# What a file lesson accepts: extension -> the bytes the file must start with (its real type).
OLE = b"\xd0\xcf\x11\xe0"
ZIP = b"PK\x03\x04"
DOCUMENTS = {".pdf": (b"%PDF-",), ".docx": (ZIP,), ".xlsx": (ZIP,), ".pptx": (ZIP,), ".odt": (ZIP,),
             ".ods": (ZIP,), ".odp": (ZIP,), ".doc": (OLE,), ".xls": (OLE,), ".ppt": (OLE,)}
VIDEOS = {".mp4": (None,), ".webm": (b"\x1a\x45\xdf\xa3",)}


def _http_url(value: str) -> str:
    url = (value or "").strip()
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.netloc or len(url) > 1000:
        raise LessonError(_("Đường dẫn phải bắt đầu bằng http:// hoặc https://."))
    return url


@register
class RichText(LessonType):
    name = "text"
    label = _l("Văn bản")
    completes_on = "view"

    def clean(self, data, upload, old, store):
        html = sanitize_html(data.get("body"))
        if not bleach.clean(html, tags=[], strip=True).strip():
            raise LessonError(_("Bài học chưa có nội dung."))
        return {"html": html}


@register
class ExternalLink(LessonType):
    name = "link"
    label = _l("Liên kết ngoài")
    completes_on = "view"

    def clean(self, data, upload, old, store):
        return {"url": _http_url(data.get("url")), "html": sanitize_html(data.get("body"))}


@register
class FileLesson(LessonType):
    name = "file"
    label = _l("Tệp tài liệu (PDF, văn phòng)")
    completes_on = "open"
    has_file = True

    def clean(self, data, upload, old, store):
        if upload is None:
            if old.get("stored"):
                return {**old, "html": sanitize_html(data.get("body"))}
            raise LessonError(_("Hãy chọn một tệp PDF hoặc văn phòng."))
        return {**store(upload, DOCUMENTS), "html": sanitize_html(data.get("body"))}


@register
class Video(LessonType):
    name = "video"
    label = _l("Video")
    completes_on = "progress"
    has_file = True

    def clean(self, data, upload, old, store):
        if upload is not None:
            return {**store(upload, VIDEOS), "html": sanitize_html(data.get("body"))}
        if (data.get("url") or "").strip():
            return {"url": _http_url(data.get("url")), "html": sanitize_html(data.get("body"))}
        if old.get("stored") or old.get("url"):
            return {**old, "html": sanitize_html(data.get("body"))}
        raise LessonError(_("Hãy tải lên một video (MP4, WebM) hoặc nhập đường dẫn."))
