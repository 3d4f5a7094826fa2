"""Exports to GIFT and Moodle XML that the importers read back item for item (tested by round trips).

Each question's current version becomes an item (the type's `to_item`) with its category path."""
from __future__ import annotations

import base64
import re

from lxml import etree
from sqlalchemy import select

from tinhoc.access import Actor
from tinhoc.extensions import db

from . import services
from .models import Question, QuestionCategory, QuestionImage
from .questions import get_type

_GIFT_SPECIAL = re.compile(r"([~=#{}:\\])")
_IMG = re.compile(r'/exams/images/(\d+)')


def _esc(value: str) -> str:
    return _GIFT_SPECIAL.sub(r"\\\1", str(value)).replace("\n", "\\n")


def _num(value: float) -> str:
    return repr(float(value)).removesuffix(".0") if float(value).is_integer() else repr(float(value))


def _pct(fraction: float) -> str:
    return f"%{_num(round(fraction * 100, 5))}%"


def answer_block(type_: str, item: dict) -> str:
    """The GIFT answer block of an item (without braces); also what the edit page shows."""
    answers = item.get("answers") or []
    fb = lambda a: f"#{_esc(a['feedback'])}" if a.get("feedback") else ""  # noqa: E731
    if type_ in ("essay", "file", "description"):
        return ""
    if type_ == "truefalse":
        right = next(a for a in answers if a["fraction"] >= 1)
        wrong = next(a for a in answers if a["fraction"] < 1)
        feedback = f"#{_esc(wrong.get('feedback', ''))}#{_esc(right.get('feedback', ''))}" \
            if wrong.get("feedback") or right.get("feedback") else ""
        return ("TRUE" if right["value"] else "FALSE") + feedback
    if type_ == "matching":
        return " ".join(f"={_esc(p['question'])} -> {_esc(p['answer'])}" for p in item["pairs"])
    if type_ == "numerical":
        parts = [f"={'' if a['fraction'] == 1 else _pct(a['fraction'])}{_num(a['value'])}:{_num(a['tolerance'])}{fb(a)}"
                 for a in answers]
        return "#" + " ".join(parts)
    if type_ == "shortanswer":
        return " ".join(f"={'' if a['fraction'] == 1 else _pct(a['fraction'])}{_esc(a['text'])}{fb(a)}" for a in answers)
    out = []
    for a in answers:
        if type_ == "single" and a["fraction"] == 1:
            out.append(f"={_esc(a['text'])}{fb(a)}")
        else:
            weight = "" if a["fraction"] == 0 else _pct(a["fraction"])
            out.append(f"~{weight}{_esc(a['text'])}{fb(a)}")
    return " ".join(out)


def _items(actor: Actor, category_id: int | None) -> list[dict]:
    query = (select(Question).join(QuestionCategory, QuestionCategory.id == Question.category_id)
             .where(Question.archived_at.is_(None)).order_by(QuestionCategory.path, Question.id))
    if category_id:
        query = query.where(QuestionCategory.subtree_clause(services.category_for(actor, category_id).path))
    else:
        services.category_tree(actor)  # the bank's access rule
    items = []
    for question in db.session.scalars(query):
        version = question.current
        item = {"type": version.type, "name": version.name, "text": version.text,
                "general_feedback": version.general_feedback,
                "category": services.category_label(question.category).replace(" / ", "/"),
                **get_type(version.type).to_item(version.params)}
        items.append(item)
    return items


def export_gift(actor: Actor, category_id: int | None = None) -> bytes:
    lines, category = [], None
    for item in _items(actor, category_id):
        if item["category"] != category:
            category = item["category"]
            lines.append(f"$CATEGORY: {category}\n")
        head = f"::{_esc(item['name'])}::[html]{_esc(item['text'])}"
        if item["type"] == "description":
            lines.append(head + "\n")
            continue
        feedback = f" ####{_esc(item['general_feedback'])}" if item.get("general_feedback") else ""
        block = answer_block(item["type"], item)
        lines.append(f"{head} {{{block}{feedback}}}\n" if block or feedback else f"{head} {{}}\n")
    return "\n".join(lines).encode("utf-8")


_XML_TYPES = {"single": "multichoice", "multiple": "multichoice", "truefalse": "truefalse",
              "shortanswer": "shortanswer", "numerical": "numerical", "matching": "matching", "essay": "essay",
              "file": "essay", "description": "description"}


def _embed(node, html: str) -> str:
    """Images of the bank inside `html` become <file> children of `node` referenced by @@PLUGINFILE@@."""
    for image_id in sorted(set(_IMG.findall(html))):
        image = db.session.get(QuestionImage, int(image_id))
        if image is None:
            continue
        name = f"image{image.id}.{image.content_type.split('/')[1]}"
        html = re.sub(rf'/exams/images/{image_id}(?=["\'])', f"@@PLUGINFILE@@/{name}", html)
        etree.SubElement(node, "file", name=name, path="/", encoding="base64").text = base64.b64encode(image.data).decode()
    return html


