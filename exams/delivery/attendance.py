"""Printed attendance lists of a room (danh sách dự thi): PDF to sign on paper, and .xlsx.

The PDF embeds DejaVu Sans as the certificates do (static/fonts), so Vietnamese prints without any
system font; names are in Vietnamese order (the query sorts with `vi_order`); the last column is
left blank for the candidate's signature. The .xlsx writes every user text with `text_cell`.
"""
from __future__ import annotations

import io
from zoneinfo import ZoneInfo

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.utils import get_column_letter
from reportlab.lib.colors import Color, black
from reportlab.lib.pagesizes import A4
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from tinhoc.accounts.models import User
from tinhoc.certification.pdf import BOLD, REGULAR, _fonts
from tinhoc.extensions import db
from tinhoc.orgs.spreadsheets import header_cells, text_cell, workbook_bytes

from .models import ExamRoom, ExamSession
from .sessions import Listed, listed_candidates

LOCAL = ZoneInfo("Asia/Ho_Chi_Minh")
GREY = Color(0.35, 0.35, 0.35)
ROW_HEIGHT = 22
# (title, width in points) of the PDF columns; the page is 595 points wide with 36-point margins.
COLUMNS = ((lambda: _("STT"), 30), (lambda: _("Số báo danh"), 52), (lambda: _("Mã cán bộ"), 64),
           (lambda: _("Họ và tên"), 150), (lambda: _("Đơn vị"), 127), (lambda: _("Chữ ký"), 100))


def _heading(session: ExamSession, room: ExamRoom) -> list[str]:
    starts = session.starts_at.astimezone(LOCAL).strftime("%H:%M %d/%m/%Y")
    proctor = db.session.get(User, room.proctor_user_id).full_name if room.proctor_user_id else "—"
    return [_("Kỳ thi: %(t)s", t=session.exam.title), _("Ca thi: %(n)s — bắt đầu %(s)s", n=session.name, s=starts),
            _("Phòng: %(r)s — Giám thị: %(p)s", r=room.name, p=proctor)]


def _people(session: ExamSession, room: ExamRoom) -> list[Listed]:
    return listed_candidates(session, {room.id})


def _clip(value: str, font: str, size: float, width: float) -> str:
    while value and pdfmetrics.stringWidth(value, font, size) > width:
        value = value[:-2] + "…" if len(value) > 1 else ""
    return value


def attendance_pdf(session: ExamSession, room: ExamRoom) -> bytes:
    """A4 portrait, a heading, one row per candidate with a blank signature cell; pages as needed."""
    _fonts()
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4)
    c.setTitle(f"{session.name} — {room.name}")
    people = _people(session, room)
    left, top = 36, A4[1] - 40
    titles = [(title(), width) for title, width in COLUMNS]
    page, per_page = 1, int((top - 130 - 60) // ROW_HEIGHT)
    index = 0
    while True:
        y = top
        c.setFont(BOLD, 14)
        c.drawCentredString(A4[0] / 2, y, _("DANH SÁCH THÍ SINH DỰ THI"))
        y -= 20
        c.setFont(REGULAR, 10)
        for line in _heading(session, room):
            c.drawString(left, y, _clip(line, REGULAR, 10, A4[0] - 2 * left))
            y -= 15
        y -= 10
        x = left
        c.setFont(BOLD, 9)
        for title, width in titles:
            c.rect(x, y - 6, width, ROW_HEIGHT, stroke=1, fill=0)
            c.drawString(x + 3, y + 2, title)
            x += width
        y -= ROW_HEIGHT
        c.setFont(REGULAR, 9)
        for person in people[index:index + per_page]:
            index += 1
            cells = (str(index), person.seat or "", person.employee_code, person.full_name, person.unit, "")
            x = left
            for value, (_title, width) in zip(cells, titles):
                c.rect(x, y - 6, width, ROW_HEIGHT, stroke=1, fill=0)
                c.drawString(x + 3, y + 2, _clip(value, REGULAR, 9, width - 6))
                x += width
            y -= ROW_HEIGHT
        c.setFillColor(GREY)
        c.setFont(REGULAR, 8)
        c.drawString(left, 30, _("Số thí sinh: %(n)d — trang %(p)d", n=len(people), p=page))
        c.setFillColor(black)
        if index >= len(people):
            y -= 20
            c.setFont(REGULAR, 10)
            c.drawString(A4[0] - 220, max(y, 60), _("Giám thị ký tên"))
            break
        c.showPage()
        page += 1
    c.save()
    return out.getvalue()


def attendance_xlsx(session: ExamSession, room: ExamRoom) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_clip_sheet(room.name))
    for i, width in enumerate((6, 12, 14, 30, 34, 18), start=1):
        sheet.column_dimensions[get_column_letter(i)].width = width
    for line in _heading(session, room):
        sheet.append([text_cell(sheet, line)])
    sheet.append([])
    sheet.append(header_cells(sheet, [title() for title, _w in COLUMNS]))
    for n, person in enumerate(_people(session, room), start=1):
        sheet.append([n, text_cell(sheet, person.seat), text_cell(sheet, person.employee_code),
                      text_cell(sheet, person.full_name), text_cell(sheet, person.unit), None])
    return workbook_bytes(workbook)


def _clip_sheet(name: str) -> str:
    """A sheet title Excel accepts: at most 31 characters, none of []:*?/\\."""
    cleaned = "".join(ch for ch in name if ch not in "[]:*?/\\")[:31]
    return cleaned or "Phong"
