"""The .xlsx exports of results and per-question statistics (user text through `text_cell`)."""
from __future__ import annotations

from flask_babel import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell

from tinhoc.access import Actor
from tinhoc.orgs.spreadsheets import header_cells, text_cell, workbook_bytes

from . import results, statistics


def _verdict(value) -> str:
    return _("Đạt") if value else _("Chưa chấm xong") if value is None else _("Không đạt")


def results_xlsx(actor: Actor, exam_id: int, org_id: int | None = None) -> tuple[str, bytes]:
    exam, parts, rows = results.exam_results(actor, exam_id, org_id)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Kết quả"))
    sheet.freeze_panes = "A2"
    sheet.append(header_cells(sheet, [_("STT"), _("Họ và tên"), _("Tên đăng nhập"), _("Đơn vị"),
                                      *[f"{p.title} (/{p.max_points:g})" for p in parts],
                                      _("Tổng điểm"), _("Kết quả")]))
    for number, row in enumerate(rows, start=1):
        scores = []
        for part in parts:
            attempt = row.parts.get(part.id)
            scores.append(None if attempt is None or attempt.points is None
                          else WriteOnlyCell(sheet, value=round(attempt.points, 2)))
        total = row.total(parts)
        sheet.append([number, text_cell(sheet, row.name), text_cell(sheet, row.username),
                      text_cell(sheet, row.unit), *scores, total, text_cell(sheet, _verdict(row.passed(parts)))])
    return f"ket-qua-ky-thi-{exam.id}.xlsx", workbook_bytes(workbook)


def statistics_xlsx(actor: Actor, exam_id: int) -> tuple[str, bytes]:
    exam, stats = statistics.exam_statistics(actor, exam_id)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Thống kê câu hỏi"))
    sheet.freeze_panes = "A2"
    sheet.append(header_cells(sheet, [_("Phần thi"), _("Mã câu hỏi"), _("Câu hỏi"), _("Loại"), _("Số bài"),
                                      _("Độ khó (điểm trung bình)"), _("Độ phân biệt (tương quan)")]))
    for stat in stats:
        sheet.append([text_cell(sheet, stat.part.title), stat.question_id, text_cell(sheet, stat.label),
                      text_cell(sheet, stat.type), stat.count,
                      None if stat.facility is None else round(stat.facility, 3),
                      None if stat.discrimination is None else round(stat.discrimination, 3)])
    return f"thong-ke-cau-hoi-{exam.id}.xlsx", workbook_bytes(workbook)


def units_xlsx(actor: Actor, org_id: int | None = None) -> tuple[str, bytes]:
    """Results by unit: one row per candidate and exam, each part's points in one text column."""
    rows, truncated = results.unit_results(actor, org_id)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Kết quả theo đơn vị"))
    sheet.freeze_panes = "A2"
    sheet.append(header_cells(sheet, [_("STT"), _("Họ và tên"), _("Tên đăng nhập"), _("Đơn vị"), _("Kỳ thi"),
                                      _("Các phần thi"), _("Kết quả")]))
    for number, row in enumerate(rows, start=1):
        parts = list(row.exam.parts)
        scores = "; ".join(f"{p.title}: " + ("—" if row.parts.get(p.id) is None or row.parts[p.id].points is None
                                             else f"{row.parts[p.id].points:g}/{row.parts[p.id].max_points:g}")
                           for p in parts)
        sheet.append([number, text_cell(sheet, row.name), text_cell(sheet, row.username), text_cell(sheet, row.unit),
                      text_cell(sheet, row.exam.title), text_cell(sheet, scores),
                      text_cell(sheet, _verdict(row.passed(parts)))])
    if truncated:
        sheet.append([None, text_cell(sheet, _("Chỉ hiện %(n)d bài thi đầu tiên: hãy chọn một đơn vị để xem đủ.",
                                                 n=results.UNIT_LIMIT))])
    return "ket-qua-thi-theo-don-vi.xlsx", workbook_bytes(workbook)
