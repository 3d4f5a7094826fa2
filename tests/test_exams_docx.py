"""Word (.docx) importer: keys by a line, bold, underline or red; images kept; other shapes listed
with their paragraph number; nothing guessed."""
from __future__ import annotations

import base64
import io

from docx import Document
from docx.shared import Inches, RGBColor

from exams.importers import parse

PNG = base64.b64decode("iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNk+M9QDwADhgGAWjR9awAAAABJRU5ErkJggg==")


def _docx(build) -> bytes:
    document = Document()
    build(document)
    out = io.BytesIO()
    document.save(out)
    return out.getvalue()


def _option(document, label, text, **style):
    paragraph = document.add_paragraph(f"{label} ")
    run = paragraph.add_run(text)
    run.bold = style.get("bold")
    run.underline = style.get("underline")
    if style.get("red"):
        run.font.color.rgb = RGBColor(0xFF, 0, 0)


def test_keys_by_line_bold_underline_red_and_an_image(app):
    def build(d):
        d.add_paragraph("ĐỀ KIỂM TRA IU01")                       # 1: outside any question
        d.add_paragraph("Câu 1: Thiết bị nào là thiết bị nhập?")  # 2
        for label, text in (("A.", "Màn hình"), ("B.", "Bàn phím"), ("C.", "Máy in")):
            d.add_paragraph(f"{label} {text}")
        d.add_paragraph("Đáp án: B")
        d.add_paragraph("Câu 2. Phím tắt dán?")                   # 7
        _option(d, "A.", "Ctrl+C")
        _option(d, "B.", "Ctrl+V", bold=True)
        d.add_paragraph("Câu 3: Gạch chân")                        # 10
        _option(d, "A.", "một", underline=True)
        _option(d, "B.", "hai")
        d.add_paragraph("Câu 4: Tô đỏ, xem hình:")                 # 13
        d.add_paragraph().add_run().add_picture(io.BytesIO(PNG), width=Inches(0.2))
        _option(d, "A.", "một")
        _option(d, "B.", "hai", red=True)
        d.add_paragraph("Câu 5: Nhiều đáp án")                     # 17
        _option(d, "A.", "x")
        _option(d, "B.", "y")
        _option(d, "C.", "z")
        d.add_paragraph("Đáp án: A, C")
    report = parse(_docx(build), "docx")
    assert report.errors == []
    assert [u["line"] for u in report.unsupported] == [1]
    assert [i["line"] for i in report.items] == [2, 7, 10, 13, 17]
    keys = [[a["fraction"] for a in i["answers"]] for i in report.items]
    assert keys == [[0, 1, 0], [0, 1], [1, 0], [0, 1], [0.5, 0, 0.5]]
    assert [i["type"] for i in report.items][-1] == "multiple"
    image_item = report.items[3]
    assert image_item["images"][0]["data"] == PNG and "@@PLUGINFILE@@/" in image_item["text"]


def test_malformed_shapes_have_their_paragraph_number(app):
    def build(d):
        d.add_paragraph("Câu 1: Không có đáp án")     # 1
        d.add_paragraph("A. x")
        d.add_paragraph("B. y")
        d.add_paragraph("Câu 2: Nhảy phương án")      # 4
        d.add_paragraph("A. x")
        d.add_paragraph("C. y")                       # 6
        d.add_paragraph("Câu 3: Đáp án ngoài")        # 7
        d.add_paragraph("A. x")
        d.add_paragraph("B. y")
        d.add_paragraph("Đáp án: E")                  # 10
        d.add_paragraph("Câu 4: Chữ lạ sau phương án")  # 11
        d.add_paragraph("A. x")
        d.add_paragraph("ghi chú")                    # 13
        d.add_paragraph("Câu 5: Hai phương án đậm")   # 14
        _option(d, "A.", "x", bold=True)
        _option(d, "B.", "y", bold=True)
        d.add_table(rows=1, cols=2).cell(0, 0).text = "Câu 6: trong bảng"
    report = parse(_docx(build), "docx")
    assert [u["line"] for u in report.unsupported] == [17]
    assert [e["line"] for e in report.errors] == [1, 6, 10, 13, 14]
    assert report.items == []


def test_not_a_docx_is_refused(app):
    assert parse(b"PK\x03\x04 broken", "docx").refused
    assert parse(b"plain text", "docx").refused
