"""Word (.docx) banks as Vietnamese teachers type them, read with python-docx:

    Câu 1: Thiết bị nào là thiết bị nhập?        (or "Câu 1." ; the stem may go on over more paragraphs)
    A. Màn hình
    B. Bàn phím                                  (the key in bold, underlined or red …)
    C. Máy in
    Đáp án: B                                    (… or on a line of its own; "A, C": several right answers)

Images inside the stem are kept. Anything not in that shape is listed with its paragraph number
(text outside a question as unsupported, a malformed question as an error), never guessed.
"""
from __future__ import annotations

import io
import re
import zipfile

from docx import Document
from docx.opc.exceptions import PackageNotFoundError
from flask_babel import gettext as _
from markupsafe import escape

from tinhoc.judge.ziplimits import ZipLimitExceeded, check_zip
from tinhoc.orgs.workbook_guard import MAX_MEMBERS, MAX_UNPACKED_BYTES

from .common import Parsed, Refused, check_image

_QUESTION = re.compile(r"^\s*Câu\s+(\d+)\s*[:.]\s*(.*)$", re.S | re.I)
_OPTION = re.compile(r"^\s*([A-F])\s*[.)]\s*(.*)$", re.S)
_KEY = re.compile(r"^\s*Đáp\s*án\s*(?:đúng)?\s*:\s*([A-F](?:\s*[,;]\s*[A-F])*)\s*\.?\s*$", re.I)
_BLIP = "{http://schemas.openxmlformats.org/drawingml/2006/main}blip"
_EMBED = "{http://schemas.openxmlformats.org/officeDocument/2006/relationships}embed"


def _open(data: bytes):
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as zf:
            check_zip(zf, max_bytes=MAX_UNPACKED_BYTES, max_files=MAX_MEMBERS)
        return Document(io.BytesIO(data))
    except ZipLimitExceeded:
        raise Refused(_("Tệp Word giải nén ra quá lớn; hãy chia nhỏ.")) from None
    except (zipfile.BadZipFile, PackageNotFoundError, KeyError, ValueError, OSError) as exc:
        raise Refused(_("Tệp không đọc được như một văn bản Word .docx (%(e)s).", e=type(exc).__name__)) from None


def _is_red(run) -> bool:
    try:
        rgb = run.font.color.rgb if run.font.color is not None and run.font.color.type is not None else None
    except (AttributeError, ValueError):
        return False
    return rgb is not None and rgb[0] >= 0xB0 and rgb[1] <= 0x60 and rgb[2] <= 0x60


def _marked(paragraph, label_length: int) -> bool:
    """Whether the option's text (after its "A." label) is bold, underlined or red."""
    seen = 0
    for run in paragraph.runs:
        text = run.text
        start, seen = max(0, label_length - seen), seen + len(text)
        if text[start:].strip() and (run.bold or run.underline or _is_red(run)):
            return True
    return False


def _images(paragraph, document, report: Parsed, number: int, item: dict) -> str:
    html = ""
    for blip in paragraph._p.iter(_BLIP):
        part = document.part.related_parts.get(blip.get(_EMBED))
        if part is None:
            continue
        name = f"p{number}-{len(item['images']) + 1}"
        try:
            kind = check_image(part.blob, name)
        except ValueError as exc:
            report.error(number, str(exc))
            continue
        item["images"].append({"name": name, "content_type": kind, "data": part.blob})
        html += f'<img src="@@PLUGINFILE@@/{name}" alt="">'
    return html


def parse(data: bytes) -> Parsed:
    report = Parsed()
    document = _open(data)
    current: dict | None = None
    for number, paragraph in enumerate(document.paragraphs, start=1):
        text = paragraph.text
        images = paragraph._p.iter(_BLIP)
        if not text.strip() and next(images, None) is None:
            continue
        if match := _QUESTION.match(text):
            _finish(report, current)
            current = {"line": number, "number": match.group(1), "stem": [str(escape(match.group(2).strip()))],
                       "options": [], "marks": [], "key": None, "key_line": None, "images": [], "bad": False}
            current["stem"][-1] += _images(paragraph, document, report, number, current)
            continue
        if current is None:
            report.skip(number, _("Đoạn văn nằm ngoài câu hỏi nào (cần bắt đầu bằng “Câu 1:”)."), text.strip())
            continue
        if current["bad"]:
            continue
        if key := _KEY.match(text):
            current["key"], current["key_line"] = [k.upper() for k in re.findall(r"[A-F]", key.group(1), re.I)], number
            continue
        if current["key"] is not None:
            report.error(number, _("Câu %(n)s: đoạn văn sau dòng “Đáp án” không đúng dạng.", n=current["number"]))
            current["bad"] = True
            continue
        if option := _OPTION.match(text):
            expected = "ABCDEF"[len(current["options"])] if len(current["options"]) < 6 else "?"
            if option.group(1) != expected:
                report.error(number, _("Câu %(n)s: cần phương án %(e)s., gặp “%(g)s”.", n=current["number"],
                                       e=expected, g=text.strip()[:40]))
                current["bad"] = True
                continue
            current["options"].append(str(escape(option.group(2).strip())))
            current["marks"].append(_marked(paragraph, option.start(2)))
            continue
        if current["options"]:
            report.error(number, _("Câu %(n)s: đoạn văn sau các phương án không phải phương án (A. … F.) hay "
                                   "dòng “Đáp án: …”.", n=current["number"]))
            current["bad"] = True
            continue
        current["stem"].append(str(escape(text.strip())) + _images(paragraph, document, report, number, current))
    _finish(report, current)
    _tables(report, document)
    return report


def _tables(report: Parsed, document) -> None:
    """Tables are not part of the shape: each is listed (by the number of the paragraph after it)."""
    paragraphs = 0
    for child in document.element.body.iterchildren():
        tag = child.tag.rsplit("}", 1)[-1]
        if tag == "p":
            paragraphs += 1
        elif tag == "tbl":
            report.skip(paragraphs + 1, _("Bảng trong văn bản Word không được đọc; hãy viết câu hỏi thành các đoạn "
                                          "“Câu 1:”, “A. …”."), "")


def _finish(report: Parsed, question: dict | None) -> None:
    if question is None or question["bad"]:
        return
    line, n, options = question["line"], question["number"], question["options"]
    if len(options) < 2:
        report.error(line, _("Câu %(n)s: cần ít nhất hai phương án A., B., …", n=n))
        return
    letters = "ABCDEF"[:len(options)]
    if question["key"] is not None:
        keys = set(question["key"])
        if any(k not in letters for k in keys):
            report.error(question["key_line"], _("Câu %(n)s: đáp án %(k)s không có trong các phương án.",
                                                 n=n, k=", ".join(sorted(keys))))
            return
    else:
        keys = {letters[i] for i, marked in enumerate(question["marks"]) if marked}
        if len(keys) != 1:
            report.error(line, _("Câu %(n)s: không xác định được đáp án (cần đúng một phương án in đậm, gạch chân "
                                 "hoặc tô đỏ, hoặc một dòng “Đáp án: …”).", n=n))
            return
    share = 1.0 / len(keys)
    stem = "<br>".join(s for s in question["stem"] if s)
    report.add({"line": line, "type": "single" if len(keys) == 1 else "multiple",
                "name": re.sub(r"<[^>]+>", "", question["stem"][0])[:80] or f"Câu {n}", "text": stem,
                "general_feedback": "", "category": None, "images": question["images"],
                "answers": [{"text": t, "fraction": share if letters[i] in keys else 0.0, "feedback": ""}
                            for i, t in enumerate(options)]})
