"""Moodle XML (docs.moodle.org/en/Moodle_XML_format): categories, multichoice (single and multiple),
truefalse, shortanswer, numerical, matching, essay, description; CDATA HTML; images as base64
<file> elements referenced by @@PLUGINFILE@@. Other types (Cloze, calculated, drag and drop…) are
listed as unsupported.

Untrusted XML: the file is first parsed by defusedxml with DTDs forbidden (so no entity expansion,
no external entity, no billion laughs), then by lxml with entity resolution, network and DTD
loading off, for the line numbers the report gives.
"""
from __future__ import annotations

import base64
import binascii

import defusedxml.ElementTree as safe_et
from defusedxml import DefusedXmlException
from flask_babel import gettext as _
from lxml import etree

from ..html import plain_to_html
from .common import Parsed, Refused, check_image

SUPPORTED = {"multichoice", "truefalse", "shortanswer", "numerical", "matching", "essay", "description"}


def _root(data: bytes):
    try:
        safe_et.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException:
        raise Refused(_("Tệp XML khai báo DTD hoặc thực thể (ENTITY): bị từ chối vì lý do an toàn.")) from None
    except safe_et.ParseError as exc:
        raise Refused(_("Tệp XML không hợp lệ: %(e)s.", e=str(exc))) from None
    parser = etree.XMLParser(resolve_entities=False, no_network=True, load_dtd=False, huge_tree=False)
    try:
        return etree.fromstring(data, parser)
    except etree.XMLSyntaxError as exc:
        raise Refused(_("Tệp XML không hợp lệ: %(e)s.", e=str(exc))) from None


def _text(element, path: str = "text") -> str:
    node = element.find(path) if element is not None else None
    return (node.text or "") if node is not None else ""


def _html(element) -> str:
    """A Moodle text element (<questiontext format=…><text>…</text></questiontext>) as HTML."""
    if element is None:
        return ""
    value = _text(element).strip()
    fmt = element.get("format", "html")
    return plain_to_html(value) if fmt in ("plain_text", "markdown") else value


def _files(element, report: Parsed, line: int) -> list[dict]:
    images = []
    if element is None:
        return images
    for node in element.iter("file"):   # in the question text, the answers and the feedback
        name = node.get("name", "")
        try:
            data = base64.b64decode((node.text or "").strip(), validate=True)
            kind = check_image(data, name)
        except (binascii.Error, ValueError) as exc:
            report.error(node.sourceline or line, str(exc) if isinstance(exc, ValueError) and str(exc) else
                         _("Tệp nhúng “%(n)s” không đọc được (base64).", n=name))
            continue
        images.append({"name": name, "content_type": kind, "data": data})
    return images


def _fraction(value: str | None) -> float:
    return float(value or 0) / 100


def parse(data: bytes) -> Parsed:
    report = Parsed()
    root = _root(data)
    if root.tag != "quiz":
        raise Refused(_("Tệp XML không phải ngân hàng câu hỏi Moodle (cần thẻ gốc <quiz>)."))
    category = None
    for question in root.iter("question"):
        line = question.sourceline or 0
        kind = question.get("type", "")
        if kind == "category":
            path = _text(question, "category/text").strip()
            parts = [p.strip() for p in path.split("/") if p.strip()]
            while parts and parts[0] in ("$course$", "$system$", "$module$", "$coursecategory$", "top"):
                parts = parts[1:]
            category = "/".join(parts)
            continue
        name = _text(question, "name/text").strip()
        if kind not in SUPPORTED:
            report.skip(line, _("Loại câu hỏi Moodle “%(t)s” không được hỗ trợ.", t=kind), name)
            continue
        qtext = question.find("questiontext")
        item = {"line": line, "name": name[:255], "text": _html(qtext), "category": category,
                "general_feedback": _html(question.find("generalfeedback")),
                "images": _files(question, report, line)}
        try:
            item.update(_typed(question, kind))
        except (ValueError, TypeError):
            report.error(line, _("Câu hỏi “%(n)s”: giá trị không hợp lệ (trọng số hoặc số).", n=name))
            continue
        report.add(item)
    return report


def _answers(question, *, html: bool = True) -> list[dict]:
    out = []
    for answer in question.findall("answer"):
        value = _html(answer) if html else _text(answer).strip()
        out.append({"text": value, "fraction": _fraction(answer.get("fraction")),
                    "feedback": _html(answer.find("feedback"))})
    return out


def _typed(question, kind: str) -> dict:
    if kind == "multichoice":
        single = _text(question, "single").strip().lower() in ("true", "1")
        return {"type": "single" if single else "multiple", "answers": _answers(question),
                "shuffle": _text(question, "shuffleanswers").strip().lower() not in ("0", "false")}
    if kind == "truefalse":
        answers = _answers(question, html=False)
        correct = next((a for a in answers if a["fraction"] >= 1), None)
        value = correct is not None and correct["text"].strip().lower() == "true"
        return {"type": "truefalse", "correct": value, "answers": [
            dict(a, value=a["text"].strip().lower() == "true") for a in answers]}
    if kind == "shortanswer":
        return {"type": "shortanswer", "answers": _answers(question, html=False),
                "case_sensitive": _text(question, "usecase").strip() == "1"}
    if kind == "numerical":
        answers = []
        for answer in question.findall("answer"):
            answers.append({"value": float(_text(answer).strip().replace(",", ".")),
                            "tolerance": float(_text(answer, "tolerance").strip() or 0),
                            "fraction": _fraction(answer.get("fraction")),
                            "feedback": _html(answer.find("feedback"))})
        unit = _text(question, "units/unit/unit_name").strip()
        return {"type": "numerical", "answers": answers, "unit": unit}
    if kind == "matching":
        return {"type": "matching", "pairs": [
            {"question": _html(sub), "answer": _text(sub, "answer/text").strip()}
            for sub in question.findall("subquestion")]}
    if kind == "essay" and _text(question, "responseformat").strip() == "noinline":
        return {"type": "file"}   # an essay answered by an attached file only: our file upload
    return {"type": kind}
