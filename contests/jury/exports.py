"""The organiser's results of a creative round as a spreadsheet (names visible: this is their table)."""
from __future__ import annotations

from flask_babel import gettext as _

from ..models import Round
from . import scoring


def results_xlsx(rnd: Round) -> bytes:
    from openpyxl import Workbook

    from tinhoc.orgs.spreadsheets import header_cells, text_cell, workbook_bytes
    rows = scoring.ranked(rnd)
    width = max((len(r.assignments) for r in rows), default=2)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(rnd.division.code[:30] or "D")
    titles = [_("Mã"), _("Đội"), _("Thành viên"), _("Trường"),
              *[_("Giám khảo %(n)d", n=i + 1) for i in range(width)], _("Điểm trung bình"), _("Lệch"),
              _("Quyết định của trưởng ban"), _("Lý do"), _("Điểm cuối")]
    sheet.append(header_cells(sheet, titles))
    for r in rows:
        totals = [a.total for a in r.assignments] + [None] * (width - len(r.assignments))
        sheet.append([text_cell(sheet, r.code), text_cell(sheet, r.entry.name),
                      text_cell(sheet, ", ".join(m.full_name for m in r.entry.members)),
                      text_cell(sheet, r.entry.school.name if r.entry.school else ""), *totals, r.mean, r.spread,
                      r.decision.score if r.decision else None,
                      text_cell(sheet, r.decision.reason if r.decision else ""), r.final])
    return workbook_bytes(workbook)