def _text(parent, tag: str, value: str, fmt: str | None = "html", *, embed: bool = False):
    node = etree.SubElement(parent, tag, **({"format": fmt} if fmt else {}))
    text_node = etree.SubElement(node, "text")
    if embed and value:
        value = _embed(node, value)
    text_node.text = etree.CDATA(value) if value and fmt == "html" else value
    return node


def export_moodle_xml(actor: Actor, category_id: int | None = None) -> bytes:
    quiz = etree.Element("quiz")
    category = None
    for item in _items(actor, category_id):
        if item["category"] != category:
            category = item["category"]
            node = etree.SubElement(quiz, "question", type="category")
            _text(node, "category", f"$course$/top/{category}", None)
        q = etree.SubElement(quiz, "question", type=_XML_TYPES[item["type"]])
        _text(q, "name", item["name"], None)
        _text(q, "questiontext", item["text"], embed=True)
        _text(q, "generalfeedback", item.get("general_feedback", ""), embed=True)
        _typed_xml(q, item)
    return etree.tostring(quiz, xml_declaration=True, encoding="UTF-8", pretty_print=True)


def _answer(q, text: str, fraction: float, feedback: str, fmt="html"):
    node = etree.SubElement(q, "answer", fraction=_num(round(fraction * 100, 5)), format=fmt)
    text_node = etree.SubElement(node, "text")
    if fmt == "html" and text:
        text_node.text = etree.CDATA(_embed(node, text))
    else:
        text_node.text = text
    _text(node, "feedback", feedback or "", embed=True)
    return node


def _typed_xml(q, item: dict) -> None:
    kind = item["type"]
    if kind in ("single", "multiple"):
        etree.SubElement(q, "single").text = "true" if kind == "single" else "false"
        for a in item["answers"]:
            _answer(q, a["text"], a["fraction"], a.get("feedback", ""))
    elif kind == "truefalse":
        for a in item["answers"]:
            _answer(q, a["text"], a["fraction"], a.get("feedback", ""), "moodle_auto_format")
    elif kind == "shortanswer":
        etree.SubElement(q, "usecase").text = "1" if item.get("case_sensitive") else "0"
        for a in item["answers"]:
            _answer(q, a["text"], a["fraction"], a.get("feedback", ""), "moodle_auto_format")
    elif kind == "numerical":
        for a in item["answers"]:
            node = _answer(q, _num(a["value"]), a["fraction"], a.get("feedback", ""), "moodle_auto_format")
            etree.SubElement(node, "tolerance").text = _num(a["tolerance"])
        if item.get("unit"):
            unit = etree.SubElement(etree.SubElement(q, "units"), "unit")
            etree.SubElement(unit, "multiplier").text = "1"
            etree.SubElement(unit, "unit_name").text = item["unit"]
    elif kind == "file":
        etree.SubElement(q, "responseformat").text = "noinline"
        etree.SubElement(q, "attachments").text = "1"
        etree.SubElement(q, "attachmentsrequired").text = "1"
    elif kind == "matching":
        for p in item["pairs"]:
            sub = _text(q, "subquestion", p["question"], embed=True)
            answer = etree.SubElement(sub, "answer")
            etree.SubElement(answer, "text").text = p["answer"]


def xlsx_template() -> bytes:
    """The Excel import template: the header row and one example row per type (text cells)."""
    import io

    from openpyxl import Workbook

    from tinhoc.orgs.spreadsheets import text_cell

    from .importers.xlsx import HEADERS
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet("Câu hỏi")
    for index, width in enumerate((14, 18, 50, 18, 18, 18, 18, 12, 12, 14, 30, 20, 8, 16)):
        sheet.column_dimensions[chr(ord("A") + index)].width = width
    examples = [
        ("single", "", "Thiết bị nào là thiết bị nhập?", "Màn hình", "Bàn phím", "Máy in", "", "", "", "B", "",
         "IU01", "1", "phần cứng"),
        ("multiple", "", "Những hàm nào thuộc nhóm logic?", "IF", "SUM", "AND", "", "", "", "A, C", "", "IU04", "2", ""),
        ("truefalse", "", "RAM mất dữ liệu khi tắt máy.", "", "", "", "", "", "", "Đúng", "", "IU01", "1", ""),
        ("shortanswer", "", "Viết tắt của mạng cục bộ?", "", "", "", "", "", "", "LAN|mạng LAN", "", "IU01", "2", ""),
        ("numerical", "", "1 byte bằng bao nhiêu bit?", "", "", "", "", "", "", "8", "", "IU01", "1", ""),
        ("essay", "", "Soạn một công văn theo mẫu.", "", "", "", "", "", "", "", "", "IU03", "3", ""),
    ]
    sheet.append([text_cell(sheet, h) for h in HEADERS])
    for row in examples:
        sheet.append([text_cell(sheet, v) if v else None for v in row])
    out = io.BytesIO()
    workbook.save(out)
    return out.getvalue()
