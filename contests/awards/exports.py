"""The printable results list of a division: PDF (reportlab, DejaVu Sans embedded so Vietnamese
renders) and .xlsx (openpyxl, text cells guarded against formulas). A set not yet published is
marked as a draft on both."""
from __future__ import annotations

import io

from .models import AwardSet
from .rules import PRIZE_VI

STATUS_NOTE = {"draft": "BẢN NHÁP – CHƯA RÀ SOÁT", "reviewed": "ĐÃ RÀ SOÁT – CHƯA CÔNG BỐ", "published": ""}


def _rows(found: AwardSet) -> list[tuple]:
    """(rank, entry name, members, school, score, prize label) in rank order."""
    out = []
    for row in found.rows:
        entry = row.entry
        members = ", ".join(m.full_name for m in entry.members)
        out.append((row.rank, entry.name, members, entry.school.name if entry.school else "", row.score,
                    PRIZE_VI[row.prize] if row.prize else ""))
    return out


def _fmt(score: float) -> str:
    return f"{score:g}"


def results_pdf(found: AwardSet) -> bytes:
    from reportlab.lib.pagesizes import A4
    from reportlab.pdfbase import pdfmetrics
    from reportlab.pdfgen.canvas import Canvas

    from tinhoc.certification.pdf import BOLD, REGULAR, _fonts
    _fonts()
    division = found.division
    out = io.BytesIO()
    c = Canvas(out, pagesize=A4)
    c.setTitle(f"Kết quả {division.name}")
    width, height = A4
    columns = [(40, "TT"), (70, "Thí sinh / đội"), (250, "Trường"), (420, "Điểm"), (470, "Giải")]

    def header(y: float) -> float:
        c.setFont(BOLD, 13)
        c.drawCentredString(width / 2, y, division.contest.title[:90])
        c.setFont(BOLD, 11)
        c.drawCentredString(width / 2, y - 18, f"DANH SÁCH ĐẠT GIẢI – {division.name}"[:100])
        y -= 36
        if STATUS_NOTE.get(found.status):
            c.setFont(BOLD, 10)
            c.drawCentredString(width / 2, y, STATUS_NOTE[found.status])
            y -= 16
        c.setFont(BOLD, 9)
        for x, title in columns:
            c.drawString(x, y, title)
        c.line(36, y - 4, width - 36, y - 4)
        return y - 18

    def fit(value: str, room: float, font: str = REGULAR, size: float = 9) -> str:
        while value and pdfmetrics.stringWidth(value, font, size) > room:
            value = value[:-2] + "…"
        return value

    y = header(height - 50)
    for rank, name, members, school, score, prize in _rows(found):
        if y < 60:
            c.showPage()
            y = header(height - 50)
        c.setFont(REGULAR, 9)
        c.drawString(40, y, str(rank))
        c.drawString(70, y, fit(name, 175))
        c.drawString(250, y, fit(school, 165))
        c.drawString(420, y, _fmt(score))
        c.setFont(BOLD if prize else REGULAR, 9)
        c.drawString(470, y, prize)
        y -= 13
        if members and members != name:
            c.setFont(REGULAR, 8)
            c.drawString(80, y, fit(members, 330, REGULAR, 8))
            y -= 12
    if not found.rows:
        c.setFont(REGULAR, 10)
        c.drawString(40, y, "Chưa có thí sinh được xếp hạng.")
    c.showPage()
    c.save()
    return out.getvalue()


def results_xlsx(found: AwardSet) -> bytes:
    from openpyxl import Workbook

    from tinhoc.orgs.spreadsheets import header_cells, text_cell, workbook_bytes
    division = found.division
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(division.code[:30] or "giai")
    sheet.append([text_cell(sheet, division.contest.title)])
    sheet.append([text_cell(sheet, f"Danh sách đạt giải – {division.name}")])
    if STATUS_NOTE.get(found.status):
        sheet.append([text_cell(sheet, STATUS_NOTE[found.status])])
    sheet.append(header_cells(sheet, ["Hạng", "Thí sinh / đội", "Thành viên", "Trường", "Điểm", "Giải"]))
    for rank, name, members, school, score, prize in _rows(found):
        sheet.append([rank, text_cell(sheet, name), text_cell(sheet, members), text_cell(sheet, school), score,
                      text_cell(sheet, prize) if prize else None])
    return workbook_bytes(workbook)
