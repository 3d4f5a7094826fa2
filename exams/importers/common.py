"""What every importer shares: the report, decoding text files, limits."""
from __future__ import annotations

import codecs
import importlib
import re
import unicodedata
from dataclasses import dataclass, field

from flask_babel import gettext as _

MAX_BYTES = 8 * 1024 * 1024      # a bank of a few thousand questions is well under 2 MB of text
MAX_ITEMS = 5000
MAX_IMAGE_BYTES = 2 * 1024 * 1024
IMAGE_TYPES = {b"\x89PNG\r\n\x1a\n": "image/png", b"\xff\xd8\xff": "image/jpeg", b"GIF87a": "image/gif",
               b"GIF89a": "image/gif"}
FORMATS = ("gift", "moodlexml", "aiken", "xlsx", "docx")


class Refused(Exception):
    """The whole file is refused (unreadable, wrong encoding, too big, dangerous); `str(exc)` says why."""


@dataclass
class Parsed:
    items: list[dict] = field(default_factory=list)
    errors: list[dict] = field(default_factory=list)        # {"line": n, "reason": str}
    unsupported: list[dict] = field(default_factory=list)   # {"line": n, "reason": str, "text": str}
    refused: bool = False

    def error(self, line, reason: str) -> None:
        self.errors.append({"line": line, "reason": str(reason)})

    def skip(self, line, reason: str, snippet: str = "") -> None:
        self.unsupported.append({"line": line, "reason": str(reason), "text": snippet[:200]})

    def add(self, item: dict) -> None:
        if len(self.items) >= MAX_ITEMS:
            raise Refused(_("Tệp có hơn %(n)d câu hỏi; hãy chia nhỏ.", n=MAX_ITEMS))
        self.items.append(item)

    @property
    def ok(self) -> bool:
        return not self.errors and not self.refused


def parse(data: bytes, fmt: str) -> Parsed:
    """Parse a file in one of FORMATS; a refused file is a Parsed with one error at line 0."""
    if fmt not in FORMATS:
        raise ValueError(fmt)
    module = importlib.import_module(f"exams.importers.{fmt}")
    try:
        if len(data) > MAX_BYTES:
            raise Refused(_("Tệp lớn hơn %(n)d MB; hãy chia nhỏ.", n=MAX_BYTES >> 20))
        if not data.strip():
            raise Refused(_("Tệp rỗng."))
        return module.parse(data)
    except Refused as exc:
        report = Parsed(refused=True)
        report.error(0, str(exc))
        return report


_VIETNAMESE = re.compile("[ăâđêôơưĂÂĐÊÔƠƯ\u0300\u0301\u0303\u0309\u0323àáảãạèéẻẽẹìíỉĩịòóỏõọùúủũụỳýỷỹỵ]", re.I)
# UTF-8 read as Windows-1252/1258 and saved again: "Ã¡", "áº£", "Æ°" … never appear in real Vietnamese.
_MOJIBAKE = re.compile("Ã[\u0080-\u00bf¡-¿]|áº|á»|Æ[°¯]|Ä[‘\u0091]|Ä\u0090")


def decode_text(data: bytes) -> str:
    """A text file's content: UTF-8 (with or without BOM), UTF-16 with BOM, or Windows-1258 when it is
    not UTF-8 and reads as Vietnamese. Anything else, and text that is already mojibake, is refused."""
    if data.startswith(codecs.BOM_UTF8):
        text = _strict(data[3:], "utf-8")
    elif data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        text = _strict(data, "utf-16")
    elif b"\x00" in data[:4096]:
        raise Refused(_("Tệp có vẻ là UTF-16 nhưng không có BOM; hãy lưu lại dưới dạng UTF-8."))
    else:
        try:
            text = data.decode("utf-8")
        except UnicodeDecodeError:
            try:
                text = data.decode("cp1258")
            except UnicodeDecodeError:
                raise Refused(_("Tệp không phải UTF-8 cũng không phải Windows-1258; hãy lưu lại dưới dạng UTF-8.")) \
                    from None
            text = unicodedata.normalize("NFC", text)
            if not _VIETNAMESE.search(text) or re.search("[\u0080-\u009f]", text):
                raise Refused(_("Tệp không phải UTF-8 và không đọc được như tiếng Việt Windows-1258; "
                                "hãy lưu lại dưới dạng UTF-8."))
    if _MOJIBAKE.search(text):
        raise Refused(_("Tệp chứa chữ bị lỗi mã hoá (ví dụ “%(s)s”): đã bị chuyển mã sai từ trước; "
                        "hãy mở tệp gốc và lưu lại dưới dạng UTF-8.", s=_MOJIBAKE.search(text).group(0)))
    if "\x00" in text:
        raise Refused(_("Tệp chứa ký tự NUL; đây không phải tệp văn bản."))
    return unicodedata.normalize("NFC", text.replace("\r\n", "\n").replace("\r", "\n"))


def _strict(data: bytes, encoding: str) -> str:
    try:
        return data.decode(encoding)
    except UnicodeDecodeError as exc:
        raise Refused(_("Tệp khai báo %(e)s nhưng có byte sai ở vị trí %(p)d.", e=encoding.upper(), p=exc.start)) \
            from None


def image_type(data: bytes) -> str | None:
    """The content type of a PNG, JPEG or GIF image by its first bytes (None for anything else)."""
    return next((kind for magic, kind in IMAGE_TYPES.items() if data.startswith(magic)), None)


def check_image(data: bytes, name: str = "") -> str:
    kind = image_type(data)
    if kind is None:
        raise ValueError(_("Tệp “%(n)s” không phải ảnh PNG, JPEG hoặc GIF.", n=name))
    if len(data) > MAX_IMAGE_BYTES:
        raise ValueError(_("Ảnh “%(n)s” lớn hơn %(m)d MB.", n=name, m=MAX_IMAGE_BYTES >> 20))
    return kind
