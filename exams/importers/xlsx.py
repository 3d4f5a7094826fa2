"""Our own Excel template: one question per row (read through tinhoc.orgs.workbook_reading, so the
zip, the size and the hidden sheets are checked as for the staff import).

Columns: Loại (single | multiple | truefalse | shortanswer | numerical | essay | file | description,
or the Vietnamese names), Tên, Nội dung, Phương án A … F, Đáp án (letters "A" or "A, C"; Đúng/Sai;
the accepted text separated by "|"; a number "3.14:0.01" or "1..5"), Giải thích, Danh mục, Độ khó
(1–3), Thẻ (comma separated)."""
from __future__ import annotations

import io
import re

from flask_babel import gettext as _

from tinhoc.orgs.workbook_reading import UnreadableWorkbook, cell_text, header_key, read_table

from ..html import plain_to_html
from .common import Parsed, Refused

LETTERS = "ABCDEF"
COLUMNS = {"type": ("Loại", "loai cau hoi", "type"), "name": ("Tên", "ten cau hoi", "name"),
           "text": ("Nội dung", "cau hoi", "text", "noi dung cau hoi"),
           **{f"opt{l}": (f"Phương án {l}", f"phuong an {l}", f"option {l}", l) for l in LETTERS},
           "key": ("Đáp án", "dap an dung", "answer", "key"), "feedback": ("Giải thích", "feedback"),
           "category": ("Danh mục", "category"), "difficulty": ("Độ khó", "difficulty"), "tags": ("Thẻ", "tags")}
HEADERS = [names[0] for names in COLUMNS.values()]
TYPES = {"single": "single", "mot dap an": "single", "multiple": "multiple", "nhieu dap an": "multiple",
         "truefalse": "truefalse", "dung sai": "truefalse", "shortanswer": "shortanswer", "tra loi ngan": "shortanswer",
         "numerical": "numerical", "so": "numerical", "essay": "essay", "tu luan": "essay", "file": "file",
         "nop tep": "file", "description": "description", "mo ta": "description"}
MAX_ROWS = 5000


def _wanted() -> dict[str, str]:
    return {header_key(name): key for key, names in COLUMNS.items() for name in names}


def parse(data: bytes) -> Parsed:
    report = Parsed()
    try:
        table = read_table(io.BytesIO(data), _wanted(), {"type": _("Loại"), "text": _("Nội dung")}, max_rows=MAX_ROWS)
    except UnreadableWorkbook as exc:
        raise Refused(str(exc)) from None
    for number, raw in table.rows:
        _row(report, number, {k: cell_text(v) for k, v in raw.items()})
    return report


def _row(report: Parsed, number: int, row: dict) -> None:
    type_ = TYPES.get(header_key(row.get("type")))
    if type_ is None:
        if row.get("type"):
            report.skip(number, _("Loại câu hỏi “%(t)s” không có trong mẫu Excel.", t=row["type"]), row.get("text", ""))
        else:
            report.error(number, _("Thiếu loại câu hỏi."))
        return
    options = [(l, row.get(f"opt{l}", "")) for l in LETTERS if row.get(f"opt{l}")]
    key = row.get("key", "")
    item = {"line": number, "type": type_, "name": row.get("name") or row.get("text", "")[:80],
            "text": plain_to_html(row.get("text", "")), "general_feedback": plain_to_html(row.get("feedback", "")),
            "category": row.get("category") or None,
            "tags": [t.strip() for t in row.get("tags", "").split(",") if t.strip()]}
    difficulty = row.get("difficulty")
    if difficulty:
        if difficulty not in ("1", "2", "3"):
            report.error(number, _("Độ khó phải là 1, 2 hoặc 3 (gặp “%(v)s”).", v=difficulty))
            return
        item["difficulty"] = int(difficulty)
    if type_ in ("single", "multiple"):
        letters = [l.strip().upper() for l in re.split(r"[,;\s]+", key) if l.strip()]
        known = {l for l, _t in options}
        if not letters or any(l not in known for l in letters):
            report.error(number, _("Đáp án “%(k)s” phải là chữ cái của một phương án có nội dung.", k=key))
            return
        share = 1.0 / len(letters) if type_ == "multiple" else 1.0
        item["answers"] = [{"text": plain_to_html(t), "fraction": share if l in letters else 0.0, "feedback": ""}
                           for l, t in options]
    elif type_ == "truefalse":
        value = {"dung": True, "true": True, "d": True, "t": True, "sai": False, "false": False, "s": False,
                 "f": False}.get(header_key(key))
        if value is None:
            report.error(number, _("Đáp án câu đúng/sai phải là “Đúng” hoặc “Sai”."))
            return
        item["answers"] = [{"text": "true", "value": True, "fraction": float(value), "feedback": ""},
                           {"text": "false", "value": False, "fraction": float(not value), "feedback": ""}]
    elif type_ == "shortanswer":
        item["answers"] = [{"text": t.strip(), "fraction": 1.0, "feedback": ""} for t in key.split("|") if t.strip()]
    elif type_ == "numerical":
        from .gift import _numerical
        try:
            item.update({k: v for k, v in _numerical(key, "plain").items() if k != "type"})
        except ValueError as exc:
            report.error(number, str(exc))
            return
    report.add(item)
