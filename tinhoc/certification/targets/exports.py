"""The .xlsx files of the targets: a missing list, the yearly report to the People's Committee (summary,
by unit, and who is missing), and the emulation ranking. User text goes through `text_cell` (formula
injection); write-only workbooks keep a 100,000-row list in bounded memory."""
from __future__ import annotations

from flask_babel import gettext as _
from openpyxl import Workbook

from ...access import Actor
from ...extensions import db
from ...orgs.services import KIND_LABELS
from ...orgs.spreadsheets import header_cells, text_cell, workbook_bytes
from . import emulation, services

STREAM_CHUNK = 2000


def _number(value, digits: int = 1):
    return None if value is None else round(value, digits)


def _missing_rows(sheet, metric, stmt) -> None:
    if metric.missing_kind == "person":
        sheet.append(header_cells(sheet, [_("Mã cán bộ"), _("Họ và tên"), _("Vị trí việc làm"), _("Đơn vị")]))
        for person in db.session.scalars(stmt.execution_options(yield_per=STREAM_CHUNK)):
            sheet.append([text_cell(sheet, person.employee_code), text_cell(sheet, person.full_name),
                          text_cell(sheet, person.position.name), text_cell(sheet, person.organisation.name)])
    else:
        sheet.append(header_cells(sheet, [_("Mã đơn vị"), _("Tên đơn vị"), _("Loại đơn vị"), _("Đơn vị cấp trên")]))
        for unit in db.session.scalars(stmt):
            sheet.append([text_cell(sheet, unit.code), text_cell(sheet, unit.name),
                          text_cell(sheet, str(KIND_LABELS.get(unit.kind, unit.kind))),
                          text_cell(sheet, unit.parent.name if unit.parent else "")])


def _widths(sheet, widths) -> None:
    for letter, width in zip("ABCDEFGHIJKL", widths):
        sheet.column_dimensions[letter].width = width


def missing_xlsx(actor: Actor, metric_name: str, org_id: int | None) -> tuple[str, bytes]:
    unit, metric, stmt = services.missing_statement(actor, metric_name, org_id)
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Còn thiếu"))
    _widths(sheet, (18, 40, 28, 44))
    sheet.append([text_cell(sheet, str(metric.missing_label)), text_cell(sheet, unit.name)])
    _missing_rows(sheet, metric, stmt)
    return f"con-thieu-{metric.name}-{unit.code}.xlsx", workbook_bytes(workbook)


def figure_cells(figure: services.Figure) -> list:
    return [figure.numerator, figure.denominator, _number(figure.value), _number(figure.target),
            _number(figure.gap), figure.still_needed]


def figure_headers() -> list[str]:
    return [_("Đạt"), _("Tổng số"), _("Kết quả"), _("Chỉ tiêu"), _("Còn thiếu so với chỉ tiêu"),
            _("Cần thêm")]


def report_xlsx(actor: Actor, org_id: int | None, period_id: int | None, year: int | None) -> tuple[str, bytes]:
    """The yearly report: the subtree's figures against the targets, by unit under it, then the lists
    of who or what is missing (one sheet per metric that has a list)."""
    board = services.dashboard(actor, org_id, period_id, year, live=True)
    workbook = Workbook(write_only=True)
    summary = workbook.create_sheet(_("Tổng hợp"))
    _widths(summary, (60, 12, 12, 12, 12, 22, 12))
    summary.append([text_cell(summary, _("Báo cáo kết quả thực hiện chỉ tiêu nhân lực CNTT năm %(y)d", y=board.year))])
    summary.append([text_cell(summary, _("Đơn vị")), text_cell(summary, board.unit.name)])
    summary.append([text_cell(summary, _("Kỳ kế hoạch")),
                    text_cell(summary, board.period.name if board.period else _("Chưa có kỳ kế hoạch"))])
    summary.append([text_cell(summary, _("Số liệu tính đến ngày")), text_cell(summary, board.day.strftime("%d/%m/%Y"))])
    summary.append([])
    summary.append(header_cells(summary, [_("Chỉ tiêu"), *figure_headers()]))
    for row in board.rows:
        summary.append([text_cell(summary, str(row.figure.metric.label)), *figure_cells(row.figure)])
    units = workbook.create_sheet(_("Theo đơn vị"))
    _widths(units, (44, 40, 10, 10, 10, 10, 12, 10))
    units.append(header_cells(units, [_("Đơn vị"), _("Chỉ tiêu"), *figure_headers()]))
    for row in board.rows:
        for child, figure in row.children:
            units.append([text_cell(units, child.name), text_cell(units, str(figure.metric.label)),
                          *figure_cells(figure)])
    for row in board.rows:
        metric = row.figure.metric
        if metric.missing_label is None:
            continue
        stmt = services.missing_statement(actor, metric.name, board.unit.id, board.day)[2]
        sheet = workbook.create_sheet(metric.name[:31])
        _widths(sheet, (18, 40, 28, 44))
        sheet.append([text_cell(sheet, str(metric.missing_label))])
        _missing_rows(sheet, metric, stmt)
    return f"bao-cao-chi-tieu-{board.year}-{board.unit.code}.xlsx", workbook_bytes(workbook)


def ranking_xlsx(actor: Actor, org_id: int | None, period_id: int | None, year: int | None) -> tuple[str, bytes]:
    board = emulation.ranking(actor, org_id, period_id, year, live=True)
    from . import metrics
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(_("Xếp hạng thi đua"))
    _widths(sheet, (8, 44, 18, *([16] * len(board.criteria)), 12))
    sheet.append([text_cell(sheet, _("Xếp hạng thi đua năm %(y)d", y=board.year)), text_cell(sheet, board.unit.name)])
    sheet.append(header_cells(sheet, [_("Hạng"), _("Cơ quan"), _("Mã đơn vị"),
                                      *(f"{metrics.get(c.metric).label} ({c.weight:g})" for c in board.criteria),
                                      _("Tổng điểm")]))
    for row in board.rows:
        sheet.append([row.rank, text_cell(sheet, row.unit.name), text_cell(sheet, row.unit.code),
                      *(row.points.get(c.metric, 0.0) for c in board.criteria), row.total])
    return f"xep-hang-thi-dua-{board.year}-{board.unit.code}.xlsx", workbook_bytes(workbook)
